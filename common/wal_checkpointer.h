// Copies a SQLite database's write-ahead log back into it from a thread of
// its own, so the process that writes never stalls in a checkpoint: with
// SQLite's automatic checkpoint, every commit that crosses 1000 WAL pages
// copies them and fsyncs the database inside that commit (measured here at
// 50-150 ms of a 25 ms apply slice on a busy replica). The writer turns the
// automatic checkpoint off; this thread runs PASSIVE checkpoints, which never
// block the writer or readers, every `every`.
//
//   CEN_RETURN_IF_ERROR(db.Exec("PRAGMA wal_autocheckpoint=0"));
//   auto checkpointer = WalCheckpointer::Start(db.path());  // stops when destroyed
//
// A writer that never pauses (a replica applying a long export) would grow
// the log without end: a PASSIVE checkpoint copies only the frames committed
// before it began, and SQLite starts the log again from its beginning only
// when a write transaction begins after everything was copied. Measured: a
// replica's log grew to 325 MB while applying 300,000 records. So the writer
// lets the checkpointer count the log (WatchWriter) and asks between two of
// its transactions whether to wait (CatchingUp). The log starts again only
// if no reader still reads a snapshot from before the copy, and only the
// watched writer's connection cuts the file back (journal_size_limit); a
// `cen-node drop` of one file is one transaction, as large as the file.
//
//   checkpointer->WatchWriter(db);
//   if (!checkpointer->CatchingUp(now)) ApplyBulkSlice();  // small urgent ones may go on
//
// StartBounded(db, max_log_mib) does all of that set-up for a daemon.
//
// Thread-safe: the thread owns its own connection. WatchWriter and
// CatchingUp are called from the writer's thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace cen::common {

class WalCheckpointer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // 16,384 frames: 64 MiB of 4 KiB pages, 256 MiB of 16 KiB ones.
  static constexpr int64_t kDefaultLimitFrames = 16384;
  // A catch-up that takes longer (a reader holds back the frames it reads)
  // is given up, and tried again after kRetryAfter. The first checkpoint
  // run for it is waited for even longer, up to kMaxCopy, unless a reader
  // held one back meanwhile: on a loaded disk its sync alone can outlast
  // kMaxCatchUp, and a writer that went on then wrote an unbounded log for
  // kRetryAfter. (Half a node's FETCH timeout: a FETCH queued behind a held
  // PUBLISH at the hub is still answered in time.)
  static constexpr auto kMaxCatchUp = std::chrono::milliseconds(500);
  static constexpr auto kMaxCopy = std::chrono::seconds(5);
  static constexpr auto kRetryAfter = std::chrono::seconds(2);
  // After a catch-up that copied everything: a log that could not start
  // again (a reader's snapshot) grows by about 10 MB in this time on an
  // export; at 2 s it reached 193 MB.
  static constexpr auto kAfterCopy = std::chrono::milliseconds(250);
  static constexpr auto kBusyRetry = std::chrono::milliseconds(5);

  static Result<std::unique_ptr<WalCheckpointer>> Start(
      const std::string& db_path, std::chrono::milliseconds every = std::chrono::milliseconds(200),
      int64_t limit_frames = kDefaultLimitFrames);
  // Start() for `writer` with its log bounded at `limit_mib` (LogLimit):
  // turns the writer's automatic checkpoint off, counts its log
  // (WatchWriter), and has a restarted log's file cut back to the bound.
  static Result<std::unique_ptr<WalCheckpointer>> StartBounded(class Database& writer,
                                                               int64_t limit_mib);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // One passive checkpoint of `db`'s log (never waits for a reader or the
  // writer): SQLite's result code, the log's frames (-1 when the database is
  // not in WAL mode) and whether it copied all of them.
  struct Passive {
    int rc = 0;
    int log_frames = -1;
    bool copied_all = false;
  };
  static Passive CheckpointPassive(class Database& db);

  // Checkpoints run so far that copied everything the log held.
  int64_t complete() const { return complete_; }
  // Checkpoints run so far, whatever they copied.
  int64_t ended() const { return ended_; }
  // Frames in the log after `writer`'s last commit (through SQLite's WAL
  // hook, which this replaces: the writer's wal_autocheckpoint must be 0).
  void WatchWriter(class Database& writer);
  int64_t log_frames() const { return log_frames_; }
  // The log's bound in frames (pages of the database's own size).
  int64_t limit_frames() const { return limit_frames_; }
  // True while the writer should start no bulk transaction: the log has
  // reached the limit and no checkpoint has copied all of it since the
  // writer was first told so. The checkpoint is run at once, not at the
  // next tick; the writer's next transaction then starts the log again.
  // After a catch-up the next one waits kAfterCopy (unless the log started
  // again meanwhile), or kRetryAfter when it was given up.
  bool CatchingUp(TimePoint now);
  // A catch-up is under way (the writer's thread only).
  bool catching_up() const { return catching_up_; }

 private:
  WalCheckpointer(std::string db_path, std::chrono::milliseconds every, int64_t limit_frames)
      : db_path_(std::move(db_path)), every_(every), limit_frames_(limit_frames) {}
  void Loop(class Database db);

  std::string db_path_;
  std::chrono::milliseconds every_;
  int64_t limit_frames_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;     // guarded by mu_
  bool run_now_ = false;  // guarded by mu_
  // The writer waits for a checkpoint that copies everything: one that a
  // reader held back is tried again every kBusyRetry, not at the next tick.
  std::atomic<bool> wanted_{false};
  std::atomic<int64_t> complete_{0};
  std::atomic<int64_t> log_frames_{0};
  std::atomic<int64_t> copied_frames_{0};  // the log's frames at the last complete checkpoint
  // Checkpoints begun and ended so far (one at a time, on the thread), and
  // those of them a reader held back.
  std::atomic<int64_t> begun_{0};
  std::atomic<int64_t> ended_{0};
  std::atomic<int64_t> held_back_{0};
  // The writer's side (its thread only; the WAL hook runs there too).
  // A commit wrote the log from its beginning since the last catch-up copied it.
  bool restarted_ = false;
  int64_t frames_at_copy_ = 0;  // the log's frames when it was copied
  bool catching_up_ = false;
  int64_t complete_mark_ = 0;   // complete_ when the catch-up began
  int64_t frames_mark_ = 0;     // log_frames_ then
  int64_t begun_mark_ = 0;      // begun_ then: the catch-up's own checkpoint is the next
  int64_t held_back_mark_ = 0;  // held_back_ then
  TimePoint catch_up_since_{};
  TimePoint next_catch_up_{};
  std::thread thread_;
};

}  // namespace cen::common
