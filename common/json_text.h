// Compact JSON text of a nlohmann::json value: exactly what
// `value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)`
// writes (keys in the object's order, UTF-8 kept as is, invalid UTF-8
// replaced by U+FFFD, numbers as nlohmann prints them), several times
// faster. nlohmann's serializer decodes every byte of every string through
// its UTF-8 state machine; here a string that is valid UTF-8 and needs no
// escape (nearly all record text) is copied in one piece. The replica writes
// each applied record's document this way.
//
//   std::string doc = JsonText::Compact(record);
//   std::string same = JsonText::Compact(msgpack_map.object());  // no tree
//
// Thread-safe (no state).
#pragma once

#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace cen::common {

class JsonText {
 public:
  static std::string Compact(const nlohmann::json& value);
  // Appends the compact text of `value` to `*out`.
  static void Append(const nlohmann::json& value, std::string* out);
  // The same text for a msgpack value MsgpackJson::Unpack accepted, without
  // building the tree: what JsonText::Compact(MsgpackJson::ToJson(value))
  // writes (keys sorted, of a repeated key the last).
  static std::string Compact(const msgpack::object& value);
  static void Append(const msgpack::object& value, std::string* out);
  // Whether every key of `map` (a MAP) is a string greater than the one
  // before, so none repeats: the tree's order already, as RecordEdits::Pack
  // writes every record the hub journals.
  static bool KeysAscending(const msgpack::object& map);
  // a < b as std::string orders them (bytes, unsigned), the first byte
  // compared inline: a record's consecutive keys nearly always differ there.
  static bool KeyLess(std::string_view a, std::string_view b) {
    if (!a.empty() && !b.empty() && a[0] != b[0])
      return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
    return a < b;
  }
};

}  // namespace cen::common
