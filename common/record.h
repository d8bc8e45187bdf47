// A record as a type: the envelope every record carries, and the fields of a
// seizure and of an alert as members. Every other top-level key (a receipt's
// or a decision's fields, the hub's validation fields, keys a newer peer
// sends) and every value of the wrong type for its member is kept as it came,
// as raw msgpack in `others`, so a record goes through a node unchanged
// (DESIGN: a receiver keeps keys it does not know) and the validator still
// sees the value it must name.
//
//   Record rec;
//   rec.envelope.kind = "seizure";
//   rec.seizure.emplace().reporting_country = "FR";
//   std::string bytes = RecordCodec::Encode(rec);   // as MsgpackJson::Encode
//
// RecordCodec converts between this type, msgpack and JSON text; the members
// are bound to the rows of RecordFields (common/record_fields.h), the one
// list of the record's fields. Plain data: thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cen::common {

// A key and its value as canonical msgpack (maps sorted by key at every
// level, a repeated key's last value, floats as doubles).
struct RawField {
  std::string name;
  std::string msgpack;
  bool operator==(const RawField&) const = default;
};
using RawFields = std::vector<RawField>;

// A JSON number as it was written: an integer stays an integer.
struct Number {
  std::variant<int64_t, double> value;
  double AsDouble() const {
    return std::holds_alternative<int64_t>(value) ? static_cast<double>(std::get<int64_t>(value))
                                                  : std::get<double>(value);
  }
  bool operator==(const Number&) const = default;
};

using Text = std::optional<std::string>;
using Integer = std::optional<int64_t>;
using OptionalNumber = std::optional<Number>;
using TextList = std::optional<std::vector<std::string>>;
// Routes: each a list of countries in travel order.
using RouteList = std::optional<std::vector<std::vector<std::string>>>;

struct Envelope {
  Text kind;
  Text ref;
  Text uuid;
  Integer version;
  Text origin;
  Integer gseq;
  Text received_at;
  Text scope;
  Text handling;
  Text handling_note;
  Text source_eval;
  Integer info_eval;
  Text lang;
  bool operator==(const Envelope&) const = default;
};

struct Offender {
  Text nationality;
  Text gender;
  Integer age;
  RawFields others;  // "nominal" (personal details, never sent) and unknown keys
  bool operator==(const Offender&) const = default;
};
using OffenderList = std::optional<std::vector<Offender>>;

struct Seizure {
  Text seizure_date;
  Text reporting_country;
  Text commodity;
  Text description;
  OptionalNumber quantity;
  Text unit;
  Text hs_code;
  Text location;
  Text locode;
  OptionalNumber lat;
  OptionalNumber lon;
  Text location_type;
  Text direction;
  Text detection;
  Text concealment;
  Integer transport_mode;
  Text conveyance;
  TextList containers;
  Text vessel_imo;
  Text departure;
  Text destination;
  TextList transit;
  OptionalNumber value;
  Text currency;
  OffenderList offenders;
  bool operator==(const Seizure&) const = default;
};

struct Indicators {
  TextList containers;
  TextList vessel_imo;
  TextList companies;
  RouteList routes;
  TextList hs_codes;
  RawFields others;
  bool operator==(const Indicators&) const = default;
};

struct Alert {
  Text title;
  Text body;
  Text priority;
  Text msg_type;
  TextList references;
  Text issued_at;
  Text expires_at;
  Text commodity;
  std::optional<Indicators> indicators;
  bool operator==(const Alert&) const = default;
};

struct Record {
  Envelope envelope;
  std::optional<Seizure> seizure;  // set when kind is "seizure"
  std::optional<Alert> alert;      // set when kind is "alert"
  RawFields others;                // every other top-level key, sorted by name

  // True when the record has `name` at its top level, typed or raw.
  bool Has(std::string_view name) const;
  // The raw value of `name` among `others` when it is a string.
  std::optional<std::string_view> OtherText(std::string_view name) const;
  bool operator==(const Record&) const = default;
};

}  // namespace cen::common
