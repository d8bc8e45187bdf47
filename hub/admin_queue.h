// The registry changes an operator asks of a hub cluster member
// (admin_requests in its hub.db). The cen-hub command queues the change and
// waits; the running member, when it leads, carries it in a Raft entry that
// every member applies (HubStateMachine), which records the outcome in the
// row; a member that does not lead refuses it, naming the leader.
//
//   auto id = AdminQueue::Request(db, /*member=*/2, change);   // cen-hub allow
//   auto outcome = AdminQueue::Wait(db, 2, *id, std::chrono::seconds(10));
//   // the running leader, every second:
//   auto pending = AdminQueue::Take(db);
//
// Thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "common/status.h"
#include "hub/admin_change.h"

namespace cen::hub {

class AdminQueue {
 public:
  // Queues `change`, asked on cluster member `member`; returns its id.
  static common::Result<int64_t> Request(common::Database& db, int64_t member,
                                         const AdminChange& change);
  // Waits up to `timeout` for the outcome: the change's effect, or the
  // refusal (the registry's, or "not the leader") as an error. A request no
  // running member took by then is withdrawn (kUnavailable): nothing changed.
  static common::Result<AdminChange::Effect> Wait(common::Database& db, int64_t member, int64_t id,
                                                  std::chrono::milliseconds timeout);

  struct Pending {
    int64_t id;
    AdminChange change;
  };
  // The requests asked of `member` not taken yet, marked taken; the
  // membership changes among them only when `membership` (Raft makes one
  // configuration change at a time: the others wait their turn).
  static common::Result<std::vector<Pending>> Take(common::Database& db, int64_t member,
                                                   bool membership = true);
  // Inside the transaction that applies request `id` of `member` (on every
  // member; a member without that row changes nothing): records its effect,
  // or `refusal` when not empty.
  static common::Status Finish(common::Database& db, int64_t member, int64_t id,
                               const AdminChange::Effect& effect, const std::string& refusal);
  // Refuses with `why` request `id` of `member`, or (`id` 0) every request
  // of `member` not taken.
  static common::Status Refuse(common::Database& db, int64_t member, int64_t id,
                               const std::string& why);
};

}  // namespace cen::hub
