// The drop folder of a running agent (`cen-node run --drop-dir DIR`, or
// drop_dir in node.toml): each complete file that appears in DIR is imported
// like `cen-node drop FILE` (all or nothing), then moved to DIR/done/, or to
// DIR/failed/ beside FILE.errors, which lists every problem as
// "FILE:LINE[:COLUMN]: field: reason".
//
// Hand-over: write the file under a name the folder ignores, then rename it
// into place (rename(2) is atomic within one file system):
//   cp export.csv DIR/.export.csv && mv DIR/.export.csv DIR/export.csv
// Ignored: names starting with '.', names ending in .tmp, .part (in any
// letter case), .crdownload or ~, anything
// that is not a regular file (a symbolic link too: its target may still be
// being written), and the names done and failed. The first file by name
// written less than `settle` ago waits (a writer copying straight into the
// final name), and the files after it with it; one whose time stamp is in the
// future is taken once unchanged for `settle`; and
// one that changed while it was imported stays where it is and is imported
// again (its rows imported so far are then unchanged). done/ and failed/
// are made again when missing.
//
// A failure that is not the file's (node.db full or locked, a folder that
// cannot be made or written) leaves the file in place; it is logged once,
// said by problem() (for cen-node status), and tried again with back-off
// (1 s doubling to 10 s), not at every poll.
//
//   DropFolder folder(dir, &db);
//   CEN_RETURN_IF_ERROR(folder.Prepare());
//   auto handled = folder.PollOnce();  // from the agent loop, now and then
//
// Each PollOnce() reads the directory once (at most kMaxEntries names) and
// imports at most one file. Not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "common/sqlite_db.h"
#include "common/status.h"
#include "common/store_health.h"
#include "node/store/urgent_claim.h"

namespace cen::node {

class DropFolder {
 public:
  // The agent passes kSettle; 0 takes a file as soon as it is there.
  static constexpr std::chrono::milliseconds kSettle{1000};
  DropFolder(std::string dir, common::Database* db,
             std::chrono::milliseconds settle = std::chrono::milliseconds(0))
      : dir_(std::move(dir)), db_(db), settle_(settle) {}

  // A file under way gives way to `claim`'s claimants (DropImporter), and
  // rolls back once `stop` is set (either may be null).
  void set_give_way(UrgentClaim* claim, const std::atomic<bool>* stop) {
    give_way_ = claim;
    stop_ = stop;
  }

  // Creates DIR, DIR/done and DIR/failed when missing.
  common::Status Prepare();
  // Imports the first complete file by name, if any. True when one was
  // handled (moved to done/ or failed/). A failure other than the file's own
  // is not returned: see problem(). An error: the folder cannot be read.
  common::Result<bool> PollOnce();

  // What tells a file that changed: its size and when it was last written.
  struct Stamp {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type written{};
    bool operator==(const Stamp&) const = default;
  };

  // "drop folder: big.csv: sqlite: database or disk is full (since ...)"
  // while a failure not the file's own holds a file back; "" otherwise.
  std::string problem() const { return health_.cause(); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  common::Database* db_;  // not owned
  std::chrono::milliseconds settle_;
  common::StoreHealth health_{"drop folder"};
  UrgentClaim* give_way_ = nullptr;          // not owned
  const std::atomic<bool>* stop_ = nullptr;  // not owned
  // The first file by name, as last seen, and since when it is unchanged.
  std::string watched_;
  Stamp watched_stamp_;
  common::StoreHealth::Clock::time_point watched_since_{};
  std::string open_said_;  // the file said to be open for writing, once
  // Links and folders left alone, each said once (a trial: a link named
  // like an export stayed there without a word).
  std::set<std::string> passed_said_;
};

}  // namespace cen::node
