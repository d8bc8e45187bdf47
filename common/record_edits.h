// What RecordValidator fills in or rewrites in a record it checks: defaults
// for fields left out (scope, handling, source_eval, info_eval, lang,
// msg_type) and an IMO number rewritten to its seven digits. Kept apart from
// the record so that a record read in place (msgpack, no JSON tree) is never
// copied to be checked; the hub applies them when it packs the stored form.
//
//   RecordEdits edits;
//   auto errors = validator.Validate(record.object(), &edits);
//   std::string_view scope = edits.TextOr(record, "scope", "global");
//   std::string body = edits.Pack(record.object(), {{"gseq", gseq}, {"origin", node}});
//
// Pack() gives the bytes MsgpackJson::Encode gives for the same JSON tree
// (keys sorted at every level, a repeated key's last value), so a record's
// stored form does not depend on the path it took.
//
// Thread-safe for reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/msgpack_map.h"
#include "common/record.h"

namespace cen::common {

struct RecordEdits {
  // A whole msgpack value set as it is (the hub embeds an accepted record).
  struct Packed {
    std::string bytes;
    bool operator==(const Packed&) const = default;
  };
  using Value = std::variant<int64_t, std::string, Packed>;
  using Field = std::pair<std::string, Value>;

  // Top-level fields set, in the order the validator set them.
  std::vector<Field> fields;
  // Items of indicators.vessel_imo rewritten: (index, seven digits).
  std::vector<std::pair<size_t, std::string>> indicator_imos;

  bool empty() const { return fields.empty() && indicator_imos.empty(); }
  // The edit of top-level `name`, or nullptr.
  const Value* Find(std::string_view name) const;
  // The text `name` has once the edits apply: the edit, else the record's
  // string, else `fallback`.
  std::string_view TextOr(const MsgpackMap& record, std::string_view name,
                          std::string_view fallback) const;
  // Applies the edits to a JSON tree.
  void ApplyTo(nlohmann::json& record) const;
  // Applies the edits to a typed record (common/record.h).
  void ApplyTo(Record& record) const;
  // `record` (a map) with the edits applied and `extra` top-level fields set
  // over anything it held under those names, packed with sorted keys.
  std::string Pack(const msgpack::object& record, const std::vector<Field>& extra = {}) const;
};

}  // namespace cen::common
