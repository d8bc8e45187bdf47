// Brings node.db in line with the hub a WELCOME came from. A replica with no
// epoch takes the hub's. Another epoch, or a head below the replica's
// cursor, means the hub was replaced or restored: the replica is rebuilt
// from nothing and every own record is offered again. Own records acked
// beyond the head were lost with a hub restored from an older copy: offered
// again. Feed ranges buffered beyond the head came from a hub that had more
// than this one: dropped, to be fetched again. A node the hub moved to
// another region, or added to a group, fetches the journal again from its
// start, keeping its records (Replica::Rewind): the records it may see now
// that were journaled before come in no feed.
//
//   ReplicaReconciler reconciler(&replica, &outbox, &applier);
//   CEN_RETURN_IF_ERROR(reconciler.OnWelcome(epoch, head, region, groups));
//
// Each step can be repeated: if one fails (a full disk), the next WELCOME
// finds the same difference and runs them again.
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "node/agent/feed_applier.h"
#include "node/agent/replica.h"
#include "node/store/outbox.h"

namespace cen::node {

class ReplicaReconciler {
 public:
  ReplicaReconciler(Replica* replica, Outbox* outbox, FeedApplier* applier)
      : replica_(replica), outbox_(outbox), applier_(applier) {}

  // `groups`: the WELCOME's groups joined with ',' (NAME@SINCE, or NAME
  // from a hub that does not say since when); nullopt from a hub that does
  // not say them.
  common::Status OnWelcome(const std::string& epoch, int64_t head, const std::string& region,
                           const std::optional<std::string>& groups = std::nullopt);

  // The names of the groups in `now` (joined with ',') that are not in
  // `before`: memberships begun since (NAME@SINCE with another SINCE is
  // one; a bare NAME in `before` is the same membership, heard of before
  // the hub said since when).
  static std::vector<std::string> Joined(const std::string& before, const std::string& now);

 private:
  Replica* replica_;      // not owned
  Outbox* outbox_;        // not owned
  FeedApplier* applier_;  // not owned
  // The hub epoch whose rebuild was last announced: a rebuild that cannot
  // write (a full disk) is tried at every WELCOME, announced once.
  std::string announced_epoch_;
};

}  // namespace cen::node
