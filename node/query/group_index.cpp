#include "node/query/group_index.h"

#include <functional>
#include <limits>
#include <stdexcept>

namespace cen::node {

std::pair<size_t, bool> GroupIndex::Find(std::string_view key) {
  if ((keys_.size() + 1) * 2 > slots_.size()) Grow();
  const uint64_t hash = std::hash<std::string_view>{}(key);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.number_plus_one == 0) {
      if (keys_.size() >= std::numeric_limits<uint32_t>::max())
        throw std::length_error("GroupIndex: too many groups");
      keys_.emplace_back(arena_.size(), key.size());
      arena_.append(key);
      slot = {hash, static_cast<uint32_t>(keys_.size())};
      return {keys_.size() - 1, true};
    }
    if (slot.hash == hash && Key(slot.number_plus_one - 1) == key)
      return {slot.number_plus_one - 1, false};
  }
}

std::string_view GroupIndex::Key(size_t number) const {
  const auto [offset, length] = keys_[number];
  return std::string_view(arena_).substr(offset, length);
}

void GroupIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.number_plus_one == 0) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].number_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace cen::node
