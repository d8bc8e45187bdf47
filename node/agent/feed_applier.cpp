#include "node/agent/feed_applier.h"

#include <algorithm>

#include "common/priority_lane.h"

namespace cen::node {

using common::MsgpackMap;

namespace {

int64_t GseqOf(const MsgpackMap& record) { return record.IntOr("gseq", 0); }

// Records per apply transaction: at most, and at least whatever the measured
// cost per record says.
constexpr size_t kMaxSliceRecords = 4096;
constexpr size_t kMinSliceRecords = 16;

}  // namespace

void FeedApplier::AddRange(int64_t first, int64_t last, std::vector<MsgpackMap> records) {
  if (last < first || last <= replica_->cursor()) return;
  Range range{last, {}, std::chrono::steady_clock::now()};
  for (auto& r : records) {
    const int64_t gseq = GseqOf(r);
    range.items.push_back({gseq, std::move(r)});
  }
  Insert(first, std::move(range));
}

void FeedApplier::Insert(int64_t first, Range range) {
  auto it = ranges_.find(first);
  if (it != ranges_.end()) {
    if (it->second.last >= range.last) return;  // already covered by what is buffered
    range.arrived = std::min(range.arrived, it->second.arrived);
    buffered_records_ -= it->second.items.size();
    ranges_.erase(it);
  }
  buffered_records_ += range.items.size();
  ranges_.emplace(first, std::move(range));
  ++ranges_changed_;
}

void FeedApplier::AddPriority(std::vector<MsgpackMap> records) {
  for (auto& r : records) {
    if (GseqOf(r) <= replica_->cursor()) continue;
    if (common::PriorityLane::Of(r) == common::Lane::kUrgent) urgent_waiting_ = true;
    priority_.push_back(std::move(r));
  }
}

common::Result<size_t> FeedApplier::ApplyPriority() {
  if (priority_.empty()) return size_t{0};
  std::sort(priority_.begin(), priority_.end(),
            [](const MsgpackMap& a, const MsgpackMap& b) { return GseqOf(a) < GseqOf(b); });
  auto applied = replica_->ApplyEarly(priority_);
  if (!applied.ok()) return applied.status();  // kept: tried again first
  priority_.clear();
  urgent_waiting_ = false;
  return applied;
}

void FeedApplier::DropBeyond(int64_t head) {
  for (auto it = ranges_.begin(); it != ranges_.end();) {
    if (it->second.last > head) {
      buffered_records_ -= it->second.items.size();
      it = ranges_.erase(it);
      ++ranges_changed_;
    } else {
      ++it;
    }
  }
}

void FeedApplier::DropApplied() {
  const int64_t cursor = replica_->cursor();
  while (!ranges_.empty() && ranges_.begin()->second.last <= cursor) {
    buffered_records_ -= ranges_.begin()->second.items.size();
    ranges_.erase(ranges_.begin());
    ++ranges_changed_;
  }
}

bool FeedApplier::Ready() {
  DropApplied();
  return !ranges_.empty() && ranges_.begin()->first <= replica_->cursor() + 1;
}

FeedApplier::Chain FeedApplier::ReadyChain() {
  Answers& answers = Current();
  if (answers.chain) return *answers.chain;
  Chain chain;
  chain.end = answers.cursor;
  for (const auto& [first, range] : ranges_) {
    if (first > chain.end + 1) break;
    // Only the records beyond what earlier ranges cover (a feed BATCH and a
    // FETCH answer may overlap): items are in gseq order.
    auto fresh = range.items.begin();
    if (fresh != range.items.end() && fresh->gseq <= chain.end) {
      fresh = std::upper_bound(range.items.begin(), range.items.end(), chain.end,
                               [](int64_t g, const Item& item) { return g < item.gseq; });
    }
    chain.records += static_cast<size_t>(range.items.end() - fresh);
    chain.oldest = std::min(chain.oldest, range.arrived);
    chain.end = std::max(chain.end, range.last);
  }
  answers.chain = chain;
  return chain;
}

int64_t FeedApplier::ChainEnd() { return ReadyChain().end; }

bool FeedApplier::Due(Deadline now) { return DueAt() <= now; }

FeedApplier::Deadline FeedApplier::DueAt() {
  const Chain chain = ReadyChain();
  if (chain.oldest == Deadline::max()) return Deadline::max();  // nothing continues the cursor
  return chain.records >= kGroupRecords ? Deadline::min() : chain.oldest + kGroupDelay;
}

int64_t FeedApplier::Covered() {
  Answers& answers = Current();
  if (answers.covered) return *answers.covered;
  int64_t covered = answers.cursor;
  for (const auto& [first, range] : ranges_) covered = std::max(covered, range.last);
  answers.covered = covered;
  return covered;
}

FeedApplier::Answers& FeedApplier::Current() {
  DropApplied();
  const int64_t cursor = replica_->cursor();
  if (answers_.changed != ranges_changed_ || answers_.cursor != cursor)
    answers_ = Answers{ranges_changed_, cursor, std::nullopt, std::nullopt};
  return answers_;
}

common::Result<size_t> FeedApplier::ApplySlice(Deadline deadline,
                                               const std::function<bool()>& interrupt) {
  if (!Ready()) return size_t{0};
  // Take records from the ranges that continue one another from the cursor,
  // at most kMaxSliceRecords, skipping what overlapping ranges repeat.
  // As many records as the slice's time allows at the cost per record (the
  // commit included) measured so far: the deadline alone cannot stop a commit.
  const auto started = std::chrono::steady_clock::now();
  const double budget = std::chrono::duration<double>(deadline - started).count();
  size_t max_records = kMaxSliceRecords;
  if (seconds_per_record_ > 0 && budget > 0) {
    max_records = std::clamp<size_t>(static_cast<size_t>(budget / seconds_per_record_),
                                     kMinSliceRecords, kMaxSliceRecords);
  }
  std::vector<MsgpackMap> records;
  std::vector<int64_t> gseqs;
  int64_t covered = replica_->cursor();
  while (!ranges_.empty() && ranges_.begin()->first <= covered + 1 &&
         records.size() < max_records) {
    auto node = ranges_.extract(ranges_.begin());
    ++ranges_changed_;
    Range& range = node.mapped();
    buffered_records_ -= range.items.size();
    while (!range.items.empty() && records.size() < max_records) {
      Item& item = range.items.front();
      if (item.gseq > covered) {
        covered = item.gseq;
        gseqs.push_back(item.gseq);
        records.push_back(std::move(item.record));
      }
      range.items.pop_front();
    }
    if (!range.items.empty()) {
      Insert(covered + 1, std::move(range));  // the rest of it, after what was taken
      break;
    }
    covered = std::max(covered, range.last);
  }
  bool interrupted = false;
  // Rolled back only for an urgent record (a doorbell ring commits what the
  // slice applied), and never two slices in a row.
  const bool may_preempt = !preempted_;
  bool rolled_back = false;
  auto used = replica_->ApplyUntil(
      records, covered, deadline,
      [&] {
        interrupted = interrupt && interrupt();
        return interrupted;
      },
      [&] {
        rolled_back = may_preempt && urgent_waiting_;
        return rolled_back;
      });
  preempted_ = used.ok() && rolled_back;
  const size_t consumed = used.ok() ? *used : 0;
  // A slice cut short by an interrupt says nothing of the cost per record.
  if (consumed >= kMinSliceRecords && !interrupted) {
    const double per_record =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() /
        static_cast<double>(consumed);
    seconds_per_record_ =
        seconds_per_record_ > 0 ? 0.7 * seconds_per_record_ + 0.3 * per_record : per_record;
  }
  if (consumed < records.size() || !used.ok()) {
    // Cut short, rolled back or failed: what is left waits as one range
    // after the cursor, even with no record in it (its gseqs still need the
    // cursor).
    Range rest{covered, {}, Deadline::min()};  // due at once
    for (size_t i = consumed; i < records.size(); ++i)
      rest.items.push_back({gseqs[i], std::move(records[i])});
    Insert(replica_->cursor() + 1, std::move(rest));
  }
  if (!used.ok()) return used.status();
  return consumed;
}

void FeedApplier::Clear() {
  preempted_ = false;
  ranges_.clear();
  ++ranges_changed_;
  buffered_records_ = 0;
  priority_.clear();
  urgent_waiting_ = false;
}

}  // namespace cen::node
