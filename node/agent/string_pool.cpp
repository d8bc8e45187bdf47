#include "node/agent/string_pool.h"

#include <iterator>
#include <limits>

namespace cen::node {
namespace {

// The room left after a text interned past the last (or before the first):
// texts that come in ascending order (dates, often) take 2^32 steps each.
constexpr uint64_t kEdgeGap = uint64_t{1} << 32;
constexpr uint64_t kMaxRank = std::numeric_limits<uint64_t>::max();

}  // namespace

const StringPool::Text* StringPool::Intern(std::string_view text) {
  if (const auto found = index_.find(text); found != index_.end()) return found->second;
  const auto it = texts_.insert(Text{std::string(text)}).first;
  const uint64_t below = it == texts_.begin() ? 0 : std::prev(it)->rank;
  const auto next = std::next(it);
  const uint64_t above = next == texts_.end() ? kMaxRank : next->rank;
  // Between the neighbours' ranks, near the lower one at the edges so that
  // ascending texts leave room; renumbered when no rank is left between.
  if (above - below < 2) {
    Renumber();
  } else if (next == texts_.end()) {
    it->rank = above - below > kEdgeGap ? below + kEdgeGap : below + (above - below) / 2;
  } else if (it == texts_.begin()) {
    it->rank = above - below > kEdgeGap ? above - kEdgeGap : below + (above - below) / 2;
  } else {
    it->rank = below + (above - below) / 2;
  }
  index_.emplace(it->text, &*it);
  return &*it;
}

void StringPool::Renumber() {
  const uint64_t step = kMaxRank / (texts_.size() + 1);
  uint64_t rank = 0;
  for (const Text& t : texts_) t.rank = rank += step;
  ++renumbered_;
}

}  // namespace cen::node
