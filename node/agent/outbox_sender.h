// The agent's sending side: offers the outbox to the hub, urgent and high
// alerts first (outside the window, never behind queued bulk), then the bulk
// in outbox order with at most `window` records sent and not yet acked, in
// PUBLISH frames of at most `batch` records and about 4 MiB. It settles ACKs
// into the outbox, and after a reconnect or an ACK timeout offers again
// everything not settled (the hub answers DUP for what it has).
//
//   OutboxSender sender(&outbox, config.window, config.batch);
//   sender.MarkDirty();                                    // records were queued
//   CEN_RETURN_IF_ERROR(sender.Pump([&](const std::string& frame) { return Send(frame); }));
//   CEN_RETURN_IF_ERROR(sender.OnAckFrame(ack));            // an ACK frame from the hub
//   if (sender.AckOverdue(now, 15s)) sender.Forget();     // resend what is unsettled
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/msgpack_map.h"
#include "common/status.h"
#include "node/store/outbox.h"

namespace cen::node {

class OutboxSender {
 public:
  using Clock = std::chrono::steady_clock;
  // Sends one encoded PUBLISH frame; false when it would block (tried again
  // at the next Pump()).
  using SendFn = std::function<bool(const std::string& frame)>;

  OutboxSender(Outbox* outbox, int window, int batch)
      : outbox_(outbox), window_(window), batch_(batch) {}

  // The outbox may hold records not offered yet.
  void MarkDirty() { dirty_ = priority_dirty_ = true; }
  // Sends what the priority lane holds, then bulk while the window has room.
  common::Status Pump(const SendFn& send);
  // Settles the hub's verdicts in the outbox (durably) and frees the window.
  common::Status OnAcks(const std::vector<Outbox::Ack>& acks);
  // OnAcks() for the verdicts of an ACK frame: NEW and DUP are accepted (with
  // their gseq and, for an own alert, its audience), anything else rejected
  // with the hub's reason (logged). Entries that are not objects are
  // skipped; a frame without "acks" settles nothing.
  common::Status OnAckFrame(const common::MsgpackMap& frame);
  // Forgets what is in flight: everything unsettled is offered again.
  void Forget();
  // Records are in flight and no ACK came for `timeout`.
  bool AckOverdue(Clock::time_point now, Clock::duration timeout) const {
    return !in_flight_.empty() && now - last_ack_ > timeout;
  }
  size_t in_flight() const { return in_flight_.size(); }

 private:
  common::Status PumpPriority(const SendFn& send);
  void NoteSent(std::string key);

  Outbox* outbox_;  // not owned
  int window_;
  int batch_;
  std::unordered_set<std::string> in_flight_;  // "uuid#version" sent, not settled
  int64_t last_sent_seq_ = 0;                  // bulk sent up to this outbox seq
  bool dirty_ = true;
  // The priority lane may hold something not offered yet: records were
  // queued (MarkDirty), a priority record was settled (the lane reads at
  // most kPrioritySendMax), or it was not all sent. An ACK of bulk alone
  // leaves it: the lane was read on every ACK frame (6 % of an agent's CPU).
  bool priority_dirty_ = true;
  std::unordered_set<std::string> priority_in_flight_;  // the keys PumpPriority sent
  Clock::time_point last_ack_{};
};

}  // namespace cen::node
