// What the agent does with one message of its feed: a BATCH's records go to
// the applier (read in place, no tree), a HEAD tells the hub's head, and a
// frame of another epoch means another hub answers at this address. The
// priority feed's PRIORITY frames go to the applier's priority lane.
//
//   FeedReader reader(&applier, &fetches, &replica);
//   switch (reader.OnBulk(bytes, now)) { case FeedReader::Seen::kOtherEpoch: SendHello(); ... }
//
// A BATCH covers gseqs first..last and holds those of them this node may
// see; one wholly at or below the cursor is old news, and a record outside
// its range is dropped rather than trusted.
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "node/agent/feed_applier.h"
#include "node/agent/fetch_planner.h"
#include "node/agent/replica.h"

namespace cen::node {

class FeedReader {
 public:
  enum class Seen {
    kNothing,     // malformed, old, or of a type this agent does not know
    kBatch,       // records (or their absence) for a range of gseqs
    kHead,        // a heartbeat with the hub's head
    kOtherEpoch,  // from a hub of another epoch: send HELLO, WELCOME decides
    kPriority,    // urgent or high alerts for the priority lane
    kGranted,     // the hub granted the priority topic just now
  };

  FeedReader(FeedApplier* applier, FetchPlanner* fetches, const Replica* replica)
      : applier_(applier), fetches_(fetches), replica_(replica) {}

  // One message of the node's feed topic (BATCH, HEAD). The records keep
  // the message (their strings point into it): the socket's message is
  // moved in, not copied. The std::string forms (tests) copy theirs in.
  Seen OnBulk(zmq::message_t message, std::chrono::steady_clock::time_point now);
  Seen OnBulk(const std::string& bytes, std::chrono::steady_clock::time_point now) {
    return OnBulk(zmq::message_t(bytes), now);
  }
  // One message of its priority topic (PRIORITY, HEAD). What the hub
  // journaled between the priority FETCH after WELCOME and the grant was
  // published to nobody: on kGranted, fetch the priority lane once more.
  Seen OnPriority(zmq::message_t message);
  Seen OnPriority(const std::string& bytes) { return OnPriority(zmq::message_t(bytes)); }

 private:
  FeedApplier* applier_;    // not owned
  FetchPlanner* fetches_;   // not owned
  const Replica* replica_;  // not owned
};

}  // namespace cen::node
