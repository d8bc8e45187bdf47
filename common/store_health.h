// Whether a daemon's database takes writes, and when to try again after it
// did not: a full disk, an I/O error or a lock held too long must never end
// `cen-node run` or `cen-hub run`. The first failure (and each new cause) is
// logged once, not once per attempt; attempts back off from 1 s to 10 s; the
// first success after a failure is logged and resets the back-off.
//
// A full disk lets small writes through (a status row into WAL pages already
// there) while larger ones fail: health flapped, and a trial's log held 24
// failures and as many "writable again" in 25 s. The same failure within
// kSettle of a recovery is a relapse: logged once, then nothing until the
// store has worked for kSettle, and cause() keeps saying it meanwhile.
//
//   StoreHealth health("node.db");
//   if (health.MayTry(now)) {
//     if (Status s = replica.Apply(...); s.ok()) health.Succeeded(); else health.Failed(s, now);
//   }
//   status.detail = health.cause();  // "" while healthy
//
// Not thread-safe: one per loop.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace cen::common {

class StoreHealth {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kFirstBackoff = std::chrono::seconds(1);
  static constexpr auto kMaxBackoff = std::chrono::seconds(10);
  static constexpr auto kSettle = std::chrono::seconds(30);

  explicit StoreHealth(std::string what) : what_(std::move(what)) {}

  bool healthy() const { return cause_.empty(); }
  // False while backing off after a failure.
  bool MayTry(Clock::time_point now) const { return healthy() || now >= next_try_; }
  void Failed(const Status& status, Clock::time_point now);
  // Returns true when this success ended a failure (the caller may have
  // work to redo, e.g. acknowledgements that could not be recorded).
  bool Succeeded(Clock::time_point now = Clock::now());
  // "node.db: database or disk is full (since 2026-11-30T10:01:02.123Z)", or
  // "" while healthy and settled.
  std::string cause() const;
  int failures() const { return failures_; }

 private:
  std::string what_;
  std::string cause_;  // the message of the failure, "" while healthy
  std::string since_;
  int failures_ = 0;  // consecutive
  Clock::duration backoff_ = kFirstBackoff;
  Clock::time_point next_try_{};
  // The last recovery, for telling a relapse: its time, cause and since.
  Clock::time_point recovered_at_{};
  std::string recovered_cause_;
  std::string recovered_since_;
  bool flapping_ = false;  // a relapse was logged; quiet until settled
  Clock::time_point last_failure_{};
};

}  // namespace cen::common
