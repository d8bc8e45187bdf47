// Numbers the distinct keys of a stats or routes scan in first-seen order:
// an open-addressing table of (hash, number) slots over one arena holding
// every key's bytes. A scan looks up one key per record (a million for a
// stats run over a million-record replica); std::unordered_map kept each key
// in a node of its own and walked a bucket's chain to it, about a quarter of
// the scan's time.
//
//   GroupIndex index;
//   auto [number, added] = index.Find("drugs\x1fNL\x1f");  // {0, true}
//   index.Find("drugs\x1fNL\x1f");                           // {0, false}
//   index.Key(0);                                            // "drugs\x1fNL\x1f"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cen::node {

class GroupIndex {
 public:
  // The number of `key` and whether this call added it.
  std::pair<size_t, bool> Find(std::string_view key);
  // The bytes of key number `number` (as long as the index lives unchanged).
  std::string_view Key(size_t number) const;
  size_t size() const { return keys_.size(); }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t number_plus_one = 0;  // 0: empty
  };
  std::vector<Slot> slots_;                      // a power of two, at most half full
  std::string arena_;                            // every key's bytes, one after the other
  std::vector<std::pair<size_t, size_t>> keys_;  // offset and length in arena_

  void Grow();
};

}  // namespace cen::node
