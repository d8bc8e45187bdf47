#include "node/feed_applier.h"

#include <algorithm>

#include "common/wire_frame.h"

namespace cen::node {

using nlohmann::json;

namespace {

int64_t GseqOf(const json& record) { return common::WireFrame::IntOr(record, "gseq", 0); }

// Records per apply transaction at most; the deadline usually ends it first.
constexpr size_t kMaxSliceRecords = 4096;

}  // namespace

void FeedApplier::AddRange(int64_t first, int64_t last, std::vector<json> records) {
  if (last < first || last <= replica_->cursor()) return;
  Range range{last, {}};
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
    buffered_records_ -= it->second.items.size();
    ranges_.erase(it);
  }
  buffered_records_ += range.items.size();
  ranges_.emplace(first, std::move(range));
}

void FeedApplier::AddPriority(std::vector<json> records) {
  for (auto& r : records) {
    if (GseqOf(r) > replica_->cursor()) priority_.push_back(std::move(r));
  }
}

common::Result<size_t> FeedApplier::ApplyPriority() {
  if (priority_.empty()) return size_t{0};
  std::sort(priority_.begin(), priority_.end(),
            [](const json& a, const json& b) { return GseqOf(a) < GseqOf(b); });
  auto applied = replica_->ApplyEarly(priority_);
  if (!applied.ok()) return applied.status();  // kept: tried again first
  priority_.clear();
  return applied;
}

void FeedApplier::DropApplied() {
  const int64_t cursor = replica_->cursor();
  while (!ranges_.empty() && ranges_.begin()->second.last <= cursor) {
    buffered_records_ -= ranges_.begin()->second.items.size();
    ranges_.erase(ranges_.begin());
  }
}

bool FeedApplier::Ready() {
  DropApplied();
  return !ranges_.empty() && ranges_.begin()->first <= replica_->cursor() + 1;
}

bool FeedApplier::HasHole() {
  DropApplied();
  return !ranges_.empty() && ranges_.begin()->first > replica_->cursor() + 1;
}

int64_t FeedApplier::Covered() {
  DropApplied();
  int64_t covered = replica_->cursor();
  for (const auto& [first, range] : ranges_) covered = std::max(covered, range.last);
  return covered;
}

common::Result<size_t> FeedApplier::ApplySlice(Deadline deadline) {
  if (!Ready()) return size_t{0};
  // Take records from the ranges that continue one another from the cursor,
  // at most kMaxSliceRecords, skipping what overlapping ranges repeat.
  std::vector<json> records;
  std::vector<int64_t> gseqs;
  int64_t covered = replica_->cursor();
  while (!ranges_.empty() && ranges_.begin()->first <= covered + 1 &&
         records.size() < kMaxSliceRecords) {
    auto node = ranges_.extract(ranges_.begin());
    Range& range = node.mapped();
    buffered_records_ -= range.items.size();
    while (!range.items.empty() && records.size() < kMaxSliceRecords) {
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
  auto used = replica_->ApplyUntil(records, covered, deadline);
  const size_t consumed = used.ok() ? *used : 0;
  if (consumed < records.size()) {
    // Cut short (or failed): what is left waits as one range after the cursor.
    Range rest{covered, {}};
    for (size_t i = consumed; i < records.size(); ++i)
      rest.items.push_back({gseqs[i], std::move(records[i])});
    Insert(replica_->cursor() + 1, std::move(rest));
  }
  if (!used.ok()) return used.status();
  return consumed;
}

void FeedApplier::Clear() {
  ranges_.clear();
  buffered_records_ = 0;
  priority_.clear();
}

}  // namespace cen::node
