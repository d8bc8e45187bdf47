// What the agent applies to the replica, and when: ranges of gseqs from the
// feed (BATCH) and from FETCH answers wait here until they continue the
// cursor and are then applied in time slices, so no single transaction holds
// the agent for long; records of the priority lane (urgent and high alerts)
// are applied ahead of the cursor at once (Replica::ApplyEarly).
//
//   FeedApplier applier(&replica);
//   applier.AddRange(first, last, std::move(visible_records));
//   applier.AddPriority(std::move(urgent_records));
//   CEN_RETURN_IF_ERROR(applier.ApplyPriority().status());  // first, always
//   auto n = applier.ApplySlice(now + 50ms);                 // then the backlog
//
// A priority record whose apply failed (a full disk) stays in memory and is
// tried again first. Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "common/status.h"
#include "node/agent/replica.h"

namespace cen::node {

class FeedApplier {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit FeedApplier(Replica* replica) : replica_(replica) {}

  // A range covering gseqs first..last with the records among them this node
  // may see (ascending; each with "gseq"). Ranges may overlap or repeat.
  void AddRange(int64_t first, int64_t last, std::vector<common::MsgpackMap> records);
  // Records of the priority lane, in any order; those without a gseq, or
  // at or below the cursor, are dropped.
  void AddPriority(std::vector<common::MsgpackMap> records);

  // Applies the waiting priority records ahead of the cursor. Returns how
  // many were new to the replica.
  common::Result<size_t> ApplyPriority();
  // Applies the buffered records that continue the cursor, in one
  // transaction, until `deadline` (at least one record when any is ready):
  // it takes as many records as the cost per record measured in earlier
  // slices, commit included, lets it finish by then. `interrupt` (may be
  // empty) is asked every few records; once it says something more urgent
  // waits, the slice ends. For an urgent alert in the lane (AddPriority) it
  // is rolled back: nothing is consumed and preempted() says so, so the
  // urgent record waits for a rollback instead of the slice's commit.
  // Otherwise (a doorbell ring), and in a slice that follows a rolled-back
  // one, it commits what it applied, so the bulk lane commits at least
  // every other slice. Returns how many records were consumed.
  common::Result<size_t> ApplySlice(Deadline deadline, const std::function<bool()>& interrupt = {});
  // The last slice was rolled back for something more urgent: what it
  // applied (and anything that reacted to it) never happened.
  bool preempted() const { return preempted_; }

  // A buffered range continues the cursor: ApplySlice() has work.
  bool Ready();
  // Ready, and worth a transaction now: kGroupRecords records continue the
  // cursor, or the oldest of them arrived kGroupDelay ago. A commit costs
  // about as much as a few dozen records (every index page a record touched
  // is written again), so the bulk lane gathers records into larger
  // transactions; urgent and high alerts never wait for this.
  bool Due(Deadline now);
  // When Due() turns true with no more records arriving (max() when nothing
  // is ready): how long the agent may sleep.
  Deadline DueAt();
  // The highest gseq buffered, or the cursor when nothing is.
  int64_t Covered();
  // The highest gseq the buffered ranges reach without a gap from the cursor
  // (the cursor when none continues it): where the next FETCH starts. Feed
  // batches beyond a gap (live records at the hub's head while a catch-up
  // fetches the past) do not count.
  int64_t ChainEnd();
  size_t buffered_records() const { return buffered_records_; }
  size_t priority_waiting() const { return priority_.size(); }
  // An urgent alert (not only a high one) waits in the priority lane: worth
  // cutting a bulk slice short for. High alerts and receipts wait for the
  // slice to end (at most its length).
  bool urgent_waiting() const { return urgent_waiting_; }

  // A bulk transaction gathers this many records, or waits at most this long.
  static constexpr size_t kGroupRecords = 1024;
  static constexpr std::chrono::milliseconds kGroupDelay{250};
  // Forgets every buffered range and priority record (a new hub epoch).
  void Clear();
  // Forgets the buffered ranges that reach beyond `head` (a hub restored
  // from an older copy under the same epoch journals other records there);
  // what they held is fetched again.
  void DropBeyond(int64_t head);

 private:
  struct Item {
    int64_t gseq;
    common::MsgpackMap record;
  };
  // Every record of gseqs first..last this node may see, ascending.
  struct Range {
    int64_t last = 0;
    std::deque<Item> items;
    Deadline arrived = Deadline::min();  // when the feed or a FETCH brought it
  };
  // The ranges that continue one another from the cursor: how many records
  // they hold, when the oldest of them arrived, and the last gseq they reach.
  struct Chain {
    size_t records = 0;
    Deadline oldest = Deadline::max();
    int64_t end = 0;
  };
  Chain ReadyChain();
  // Buffers a range; of two that start at the same gseq the longer one stays
  // (each range holds every visible record of its span).
  void Insert(int64_t first, Range range);
  // Drops ranges wholly at or below the cursor.
  void DropApplied();

  Replica* replica_;                 // not owned
  std::map<int64_t, Range> ranges_;  // first gseq -> range
  uint64_t ranges_changed_ = 0;      // counts each change of ranges_
  // ReadyChain()'s and Covered()'s last answers, for one state of ranges_
  // and the cursor: the loop asks several times a turn, and walking a
  // buffer of a few hundred ranges each time was 16 % of an agent's CPU in
  // cen_pipeline_bench.
  struct Answers {
    uint64_t changed = 0;
    int64_t cursor = -1;
    std::optional<Chain> chain;
    std::optional<int64_t> covered;
  };
  // After DropApplied(): the answers for now, empty when anything changed.
  Answers& Current();
  Answers answers_;
  size_t buffered_records_ = 0;
  std::vector<common::MsgpackMap> priority_;
  bool urgent_waiting_ = false;
  bool preempted_ = false;
  // Wall time per record of recent slices, commit included (moving average).
  double seconds_per_record_ = 0;
};

}  // namespace cen::node
