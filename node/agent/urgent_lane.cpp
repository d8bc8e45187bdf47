#include "node/agent/urgent_lane.h"

#include <spdlog/spdlog.h>

#include "common/core_yield.h"

namespace cen::node {

void UrgentLane::OnRing(const AgentDoorbell::Heard& heard, TimePoint now) {
  if (!heard.waiting) {
    held_until_ = {};
  } else if (!Held(now)) {
    held_until_ = now + kKnockHold;
  }
}

void UrgentLane::Receive() {
  for (int i = 0; i < kMaxPerReceive; ++i) {
    std::optional<zmq::message_t> body = feed_.receive();
    if (!body) break;
    spdlog::debug("priority feed: a message of {} bytes read", body->size());
    if (reader_->OnPriority(std::move(*body)) == FeedReader::Seen::kGranted)
      fetches_->RequestPriority(replica_->cursor() + 1);
  }
}

bool UrgentLane::UrgentNow() {
  try {
    if (feed_.waiting()) Receive();
  } catch (const zmq::error_t& e) {
    // Inside a slice, which must end normally (its records are put back),
    // or between two steps; the loop meets the socket's trouble again.
    spdlog::warn("priority feed: {}", e.what());
  }
  return applier_->urgent_waiting();
}

std::function<bool()> UrgentLane::Interrupt() {
  return [this] {
    const auto waiting = [this] { return UrgentNow() || (bell_ != nullptr && bell_->Rung()); };
    if (waiting()) return true;
    // Asked every few records of a bulk slice: the core goes to whatever
    // waits for one (this agent's I/O thread with a priority frame, the
    // hub's thread, another office's loop), then what came in meanwhile is
    // looked at once more.
    common::YieldCore();
    return waiting();
  };
}

}  // namespace cen::node
