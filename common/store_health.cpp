#include "common/store_health.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/clock.h"

namespace cen::common {

void StoreHealth::Failed(const Status& status, Clock::time_point now) {
  const std::string message = status.message();
  const bool relapse = healthy() && message == recovered_cause_ && now - recovered_at_ < kSettle;
  if (relapse) {
    if (!flapping_) {
      spdlog::warn(
          "{}: {} again (some writes go through, others do not); said once more when it has "
          "worked for {} s",
          what_, message, std::chrono::duration_cast<std::chrono::seconds>(kSettle).count());
    }
    flapping_ = true;
    since_ = recovered_since_;
    cause_ = message;
  } else if (message != cause_) {
    spdlog::error("{}: {}; nothing is lost, retrying with back-off until it works again", what_,
                  message);
    if (cause_.empty()) since_ = common::Clock::NowRfc3339();
    cause_ = message;
    flapping_ = false;
  }
  ++failures_;
  last_failure_ = now;
  next_try_ = now + backoff_;
  backoff_ = std::min<Clock::duration>(backoff_ * 2, kMaxBackoff);
}

bool StoreHealth::Succeeded(Clock::time_point now) {
  if (healthy()) {
    if (flapping_ && now - last_failure_ >= kSettle) {
      spdlog::info("{}: writable again, no failure for {} s (failing since {})", what_,
                   std::chrono::duration_cast<std::chrono::seconds>(kSettle).count(),
                   recovered_since_);
      flapping_ = false;
      recovered_cause_.clear();
    }
    return false;
  }
  if (!flapping_) {
    spdlog::info("{}: writable again after {} failed attempt(s) (failing since {})", what_,
                 failures_, since_);
  }
  recovered_at_ = now;
  recovered_cause_ = cause_;
  recovered_since_ = since_;
  cause_.clear();
  since_.clear();
  failures_ = 0;
  backoff_ = kFirstBackoff;
  next_try_ = {};
  return true;
}

std::string StoreHealth::cause() const {
  if (flapping_ && healthy() && Clock::now() - last_failure_ < kSettle) {
    return what_ + ": " + recovered_cause_ + " (since " + recovered_since_ +
           "; some writes go through)";
  }
  if (healthy()) return "";
  return what_ + ": " + cause_ + " (since " + since_ + ")";
}

}  // namespace cen::common
