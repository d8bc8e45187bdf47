// A single hub's bulk batches, journaled without waiting for the disk, in
// as few transactions as they can: one, unless a priority frame comes in
// while a batch is journaled (the journal asks every Journal::kCutEvery
// records). Then that transaction ends there, the loop commits the priority
// frames, and the rest of the batch follows in a transaction of its own. An
// urgent alert so waits for a few records, not for the 256 of a bulk commit
// (4-28 ms under load). Each part is held (HeldCommits) until the syncer has
// made it durable; the frames' ACKs go with the last part.
//
// A batch that fails part-way (a full disk) is kept as it is and goes on
// where it stopped at the next try, before any other bulk frame: its records
// are journaled and acked once. A batch that fails before any record was
// journaled goes back to the ingest queue whole.
//
//   BulkCommitter bulk(&db, &journal, &held, syncer, &store, {waiting, yield, stopping, ...});
//   bulk.Commit(std::make_shared<GroupCommit>(std::move(batch)));
//   if (bulk.unfinished() && store.MayTry(now)) bulk.Resume();  // before other bulk
//
// Not thread-safe: owned by the hub's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "common/sqlite_db.h"
#include "common/status.h"
#include "common/store_health.h"
#include "common/wal_syncer.h"
#include "hub/group_commit.h"
#include "hub/held_commits.h"
#include "hub/ingest_queue.h"
#include "hub/journal.h"

namespace cen::hub {

class BulkCommitter {
 public:
  // What it asks of the hub's loop.
  struct Loop {
    // Whether a priority frame waits (after taking in what arrived): the
    // transaction under way ends at the next Journal::kCutEvery records.
    std::function<bool()> priority_waiting;
    // Commits the priority frames waiting; false when that went wrong in a
    // way the loop reports itself (the rest of the batch then waits).
    std::function<bool()> yield;
    // True once the hub stops (a failed sync): no part is committed after.
    std::function<bool()> stopping;
    // hub.db could not go back to synchronous=FULL after a part: the hub
    // must stop, as every later commit counts on its own fsync.
    std::function<void(const common::Status&)> stop;
    // The frames of a batch of which nothing was journaled, for the next try.
    std::function<void(std::vector<IngestQueue::Message>)> requeue;
    // The store failed or recovered: the loop writes its state file.
    std::function<void()> store_changed;
  };

  BulkCommitter(common::Database* db, Journal* journal, HeldCommits* held,
                common::WalSyncer* syncer, common::StoreHealth* store, Loop loop)
      : db_(db),
        journal_(journal),
        held_(held),
        syncer_(syncer),
        store_(store),
        loop_(std::move(loop)) {}

  // Journals `batch` part by part, holding each part, until it is done, a
  // commit fails (the store's back-off begins) or the loop stops.
  void Commit(std::shared_ptr<GroupCommit> batch);
  // A batch stopped part-way by a failure, or by a yield that went wrong.
  bool unfinished() const { return unfinished_ != nullptr; }
  size_t unfinished_records() const { return unfinished_ ? unfinished_->records() : 0; }
  // Goes on with the unfinished batch where it stopped.
  // REQUIRES: unfinished().
  void Resume() { Commit(std::exchange(unfinished_, nullptr)); }

 private:
  // One part of batch.CommitPart() without waiting for the disk; the
  // journal's head stays where it is until the part is released. Whatever
  // happens, the connection is FULL again afterwards, or loop_.stop is
  // called.
  common::Result<GroupCommit::Part> CommitUnsynced(GroupCommit& batch);

  common::Database* db_;
  Journal* journal_;
  HeldCommits* held_;
  common::WalSyncer* syncer_;
  common::StoreHealth* store_;
  Loop loop_;
  std::shared_ptr<GroupCommit> unfinished_;
};

}  // namespace cen::hub
