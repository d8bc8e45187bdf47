#include "hub/bulk_committer.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace cen::hub {

using Clock = std::chrono::steady_clock;

void BulkCommitter::Commit(std::shared_ptr<GroupCommit> batch) {
  while (true) {
    const auto started = Clock::now();
    const size_t before = batch->outcomes().size();
    auto part = CommitUnsynced(*batch);
    GroupCommit::LogCommit(batch->outcomes().size() - before, batch->publishes(), started,
                           /*cut=*/part.ok() && !batch->done());
    if (!part.ok()) {
      // Nothing more was journaled. A batch not begun is handled again
      // from its frames at the next try.
      store_->Failed(part.status(), Clock::now());
      if (batch->outcomes().empty()) {
        loop_.requeue(batch->TakeReceived());
      } else {
        unfinished_ = std::move(batch);
      }
      loop_.store_changed();
      return;
    }
    if (store_->Succeeded()) loop_.store_changed();
    held_->HoldPart(syncer_->Request(), journal_->written(), batch, *part);
    // Stopping: the hub ends without acking what is held (its log says why).
    if (batch->done() || loop_.stopping()) return;
    const bool yielded = loop_.yield();
    // A priority commit failed (a full disk): the rest waits for the next try.
    if (!yielded || !store_->MayTry(Clock::now()) || loop_.stopping()) {
      unfinished_ = std::move(batch);
      return;
    }
  }
}

common::Result<GroupCommit::Part> BulkCommitter::CommitUnsynced(GroupCommit& batch) {
  CEN_RETURN_IF_ERROR(db_->Exec("PRAGMA synchronous=NORMAL"));
  journal_->set_defer_head(true);
  struct Restore {
    BulkCommitter* committer;
    ~Restore() {
      committer->journal_->set_defer_head(false);
      if (const common::Status s = committer->db_->Exec("PRAGMA synchronous=FULL"); !s.ok()) {
        spdlog::error("hub.db: cannot go back to synchronous=FULL: {}", s.message());
        committer->loop_.stop(s);
      }
    }
  } restore{this};
  return batch.CommitPart(loop_.priority_waiting);
}

}  // namespace cen::hub
