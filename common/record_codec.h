// Converts a Record (common/record.h) to and from its two outside forms
// without a JSON tree: msgpack, as records travel and are stored, and JSON
// text, as a person or a national export writes them.
//
//   Result<Record> rec = RecordCodec::FromJsonText(line);     // a drop's NDJSON line
//   std::string bytes = RecordCodec::Encode(*rec);            // canonical msgpack
//   Record back = RecordCodec::Decode(MsgpackMap::Decode(bytes)->object());
//
// Encode() gives the bytes MsgpackJson::Encode gives for the record's JSON
// tree (keys sorted at every level, a repeated key's last value, floats as
// doubles), so a record's bytes do not depend on the path it took and an
// unchanged drop row stays unchanged. Decode() puts each value of the right
// type in its member and keeps every other value raw, so Encode(Decode(x))
// is x for canonical x. The members are bound to the rows of RecordFields;
// a compile-time check keeps the two lists one.
//
// Thread-safe: its tables are built once, read-only after; FromJsonText keeps
// a parser per thread (up to 1 MiB of text, reused for each line).
#pragma once

#include <msgpack.hpp>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/record.h"
#include "common/record_fields.h"
#include "common/status.h"

namespace cen::common {

class RecordCodec {
 public:
  // REQUIRES: `map` is a msgpack MAP (MsgpackMap::object()).
  static Record Decode(const msgpack::object& map);
  static std::string Encode(const Record& record);
  // The record as a msgpack MAP object, without encoding it: its strings
  // point into `record`, which must outlive the view (and not change);
  // lists, maps and raw values are allocated in `zone`. Its pairs are in key
  // order, each key once, at every level (so MsgpackMap::Members has nothing
  // to sort).
  static msgpack::object View(const Record& record, msgpack::zone& zone);
  // Encode() with room left for top-level pairs named `gaps` (names the
  // record does not hold), counted in the map's header: `at[i]` is the offset
  // where the pair of gaps[i] belongs, for the caller to write it there
  // (the outbox splices in uuid and version).
  static std::string EncodeLeavingRoom(const Record& record, std::span<const std::string_view> gaps,
                                       std::vector<size_t>& at);
  // Sets top-level `name` to `value` as Decode would have: in its member
  // when the type fits, else raw; any earlier value of `name` is replaced.
  static void Set(Record& record, std::string_view name, const msgpack::object& value);
  // Removes top-level `name`, typed or raw.
  static void Erase(Record& record, std::string_view name);
  static bool Has(const Record& record, std::string_view name);

  // How FromJsonText() failed, for a message that names the field.
  enum class JsonProblem {
    kNotJson,      // not JSON, or not UTF-8
    kNotAnObject,  // JSON, but not an object
    kBeyondInt64,  // an integer beyond the signed 64-bit range, at `field`
    kTooLarge,     // nesting, a list or a text beyond MsgpackJson's limits
    kRepeatedKey,  // an object names a key twice: `field` itself ("" detail), or that key
                   // (`detail`) in an object under `field`
  };
  struct JsonError {
    JsonProblem problem;
    std::string field;   // the top-level key it was found under ("" when none)
    std::string detail;  // in English
  };
  // Reads one JSON object, with no tree in between: parsed by simdjson, or,
  // for whatever simdjson refuses or an integer beyond int64, by
  // FromJsonTextBySax, which says what is wrong.
  static std::variant<Record, JsonError> FromJsonText(std::string_view text);
  // The same through nlohmann's SAX parser alone: the reference
  // FromJsonText answers alike (the fuzz target ndjson_drop checks it).
  static std::variant<Record, JsonError> FromJsonTextBySax(std::string_view text);

  // The members bound to the rows of `group` (envelope, seizure, alert,
  // indicator), in the table's order: for the test that the table drives the
  // codec.
  static std::vector<std::string_view> BoundNames(FieldGroup group);
};

}  // namespace cen::common
