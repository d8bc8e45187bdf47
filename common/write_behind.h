// Has the kernel write a file's dirty pages out while a long transaction is
// still writing them, so that the commit's fsync waits for the last few
// megabytes alone. Linux leaves written pages in memory until 10 % of RAM
// is dirty or they are 30 s old: a `cen-node drop` of a million rows wrote
// its 800 MB log, then waited 1.1-1.4 s in the commit's fdatasync of it,
// with the disk idle while the rows were read (strace -T, 2026-12-06). From
// a thread of its own, every `every`, it asks for writeback of each named
// file (sync_file_range(SYNC_FILE_RANGE_WRITE): it starts the writes and
// waits for none); durability still comes from SQLite's own syncs.
//
//   auto behind = WriteBehind::ForDatabase(db.path());  // its log
//   ... one long transaction ...       // its commit's fsync is short
//   behind.reset();                    // stops, closes its descriptors
//
// Never name a database file itself while a connection of this process has
// it open: closing any descriptor of a file drops every POSIX lock the
// process holds on it, SQLite's included (its SHARED lock, without which
// the next connection to close deletes the log under this one). SQLite
// locks no log file (-wal).
//
// A file that does not exist yet is looked for again at each pass; one
// replaced by another (a new inode at the path) is opened anew, so the
// descriptor never keeps a deleted log's blocks allocated for long.
// Thread-safe: the thread owns its descriptors; passes() may be read from
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cen::common {

class WriteBehind {
 public:
  static constexpr std::chrono::milliseconds kEvery{100};

  static std::unique_ptr<WriteBehind> Start(std::vector<std::string> paths,
                                            std::chrono::milliseconds every = kEvery);
  // For a SQLite database in WAL mode: its log (not the database file,
  // whose locks a descriptor of ours would drop when closed).
  static std::unique_ptr<WriteBehind> ForDatabase(const std::string& db_path) {
    return Start({db_path + "-wal"});
  }
  ~WriteBehind();  // stops the thread and closes every descriptor
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // Passes made so far in which at least one file was open and asked for.
  int64_t passes() const { return passes_.load(); }

 private:
  struct File {
    std::string path;
    int fd = -1;
    uint64_t device = 0;
    uint64_t inode = 0;
  };
  WriteBehind(std::vector<std::string> paths, std::chrono::milliseconds every);
  void Loop();
  // Opens `f` if it exists and is not open (or a new file took its path);
  // true when it is open then.
  static bool Ready(File& f);
  static void Close(File& f);

  std::vector<File> files_;  // the thread's
  const std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::atomic<int64_t> passes_{0};
  std::thread thread_;
};

}  // namespace cen::common
