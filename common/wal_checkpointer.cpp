#include "common/wal_checkpointer.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "common/log_limit.h"
#include "common/sqlite_db.h"

namespace cen::common {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& db_path,
                                                                std::chrono::milliseconds every,
                                                                int64_t limit_frames) {
  auto db = Database::Open(db_path, Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(db_path, every, limit_frames));
  c->thread_ =
      std::thread([raw = c.get(), conn = std::move(*db)]() mutable { raw->Loop(std::move(conn)); });
  return c;
}

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::StartBounded(Database& writer,
                                                                       int64_t limit_mib) {
  // Before WatchWriter: this pragma installs SQLite's own WAL hook.
  CEN_RETURN_IF_ERROR(writer.Exec("PRAGMA wal_autocheckpoint=0"));
  CEN_RETURN_IF_ERROR(
      writer.Exec("PRAGMA journal_size_limit=" + std::to_string(LogLimit::Bytes(limit_mib))));
  auto page_size = writer.QueryInt("PRAGMA page_size");
  if (!page_size.ok()) return page_size.status();
  auto c = Start(writer.path(), std::chrono::milliseconds(200),
                 LogLimit::Frames(limit_mib, page_size->value_or(4096)));
  if (!c.ok()) return c.status();
  (*c)->WatchWriter(writer);
  return c;
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::WatchWriter(Database& writer) {
  sqlite3_wal_hook(
      writer.handle(),
      [](void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
        auto* c = static_cast<WalCheckpointer*>(self);
        if (frames < c->frames_at_copy_) c->restarted_ = true;  // written from the beginning
        c->log_frames_ = frames;
        return SQLITE_OK;
      },
      this);
}

bool WalCheckpointer::CatchingUp(TimePoint now) {
  if (catching_up_) {
    // The checkpoint begun after the writer asked has not ended, and no
    // reader held one back since: it is copying (or has yet to start). (Read
    // before complete_, which the thread writes first: one that ended
    // complete is then seen as such.)
    const bool first_under_way = ended_ <= begun_mark_ && held_back_ == held_back_mark_;
    // A checkpoint that began before the writer's last commit may end
    // complete without its frames: it must also have seen as many frames.
    // A log that started again meanwhile (an urgent alert's commit after
    // the copy) needs nothing more.
    const bool copied = (complete_ > complete_mark_ && copied_frames_ >= frames_mark_) ||
                        log_frames_ < frames_mark_;
    const auto waited = now - catch_up_since_;
    if (!copied && (waited < kMaxCatchUp || (first_under_way && waited < kMaxCopy))) return true;
    catching_up_ = false;
    wanted_ = false;
    // Not again at once, unless the log starts again (the WAL hook sees a
    // commit's frames below the count at the copy): a reader whose snapshot
    // predates the copy keeps the log from starting again, and the writer
    // must not wait for a checkpoint after every transaction meanwhile. (A
    // first commit after the copy larger than the whole log copied is not
    // seen as a restart: the 250 ms wait then stands. A bound smaller than
    // one transaction makes every transaction wait for a checkpoint.)
    if (copied) {
      next_catch_up_ = now + kAfterCopy;
      // The next commit says whether the log starts again, and how long it
      // is; a log that started again already (below the mark) has.
      restarted_ = log_frames_ < frames_mark_;
      frames_at_copy_ = log_frames_;
      log_frames_ = 0;
    } else {
      restarted_ = false;
      frames_at_copy_ = 0;  // kRetryAfter stands
      next_catch_up_ = now + kRetryAfter;
      spdlog::debug("checkpoint of {} did not catch up with its log in {} ms", db_path_,
                    std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
    }
    return false;
  }
  // After a copy, a log that started again and reached the limit anew is
  // caught up at once; one that could not start again waits kAfterCopy.
  if (log_frames_ < limit_frames_ || (now < next_catch_up_ && !restarted_)) return false;
  catching_up_ = true;
  complete_mark_ = complete_;
  frames_mark_ = log_frames_;
  begun_mark_ = begun_;
  held_back_mark_ = held_back_;
  catch_up_since_ = now;
  wanted_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    run_now_ = true;
  }
  wake_.notify_all();
  return true;
}

WalCheckpointer::Passive WalCheckpointer::CheckpointPassive(Database& db) {
  Passive done;
  int copied = 0;
  done.rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                      &done.log_frames, &copied);
  done.copied_all = done.rc == SQLITE_OK && done.log_frames >= 0 && copied == done.log_frames;
  return done;
}

void WalCheckpointer::Loop(Database db) {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  // After SQLITE_BUSY (another connection, a `submit` say, checkpoints just
  // then) it tries again soon: a writer may be waiting for this checkpoint.
  // So it does while a catch-up is wanted and a reader's snapshot kept the
  // checkpoint from copying everything: readers of a daemon's database (an
  // operator's query, `cen-query`) read for moments, and the writer gives
  // the catch-up up after kMaxCatchUp.
  std::chrono::milliseconds wait = every_;
  // Retries end when the writer stops waiting (wanted_), or at the latest
  // this long after it asked: a writer with nothing more to write does not
  // look again, and a reader may hold its snapshot for minutes.
  constexpr auto kRetryFor = 4 * kMaxCatchUp;
  TimePoint retry_until{};
  while (true) {
    wake_.wait_for(lock, wait, [this] { return stop_ || run_now_; });
    if (stop_) break;
    if (run_now_) retry_until = std::chrono::steady_clock::now() + kRetryFor;
    run_now_ = false;
    lock.unlock();
    ++begun_;
    const Passive done = CheckpointPassive(db);
    const int rc = done.rc;
    const bool held_back = rc == SQLITE_OK && !done.copied_all;
    const bool again = rc == SQLITE_BUSY ||
                       (held_back && wanted_ && std::chrono::steady_clock::now() < retry_until);
    wait = again ? std::min(every_, kBusyRetry) : every_;
    if (rc == SQLITE_OK) {
      if (failing) spdlog::info("checkpoints of {} work again", db_path_);
      failing = false;
      if (done.copied_all) {
        copied_frames_ = done.log_frames;  // before complete_: CatchingUp reads them in that order
        ++complete_;
      } else {
        ++held_back_;
      }
    } else if (rc != SQLITE_BUSY && !failing) {  // logged once, not once per attempt
      spdlog::warn("checkpoint of {} failed: {}; retrying", db_path_, sqlite3_errmsg(db.handle()));
      failing = true;
    }
    ++ended_;  // after complete_ and held_back_: CatchingUp reads ended_ first
    lock.lock();
  }
}

}  // namespace cen::common
