// Rewrites a database made with pages smaller than cenhub's (4 KiB: every
// database made before 2026-12-05) with pages of the size Database::Open
// gives a new file, once, so an upgraded node writes as a new one does
// (cen_replica_bench: 15.3-17.2 -> 13.1-13.4 us CPU per applied record;
// cen_drop_bench: 84k -> 165k rows/s).
//
//   auto rewritten = PageSizeUpgrade::Run(db);  // before any other use of db
//   if (!rewritten.ok()) return rewritten.status();
//
// A WAL file keeps its page size: the file leaves WAL mode, VACUUM writes it
// again (a copy beside it, then the original overwritten under a rollback
// journal, so a crash at any point leaves the old file whole) and it goes
// back to WAL. That needs the file to itself and room for the copy and the
// journal; without either it keeps its pages (one log line) and Run() is
// tried again at the next start.
#pragma once

#include <cstdint>
#include <optional>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::common {

class PageSizeUpgrade {
 public:
  // True when `db` was rewritten with Database::kPageBytes pages; false when
  // it has them already, or keeps smaller ones this time (another connection
  // has the file open: a cen-query, say; or the disk lacks room). Other
  // processes wait for the file meanwhile (a 1.1 GB node.db took 7.8 s).
  // `available_bytes`: the free space beside the file (tests); unset, the
  // file system is asked. An error when the file cannot be read or could not
  // be put back in WAL mode, or when `db` has a transaction under way.
  // REQUIRES: no other thread of this process uses SQLite (VACUUM's copy is
  // put beside the file through a process-wide setting).
  static Result<bool> Run(Database& db, std::optional<uint64_t> available_bytes = std::nullopt);
};

}  // namespace cen::common
