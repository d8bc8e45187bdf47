// Every field a record carries at its top level, in one table: which records
// carry it, how a data drop's CSV cell becomes its value, its longest text,
// whether `cen-query --text` searches it, and the example the drop template
// shows. The validator's known keys (and the order it checks them in), the
// CSV drop reader's columns, the drop template, the CSV export's columns and
// the replica's full-text columns are all read from here, so a new field is
// one new row.
//
//   for (const FieldSpec& f : RecordFields::Of(FieldGroup::kSeizure)) ...
//   constexpr size_t kMaxTitle = RecordFields::MaxChars("title");
//
// Nested fields (offenders, indicators' items, hits) keep their own checks in
// the validator; an alert's indicator lists are rows here too (group
// kIndicator) because a CSV drop gives each one a column, "indicators.NAME".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cen::common {

enum class FieldGroup {
  kEnvelope,    // every record
  kSeizure,     // kind "seizure"
  kAlert,       // kind "alert"
  kReceipt,     // kind "receipt"
  kIndicator,   // an alert's "indicators" object
  kDecision,    // kind "decision": a RILO accepts or returns an NCP's record
  kValidation,  // set by the hub on an NCP's record; refused from a node
};

// How a CSV drop's cell becomes the field's value.
enum class CsvCell {
  kNone,       // not a CSV column
  kText,       // as written
  kCode,       // a code, date or time: surrounding spaces dropped
  kNumber,     // a JSON number; an integer when written without point or exponent
  kInteger,    // a JSON integer
  kList,       // items joined with ';'
  kRoutes,     // routes joined with ';', each country joined with '>'
  kOffenders,  // NATIONALITY/GENDER/AGE items joined with ';'
};

struct FieldSpec {
  std::string_view name;
  FieldGroup group;
  CsvCell csv = CsvCell::kNone;
  // Free text: the longest value, in Unicode code points (0: not free text).
  size_t max_chars = 0;
  bool searched = false;  // in the replica's full-text index
  // The drop template's example cell; nullptr: not in the template.
  const char* example = nullptr;
};

namespace record_fields_detail {
using enum FieldGroup;
using enum CsvCell;
// In check order within each group; the groups in this order.
// clang-format off
inline constexpr FieldSpec kTable[] = {
    {"kind", kEnvelope, kCode, 0, false, ""},
    {"ref", kEnvelope, kText, 64, false, ""},
    {"uuid", kEnvelope, kCode},
    {"version", kEnvelope},
    {"origin", kEnvelope},
    {"gseq", kEnvelope},
    {"received_at", kEnvelope},
    {"scope", kEnvelope, kCode, 0, false, "global"},
    {"handling", kEnvelope, kCode, 0, false, "H0"},
    {"handling_note", kEnvelope, kText, 1000, false, ""},
    {"source_eval", kEnvelope, kCode, 0, false, "B"},
    {"info_eval", kEnvelope, kInteger, 0, false, "2"},
    {"lang", kEnvelope, kCode, 0, false, "en"},

    {"seizure_date", kSeizure, kCode, 0, false, "2026-03-14"},
    {"reporting_country", kSeizure, kCode, 0, false, "FR"},
    {"commodity", kSeizure, kCode, 0, false, "drugs"},
    {"description", kSeizure, kText, 4000, true,
     "Cocaine in 12 packages hidden in banana boxes, \"Premium\" brand"},
    {"quantity", kSeizure, kNumber, 0, false, "12.5"},
    {"unit", kSeizure, kCode, 0, false, "KGM"},
    {"hs_code", kSeizure, kCode, 0, false, "293972"},
    {"location", kSeizure, kText, 200, true, "Le Havre"},
    {"locode", kSeizure, kCode, 0, false, "FRLEH"},
    {"lat", kSeizure, kNumber, 0, false, "49.4833"},
    {"lon", kSeizure, kNumber, 0, false, "0.1"},
    {"location_type", kSeizure, kCode, 0, false, "seaport"},
    {"direction", kSeizure, kCode, 0, false, "import"},
    {"detection", kSeizure, kCode, 0, false, "x_ray"},
    {"concealment", kSeizure, kText, 1000, true, "False floor of a reefer container"},
    {"transport_mode", kSeizure, kInteger, 0, false, "1"},
    {"conveyance", kSeizure, kText, 200, false, "MV Example"},
    {"containers", kSeizure, kList, 0, false, "CSQU3054383"},
    {"vessel_imo", kSeizure, kCode, 0, false, "9074729"},
    {"departure", kSeizure, kCode, 0, false, "EC"},
    {"destination", kSeizure, kCode, 0, false, "FR"},
    {"transit", kSeizure, kList, 0, false, "PA;ES"},
    {"value", kSeizure, kNumber, 0, false, "250000"},
    {"currency", kSeizure, kCode, 0, false, "EUR"},
    {"offenders", kSeizure, kOffenders, 0, false, "EC/M/34;FR/F/"},

    {"title", kAlert, kText, 200, true, "Cocaine in banana boxes from Ecuador"},
    {"body", kAlert, kText, 16000, true,
     "Reefer containers of bananas from Guayaquil via Panama: false floors. Check the listed "
     "containers and vessel."},
    {"priority", kAlert, kCode, 0, false, "high"},
    {"msg_type", kAlert, kCode, 0, false, "alert"},
    {"references", kAlert, kList, 0, false, ""},
    {"issued_at", kAlert, kCode, 0, false, "2026-03-15T09:00:00Z"},
    // No example: any fixed date passes, and the dropped example would be
    // an alert expired on arrival.
    {"expires_at", kAlert, kCode, 0, false, ""},
    {"commodity", kAlert, kCode, 0, false, "drugs"},
    {"indicators", kAlert},

    {"containers", kIndicator, kList, 0, false, "CSQU3054383"},
    {"vessel_imo", kIndicator, kList, 0, false, "9074729"},
    {"companies", kIndicator, kList, 0, false, "Example Fruit Export SA"},
    {"routes", kIndicator, kRoutes, 0, false, "EC>PA>ES>FR"},
    {"hs_codes", kIndicator, kList, 0, false, "080390"},

    {"alert", kReceipt},
    {"action", kReceipt},
    {"at", kReceipt},
    {"by", kReceipt},
    {"note", kReceipt},
    {"hit", kReceipt},

    {"decision", kDecision},
    {"record", kDecision},
    {"record_version", kDecision},
    {"reason", kDecision, kNone, 1000},
    {"decided_at", kDecision},  // when the RILO decided (a decision made again is a new version)
    {"accepted", kDecision},  // the accepted record, embedded by the hub

    {"validation", kValidation},  // pending, accepted
    {"rilo", kValidation},
    {"validated_by", kValidation},
    {"validated_at", kValidation},
};
// clang-format on
}  // namespace record_fields_detail

class RecordFields {
 public:
  static constexpr std::span<const FieldSpec> All() { return record_fields_detail::kTable; }
  // The rows of one group, in check order.
  static std::span<const FieldSpec> Of(FieldGroup group);
  // Their names.
  static std::span<const std::string_view> Names(FieldGroup group);
  // A cheap hash of a field name for small open-addressing tables (taken
  // modulo their size): the length and three of the bytes, which spread the
  // table's names over 128 slots with at most three alike. 0 for "".
  static constexpr uint32_t NameHash(std::string_view name) {
    if (name.empty()) return 0;
    const auto byte = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<unsigned char>(name[i]));
    };
    const auto size = static_cast<uint32_t>(name.size());
    return size * 31 + byte(0) * 7 + byte(name.size() - 1) * 3 + byte(name.size() / 2);
  }
  // A group as a bit of GroupsOf()'s answer.
  static constexpr uint32_t Bit(FieldGroup group) { return 1u << static_cast<unsigned>(group); }
  // The groups that have a field called `name`, as Bit()s; 0 when none has.
  // One hash lookup: the validator asks it of every key of every record (a
  // search through the groups' names was a fifth of its time).
  static uint32_t GroupsOf(std::string_view name);
  // Which row of `group` (counted in Of(group)) `name` is; nullopt when
  // the group has no such field. The same one lookup (RecordCodec finds a
  // record's typed members by it).
  static std::optional<size_t> PositionIn(FieldGroup group, std::string_view name);
  // The longest text `name` (a top-level field) may hold; 0 when it is not
  // free text or not in the table.
  static constexpr size_t MaxChars(std::string_view name) {
    for (const FieldSpec& f : All()) {
      if (f.name == name && f.group != FieldGroup::kIndicator) return f.max_chars;
    }
    return 0;
  }
  // The field's column in a CSV drop: its name, "indicators.NAME" for an
  // indicator list.
  static std::string CsvColumn(const FieldSpec& field);
  // The full-text fields, in the replica's column order.
  static std::span<const std::string_view> Searched();
};

}  // namespace cen::common
