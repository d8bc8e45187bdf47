// The string keys of one msgpack map in a small hash table, so that reading
// a field is one hash and one comparison instead of a search through the
// keys: the replica reads about 30 fields of each record it applies and the
// validator about 40 of each record it checks (a binary search of the
// sorted keys was 4 % of an agent's CPU, a scan of them 5 % of the hub's).
//
//   MsgpackKeyIndex keys(record);              // record.type == MAP
//   if (const msgpack::object* v = keys.Find("title")) ...
//
// Of a repeated key the last value counts, as in the JSON tree. A map of
// more than kMaxKeys keys is not hashed: Find() then scans it. The index
// points into `map`, which must outlive it. Thread-safe for reading.
#pragma once

#include <array>
#include <cstdint>
#include <msgpack.hpp>
#include <string_view>

namespace cen::common {

class MsgpackKeyIndex {
 public:
  // At most 62 % of the slots taken: probes stay short. A record has 42
  // top-level fields at most (an accepted seizure with every field), and a
  // node may add keys the hub does not know.
  static constexpr uint32_t kSlots = 128;
  static constexpr uint32_t kMaxKeys = 80;

  // `map` must be a MAP object. Keys that are not strings are left out.
  explicit MsgpackKeyIndex(const msgpack::object& map);

  // The value of `key`, or nullptr.
  const msgpack::object* Find(std::string_view key) const;

 private:
  static uint32_t Slot(std::string_view key);

  const msgpack::object_kv* kv_;
  uint32_t size_;
  bool hashed_;
  // The key's position in the map plus one; 0 for an empty slot.
  std::array<uint8_t, kSlots> slots_{};
};

}  // namespace cen::common
