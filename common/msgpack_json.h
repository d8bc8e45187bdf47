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
  static void Pack(msgpack::packer<msgpack::sbuffer>& pk, const nlohmann::json& value);
  // Fails with kCorruption on malformed, truncated, trailing or over-limit
  // bytes, binary/ext values and non-string map keys.
  static Result<nlohmann::json> Decode(std::string_view bytes, const DecodeLimits& limits = {});
  // Unpacks and checks as Decode does, without building a JSON tree: for
  // readers that take a few fields (MsgpackMap).
  static Result<msgpack::object_handle> Unpack(std::string_view bytes,
                                               const DecodeLimits& limits = {});
  // The JSON tree of a value Unpack accepted.
  static nlohmann::json ToJson(const msgpack::object& value);
  // Packs a value Unpack accepted as Pack packs its JSON tree: maps sorted
  // by key with a repeated key's last value, every float as a double.
  static void PackCanonical(msgpack::packer<msgpack::sbuffer>& pk, const msgpack::object& value);
};

}  // namespace cen::common
