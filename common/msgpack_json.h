// Converts between msgpack bytes and nlohmann::json, the form records and
// frames take in memory. Only what JSON can say crosses: maps with string
// keys, arrays, strings, numbers, booleans, nil. Decoding is bounded so that
// hostile bytes cannot exhaust memory or stack.
//
//   std::string bytes = MsgpackJson::Encode(json);
//   Result<nlohmann::json> back = MsgpackJson::Decode(bytes);
//
// Thread-safe (no state).
#pragma once

#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cen::common {

struct DecodeLimits {
  size_t max_depth = 16;
  size_t max_array = 100000;
  size_t max_map = 1024;
  size_t max_str = 1 << 20;
};

class MsgpackJson {
 public:
  static std::string Encode(const nlohmann::json& value);
  // Appends the msgpack form of `value` to a packer, for frames that embed
  // already-encoded parts.
  static void Pack(msgpack::sbuffer& out, const nlohmann::json& value);
  // Fails with kCorruption on malformed, truncated, trailing or over-limit
  // bytes, binary/ext values and non-string map keys.
  static Result<nlohmann::json> Decode(std::string_view bytes, const DecodeLimits& limits = {});
  // Unpacks and checks as Decode does, without building a JSON tree: for
  // readers that take a few fields (MsgpackMap). Strings are copied into
  // the handle's zone, unless `in_place`: then they point into `bytes`,
  // which must outlive the handle.
  static Result<msgpack::object_handle> Unpack(std::string_view bytes,
                                               const DecodeLimits& limits = {},
                                               bool in_place = false);
  // The JSON tree of a value Unpack accepted.
  static nlohmann::json ToJson(const msgpack::object& value);
  // Packs a value Unpack accepted as Pack packs its JSON tree: maps sorted
  // by key with a repeated key's last value, every float as PackDouble packs it.
  static void PackCanonical(msgpack::sbuffer& out, const msgpack::object& value);
  // A double as every record carries it: an integral value that fits in a
  // signed 64-bit integer as that integer (850.0 as 850, as msgpack-c
  // packs it), any other as float64 (1e19 stays a float: as an integer it
  // would be beyond the range every reader accepts).
  static void PackDouble(msgpack::sbuffer& out, double value);
  // A double as float64 whatever its value (a value as it was given),
  // appended to `out` (msgpack-c's packer would write 4.0 as 4).
  static void PackFloat64(msgpack::sbuffer& out, double value);
  template <typename Stream>
  static void PackStr(msgpack::packer<Stream>& pk, std::string_view text) {
    pk.pack_str(static_cast<uint32_t>(text.size()));
    pk.pack_str_body(text.data(), static_cast<uint32_t>(text.size()));
  }
  // The text of a STR object, in place. REQUIRES: str.type == STR.
  static std::string_view TextOf(const msgpack::object& str) {
    return {str.via.str.ptr, str.via.str.size};
  }
  // A STR object viewing `text` (which must outlive it).
  static msgpack::object StrView(std::string_view text) {
    msgpack::object o;
    o.type = msgpack::type::STR;
    o.via.str.ptr = text.data();
    o.via.str.size = static_cast<uint32_t>(text.size());
    return o;
  }
};

}  // namespace cen::common
