// The node's side of the priority lane: urgent and high alerts the hub sends
// on the priority feed are applied at once, ahead of the in-order backlog,
// and the backlog's bulk work makes way for them. The agent loop asks it
// three things:
//  - may a bulk transaction start now? Not while `submit`, having rung before
//    it writes, waits for the write lock (the knock hold, at most kKnockHold);
//  - must the bulk slice under way end early? Yes when an urgent alert came
//    in on the priority feed, or when `submit` rang (it may have queued one);
//  - what the priority feed delivered: read into the applier's lane, then
//    applied by FeedApplier::ApplyPriority.
//
//   UrgentLane lane(&reader, &fetches, &applier, &replica, &bell, feed);
//   lane.OnRing(bell.Clear(), now);
//   if (!lane.Held(now)) applier.ApplySlice(now + 100ms, lane.Interrupt());
//   lane.Receive();  // the priority socket polled readable
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <zmq.hpp>

#include "common/urgent_watch.h"
#include "node/agent/agent_doorbell.h"
#include "node/agent/feed_applier.h"
#include "node/agent/feed_reader.h"
#include "node/agent/fetch_planner.h"
#include "node/agent/replica.h"

namespace cen::node {

class UrgentLane {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // The priority feed's socket, as the hub link offers it.
  struct Feed {
    std::function<std::optional<zmq::message_t>()> receive;  // the next message, if any
    std::function<bool()> waiting;                           // one waits (cheap)
  };

  // How long a bulk transaction waits for `submit` to ring again once it
  // rang before writing: the write lock must be free for it, and a bulk
  // slice holds it for up to its length.
  static constexpr auto kKnockHold = std::chrono::milliseconds(50);
  // Messages read per Receive(), so a flood never holds the loop.
  static constexpr int kMaxPerReceive = 16;

  // `bell` may be null (no doorbell: the data directory refused it).
  UrgentLane(FeedReader* reader, FetchPlanner* fetches, FeedApplier* applier,
             const Replica* replica, const AgentDoorbell* bell, Feed feed)
      : reader_(reader),
        fetches_(fetches),
        applier_(applier),
        replica_(replica),
        bell_(bell),
        feed_(std::move(feed)) {}

  // The doorbell, once the agent listens on it.
  void set_bell(const AgentDoorbell* bell) { bell_ = bell; }
  // The watcher of the priority feed and the doorbell, once the agent runs
  // one: a bulk slice then asks its sockets only when it knocked.
  void set_watch(common::UrgentWatch* watch) { watch_ = watch; }

  // The doorbell rang: `heard` is what AgentDoorbell::Clear() read. A ring
  // before writing holds bulk work for kKnockHold; the ring after the commit
  // ends the hold. A hold is never extended: a stream of submits must not
  // stop the backlog.
  void OnRing(const AgentDoorbell::Heard& heard, TimePoint now);
  // No bulk transaction may start before held_until().
  bool Held(TimePoint now) const { return now < held_until_; }
  TimePoint held_until() const { return held_until_; }

  // Reads what waits on the priority feed into the applier's lane (at most
  // kMaxPerReceive messages); a fresh grant of the priority topic asks the
  // hub for the priority records after the cursor.
  void Receive();
  // Reads the priority feed if a message waits there; true when an urgent
  // record waits in the applier's lane. Cheap: the agent asks between the
  // steps of its loop (at most every 200 us) and every 8 records of a slice.
  bool UrgentNow();
  // Nothing more waits on the priority feed (a Receive() reads at most
  // kMaxPerReceive): the watcher's knock is answered.
  bool FeedDrained();
  // What a bulk slice calls between records: true when it must end now.
  // High alerts and receipts are read in but wait for the slice to end:
  // cutting every slice short for them made the bulk lane commit a few dozen
  // records at a time whenever alerts flowed. With a watch, the sockets are
  // asked only when it knocked (an atomic load otherwise); a knock that ends
  // nothing is answered at once, so the slice does not go on at the
  // watcher's borrowed priority.
  std::function<bool()> Interrupt();

 private:
  FeedReader* reader_;                    // not owned
  FetchPlanner* fetches_;                 // not owned
  FeedApplier* applier_;                  // not owned
  const Replica* replica_;                // not owned
  const AgentDoorbell* bell_;             // not owned; may be null
  common::UrgentWatch* watch_ = nullptr;  // not owned; may be null
  Feed feed_;
  TimePoint held_until_{};
};

}  // namespace cen::node
