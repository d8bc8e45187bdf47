// A hub cluster member's state: its hub.db, changed only by the commands of
// the Raft log (ClusterCommand), applied in log order. Every member applies
// the same commands to the same state, so gseq, received_at, scopes and both
// hash chains come out identical on each (`cen-hub verify` gives the same
// heads).
//
//   auto machine = HubStateMachine::Open("/srv/hub-1");
//   (*machine)->set_raft(&raft);            // tells the FSM each entry's index
//   raft_init(&raft, &io, (*machine)->fsm(), id, address);
//
// hub.db is durable on its own: each command is applied in one transaction
// that also records its Raft index (meta raft_applied). Raft replays the
// entries after its last snapshot when a member restarts; those hub.db
// already holds are recognised by that index and not applied twice.
//
// Not thread-safe: owned by the thread that runs the member's Raft loop.
#pragma once

// libraft's headers declare no C linkage of their own.
extern "C" {
#include <raft.h>
}

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite_db.h"
#include "common/status.h"
#include "hub/cluster/cluster_command.h"
#include "hub/group_registry.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"

namespace cen::hub {

class HubStateMachine {
 public:
  // Opens DATA_DIR/hub.db, made by `cen-hub init`.
  static common::Result<std::unique_ptr<HubStateMachine>> Open(const std::string& data_dir);

  // What one entry did.
  struct Applied {
    uint64_t index = 0;
    // The entry was at or below applied_index(): hub.db held it already and
    // nothing was done (a restarted member's replay).
    bool replayed = false;
    std::vector<Journal::Outcome> outcomes;  // one per record of the command
  };
  // Applies the committed entry at Raft `index`: its records journaled, its
  // audit entries and those its outcomes call for written, and
  // applied_index() moved to `index`, in one transaction. An error leaves
  // hub.db as it was (Raft tries the entry again). The result stays valid
  // until the next call.
  common::Result<const Applied*> Apply(uint64_t index, std::string_view entry);
  // The index of the last entry hub.db holds (0: none).
  uint64_t applied_index() const { return applied_index_; }

  // hub.db as of applied_index(), as one buffer: a header naming that index,
  // then the database's pages.
  common::Result<std::string> Snapshot();
  // Makes hub.db what `snapshot` (from Snapshot(), on any member) holds, in
  // one transaction, unless hub.db already holds every entry the snapshot
  // does (a member restarting from its own last snapshot). A snapshot that
  // is not one is refused and hub.db left as it was.
  common::Status Restore(std::string_view snapshot);

  // An entry as the Raft log holds it: its length (8 bytes, big-endian),
  // the entry, zeros up to a multiple of 8 bytes (libraft's disk log
  // requires that length). The raft_fsm unframes what it applies.
  static std::string Frame(std::string_view entry);
  static std::optional<std::string_view> Unframe(std::string_view framed);

  // The raft_fsm (version 1) over this machine, for raft_init. Its apply
  // asks set_raft()'s instance which index it applies.
  raft_fsm* fsm() { return &fsm_; }
  void set_raft(raft* r) { raft_ = r; }
  // An entry that cannot be applied (a full disk, an I/O error, a format
  // this build does not read) is tried again, backing off up to a second,
  // until it applies or `*stop` is set: libraft takes a failed apply on a
  // follower as the end of that member. Without a stop flag (tests of the
  // state machine alone) a failure is returned at once.
  void set_stop(const std::atomic<bool>* stop) { stop_ = stop; }

  Journal& journal() { return journal_; }
  common::Database& db() { return db_; }

 private:
  explicit HubStateMachine(common::Database db);
  common::Status Load();
  // Moves applied_index() to `index` without a command: the entries after
  // the last command (barriers, configuration changes) change no table, and
  // a snapshot taken there then names the index Raft gives it.
  common::Status MarkApplied(uint64_t index);
  // A registry change: made, or its refusal recorded, in one transaction.
  common::Status ApplyAdmin(uint64_t index, const ClusterCommand& command);

  static int FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result);
  static int FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs);
  static int FsmRestore(raft_fsm* fsm, raft_buffer* buf);

  common::Database db_;
  NodeRegistry registry_;
  GroupRegistry groups_;
  ScopePolicy policy_;
  Journal journal_;
  uint64_t applied_index_ = 0;
  Applied applied_;
  raft_fsm fsm_{};
  raft* raft_ = nullptr;
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace cen::hub
