// Checks a record (a JSON object with the canonical field names of the README)
// against the field rules and code lists, and fills in defaults.
//
//   RecordValidator validator(KeyPolicy::kRefuseUnknown);
//   nlohmann::json rec = nlohmann::json::parse(line);
//   std::vector<FieldError> errors = validator.Validate(rec);
//   for (auto& e : errors) std::cerr << file << ":" << line_no << ": " << e.field << ": " <<
//   e.reason;
//
// Thread-safe: Validate() is const and the code lists are immutable.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.h"
#include "common/record_edits.h"

namespace cen::common {

struct FieldError {
  std::string field;   // canonical name, with a path for nested values: "offenders[1].age"
  std::string reason;  // in English (ACKs, the audit trail, files): "must be one of KGM, ..."
  // The reason as a message of the catalogue and the values of its "{}".
  const char* msgid = nullptr;
  std::vector<std::string> args = {};

  bool operator==(const FieldError& o) const { return field == o.field && reason == o.reason; }
  // The reason in the reader's language (Messages), for what a person reads.
  std::string Localized() const;
};

enum class KeyPolicy {
  // Records a user hands in (submit, drops): unknown keys are errors; `uuid` is
  // optional; `version`, `origin`, `gseq`, `received_at` are refused (the node
  // and the hub set them).
  kRefuseUnknown,
  // Records on the wire (node -> hub), receipts included: unknown keys are kept untouched; `uuid`
  // and `version` (integer >= 1) are required; `origin`, `gseq`, `received_at`
  // are ignored here because the hub overwrites them.
  kKeepUnknown,
};

class RecordValidator {
 public:
  // `today` (YYYY-MM-DD, UTC) is the reference for "not in the future"; a date
  // up to one day after it is accepted, for offices east of UTC.
  explicit RecordValidator(KeyPolicy policy, std::string today = "");

  // Checks `record` and fills in defaults in place (scope "global", handling
  // "H0", source_eval "X", info_eval 4, lang "en", msg_type "alert" for alerts).
  // Returns every problem found, in field order; empty means valid.
  std::vector<FieldError> Validate(nlohmann::json& record) const;
  // The same checks on a record read in place (the hub's PUBLISH frames): no
  // JSON tree is built and `record` is not changed; the defaults and
  // rewrites go to `edits` (RecordEdits::Pack applies them). Gives exactly
  // the errors the JSON form of `record` gives.
  std::vector<FieldError> Validate(const msgpack::object& record, RecordEdits* edits) const;
  // The same checks on a typed record (data drops, submit): the errors its
  // JSON form gives. When there are none, the defaults and rewrites are
  // applied to `record`; otherwise it is left as it was.
  std::vector<FieldError> Validate(Record& record) const;

  // An RFC 3339 timestamp with a zone ("2026-11-28T10:00:00Z",
  // "...T12:00:00.250+02:00") as Unix milliseconds; nullopt if malformed.
  static std::optional<int64_t> TimestampMillis(std::string_view text);

 private:
  // The last seizure_date accepted (tomorrow), in days since 1970-01-01;
  // `today` gets today's date as the messages name it.
  int64_t LatestDay(std::string* today) const;

  KeyPolicy policy_;
  std::string today_;
};

}  // namespace cen::common
