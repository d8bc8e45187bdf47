// When the agent writes its record_countries and record_dates batch
// (Replica::IndexCountries): not while records wait to be applied (they go
// first), but once the bulk apply has rested kAfterRest, or once records have
// waited kMaxWait since they began to or since the last batch ended (a
// trickle that never rests is indexed too), and at once, whatever else
// waits, when `batch_at` records are pending (a long stream or catch-up:
// queries check the records not yet in it on their own columns, which gets
// slower as they pile up).
//
//   CountryBatchTiming timing(Replica::kCountryBatchRecords);
//   if (applied > 0) timing.NoteApplied(now);
//   if (timing.MayGoOn(replica.countries_pending_hint(), applier.Ready(), now)) ...
//   if (!replica.country_batch_under_way()) timing.NoteBatchEnded();
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace cen::node {

class CountryBatchTiming {
 public:
  using Clock = std::chrono::steady_clock;
  // "Nothing waits right now" came between two frames of a stream: batches
  // of a few thousand records, each rewriting pages of both indexes
  // (cen_pipeline_bench, 120,000 records, 2 alternating rounds: the three
  // agents spent 1.49 and 1.49 s on country batches, 1.16 and 1.21 s with
  // one batch after the stream).
  static constexpr std::chrono::seconds kAfterRest{1};
  static constexpr std::chrono::seconds kMaxWait{10};

  explicit CountryBatchTiming(int64_t batch_at) : batch_at_(batch_at) {}

  // The bulk apply wrote records at `at`.
  void NoteApplied(Clock::time_point at) { last_applied_ = at; }
  // A batch ended: what was applied while it ran waits from the next look on.
  void NoteBatchEnded() { pending_since_.reset(); }
  // Whether a batch may start or go on at `now`, with `pending` records not
  // yet in it and `apply_ready` when records wait to be applied.
  bool MayGoOn(int64_t pending, bool apply_ready, Clock::time_point now);

 private:
  int64_t batch_at_;
  Clock::time_point last_applied_{};
  std::optional<Clock::time_point> pending_since_;  // records began to wait
};

}  // namespace cen::node
