// Makes a SQLite database's write-ahead log durable from a thread of its own,
// so the thread that commits never waits for the disk. The writer commits
// with PRAGMA synchronous=NORMAL (the commit only writes the log), asks for
// a sync and goes on; this thread's next fdatasync of the log covers every
// commit that returned before the request.
//
//   auto syncer = WalSyncer::Start(db.path());     // after the log exists
//   const uint64_t ticket = (*syncer)->Request();  // after the commit returned
//   poll (*syncer)->fd() for POLLIN; then (*syncer)->Clear();
//   if ((*syncer)->done() >= ticket) ...           // that commit is durable
//   if (!(*syncer)->status().ok()) ...             // the log could not be synced
//
// fdatasync() of any descriptor of a file writes that file's dirty pages
// out, so a descriptor of its own is enough; SQLite keeps the log file in
// place while a connection is open (a checkpoint rewinds it, never deletes
// it). Start() fsyncs the log's directory once, so its entry is durable too.
// Rewinding the log after a checkpoint is safe as long as the checkpointing
// connection syncs (WalCheckpointer's runs at SQLite's default FULL: the log
// before copying, the database after). A failed fdatasync is final (status()): after one, Linux may
// have dropped the pages it could not write, so no later sync proves them durable.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace cen::common {

class WalSyncer {
 public:
  // How the log is made durable: returns 0, or -1 with errno set. Empty:
  // fdatasync(2). Tests pass one that waits, or fails.
  using SyncFn = std::function<int(int fd)>;

  // Opens `db_path`-wal (it must exist: the database is in WAL mode and was
  // read once) and starts the thread.
  static Result<std::unique_ptr<WalSyncer>> Start(const std::string& db_path, SyncFn sync = {});
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Asks for a sync of everything written so far; returns its ticket.
  uint64_t Request();
  // Every ticket up to this one is durable.
  uint64_t done() const { return done_.load(); }
  // Readable once done() has moved (an eventfd); Clear() reads it.
  int fd() const { return event_fd_; }
  void Clear();
  // Blocks until `ticket` is durable or a sync failed.
  Status Wait(uint64_t ticket);
  // Ok, or why the log could not be made durable (final).
  Status status() const;

 private:
  WalSyncer(std::string wal_path, int wal_fd, int event_fd, SyncFn sync)
      : wal_path_(std::move(wal_path)),
        wal_fd_(wal_fd),
        event_fd_(event_fd),
        sync_(std::move(sync)) {}
  void Loop();

  const std::string wal_path_;
  const int wal_fd_;
  const int event_fd_;
  const SyncFn sync_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // a request came, or stop
  std::condition_variable synced_;
  uint64_t requested_ = 0;  // guarded by mu_
  bool stop_ = false;       // guarded by mu_
  Status failed_;           // guarded by mu_
  std::atomic<uint64_t> done_{0};
  std::thread thread_;
};

}  // namespace cen::common
