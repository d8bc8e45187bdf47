// The drop folder of a running agent (`cen-node run --drop-dir DIR`, or
// drop_dir in node.toml): each complete file that appears in DIR is imported
// like `cen-node drop FILE` (all or nothing), then moved to DIR/done/, or to
// DIR/failed/ beside FILE.errors, which lists every problem as
// "FILE:LINE[:COLUMN]: field: reason".
//
// Hand-over: write the file under a name the folder ignores, then rename it
// into place (rename(2) is atomic within one file system):
//   cp export.csv DIR/.export.csv && mv DIR/.export.csv DIR/export.csv
// Ignored: names starting with '.', names ending in .tmp or .part, anything
// that is not a regular file, and the done/ and failed/ folders.
//
//   DropFolder folder(dir, &db);
//   CEN_RETURN_IF_ERROR(folder.Prepare());
//   auto handled = folder.PollOnce();  // from the agent loop, now and then
//
// Each PollOnce() reads the directory once (at most kMaxEntries names) and
// imports at most one file. Not thread-safe.
#pragma once

#include <string>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::node {

class DropFolder {
 public:
  DropFolder(std::string dir, common::Database* db) : dir_(std::move(dir)), db_(db) {}

  // Creates DIR, DIR/done and DIR/failed when missing.
  common::Status Prepare();
  // Imports the first complete file by name, if any. True when one was
  // handled (moved to done/ or failed/). An error other than the file's own
  // (node.db busy, a full disk) leaves the file in place, to be tried again.
  common::Result<bool> PollOnce();

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  common::Database* db_;  // not owned
};

}  // namespace cen::node
