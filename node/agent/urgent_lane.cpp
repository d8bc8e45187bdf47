#include "node/agent/urgent_lane.h"

#include <spdlog/spdlog.h>

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

bool UrgentLane::FeedDrained() {
  try {
    return !feed_.waiting();
  } catch (const zmq::error_t& e) {
    spdlog::warn("priority feed: {}", e.what());
    return true;
  }
}

std::function<bool()> UrgentLane::Interrupt() {
  if (watch_ == nullptr)
    return [this] { return UrgentNow() || (bell_ != nullptr && bell_->Rung()); };
  return [this] {
    if (!watch_->attention()) return applier_->urgent_waiting();
    const bool end = watch_->knocked() && (UrgentNow() || (bell_ != nullptr && bell_->Rung()));
    if (!end && FeedDrained()) watch_->Looked();
    return end || applier_->urgent_waiting();
  };
}

}  // namespace cen::node
