#include "common/store_health.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/clock.h"

namespace cen::common {

void StoreHealth::Failed(const Status& status, Clock::time_point now) {
  const std::string message = status.message();
  if (message != cause_) {
    spdlog::error("{}: {}; nothing is lost, retrying with back-off until it works again", what_,
                  message);
    if (cause_.empty()) since_ = common::Clock::NowRfc3339();
    cause_ = message;
  }
  ++failures_;
  next_try_ = now + backoff_;
  backoff_ = std::min<Clock::duration>(backoff_ * 2, kMaxBackoff);
}

bool StoreHealth::Succeeded() {
  if (healthy()) return false;
  spdlog::info("{}: writable again after {} failed attempt(s) (failing since {})", what_, failures_,
               since_);
  cause_.clear();
  since_.clear();
  failures_ = 0;
  backoff_ = kFirstBackoff;
  next_try_ = {};
  return true;
}

std::string StoreHealth::cause() const {
  if (healthy()) return "";
  return what_ + ": " + cause_ + " (since " + since_ + ")";
}

}  // namespace cen::common
