#include "node/agent/country_batch_timing.h"

namespace cen::node {

bool CountryBatchTiming::MayGoOn(int64_t pending, bool apply_ready, Clock::time_point now) {
  if (pending <= 0) {
    pending_since_.reset();
    return false;
  }
  if (!pending_since_) pending_since_ = now;
  if (pending >= batch_at_) return true;
  if (apply_ready) return false;
  return now - last_applied_ >= kAfterRest || now - *pending_since_ >= kMaxWait;
}

}  // namespace cen::node
