// A msgpack map read in place: a frame or a record as it came off the wire,
// its fields read without building a JSON tree. Copies share the unpacked
// buffer, so the records of one frame stay valid after the frame is gone.
// The agent applies feed records this way: a record's document text, its
// columns and the observers' questions all come from the msgpack itself.
//
//   auto frame = MsgpackMap::Decode(bytes);          // checked as MsgpackJson::Decode
//   if (frame.ok() && frame->TextOr("t", "") == "BATCH")
//     for (const MsgpackMap& rec : frame->Maps("records")) apply(rec.IntOr("gseq", 0), rec);
//
// Thread-safe for reading; copies may travel between threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "common/json_text.h"
#include "common/msgpack_json.h"
#include "common/msgpack_key_index.h"
#include "common/status.h"

namespace cen::common {

class MsgpackMap {
 public:
  // Unpacks `bytes` under `limits` and checks them as MsgpackJson::Decode
  // does; fails unless they hold one map.
  static Result<MsgpackMap> Decode(std::string_view bytes, const DecodeLimits& limits = {});
  // Decode, keeping `bytes`: the map's strings point into them instead of
  // being copied one by one into fresh memory (the agent's feed frames:
  // that copying, and the page faults of its memory, were most of the
  // decode's cost).
  static Result<MsgpackMap> DecodeOwned(std::string bytes, const DecodeLimits& limits = {});
  // The same, keeping a message as it came off the socket (no copy).
  static Result<MsgpackMap> DecodeOwned(zmq::message_t message, const DecodeLimits& limits = {});
  // Decode()'s message for well-formed bytes that hold another value.
  static constexpr std::string_view kNotAMap = "msgpack value is not a map";
  // The map of a JSON object (tests, and records a person typed); fails as
  // Decode does (an integer beyond the signed 64-bit range, deep nesting) or
  // when `object` is not an object.
  static Result<MsgpackMap> FromJson(const nlohmann::json& object);

  // The value at `key` (of a repeated key the last, as in the JSON tree), or
  // nullptr.
  const msgpack::object* Find(std::string_view key) const;
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Typed reads: nullopt when the key is missing or holds another type.
  std::optional<std::string_view> Text(std::string_view key) const;
  std::optional<int64_t> Int(std::string_view key) const;
  // An integer or a float.
  std::optional<double> Number(std::string_view key) const;
  std::string_view TextOr(std::string_view key, std::string_view fallback) const;
  int64_t IntOr(std::string_view key, int64_t fallback) const;
  // The strings of the array at `key`, in order (other items skipped).
  std::vector<std::string_view> Texts(std::string_view key) const;
  // The maps of the array at `key`, in order (other items skipped), sharing
  // this map's buffer. Empty when `key` holds no array.
  std::vector<MsgpackMap> Maps(std::string_view key) const;
  // The map at `key`, sharing this map's buffer.
  std::optional<MsgpackMap> Map(std::string_view key) const;
  // `inside` (a value within this map, at any depth) as a map sharing this
  // map's buffer; nullopt when it is not a map.
  std::optional<MsgpackMap> Share(const msgpack::object& inside) const;
  // The string-keyed members of `map` (a MAP object) in the JSON tree's
  // order: sorted as std::string sorts keys, a repeated key's last value.
  static std::vector<std::pair<std::string_view, const msgpack::object*>> Members(
      const msgpack::object& map);
  // Sorts (key, value) pairs by key as std::string orders them (as the JSON
  // tree does) and keeps, of a repeated key, the pair that came last. A
  // record's keys come in order with edits after them: the leading run in
  // order is kept as it is, the rest sorted and merged into it.
  template <typename Value>
  static void SortKeepingLast(std::vector<std::pair<std::string_view, Value>>& pairs) {
    auto less = [](const auto& a, const auto& b) { return JsonText::KeyLess(a.first, b.first); };
    size_t run = pairs.empty() ? 0 : 1;
    while (run < pairs.size() && less(pairs[run - 1], pairs[run])) ++run;
    const auto middle = pairs.begin() + static_cast<std::ptrdiff_t>(run);
    // Both stable: of equal keys, the one that came first stays first.
    std::stable_sort(middle, pairs.end(), less);
    std::inplace_merge(pairs.begin(), middle, pairs.end(), less);
    size_t kept = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i + 1 < pairs.size() && pairs[i + 1].first == pairs[i].first) continue;
      pairs[kept++] = pairs[i];
    }
    pairs.resize(kept);
  }

  // The JSON tree, for readers that need all of it.
  nlohmann::json ToJson() const { return MsgpackJson::ToJson(*map_); }
  // Compact JSON text with sorted keys: JsonText::Compact(ToJson()).
  std::string ToJsonText() const;
  const msgpack::object& object() const { return *map_; }

 private:
  MsgpackMap(std::shared_ptr<const msgpack::object_handle> handle, const msgpack::object* map)
      : handle_(std::move(handle)), map_(map), keys_(*map) {}

  // DecodeOwned: `bytes` (a std::string or a zmq::message_t) kept with the
  // objects that point into them.
  template <typename Bytes>
  static Result<MsgpackMap> DecodeKeeping(Bytes bytes, const DecodeLimits& limits);

  // Owns the zone map_ lives in, and for DecodeOwned the bytes its strings
  // point into (a record of a FETCH answer keeps the whole message alive).
  std::shared_ptr<const msgpack::object_handle> handle_;
  const msgpack::object* map_;
  // Find() hashes the key instead of searching the map.
  MsgpackKeyIndex keys_;
};

}  // namespace cen::common
