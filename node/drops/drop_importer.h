// Imports data drops (CSV or NDJSON files of records) into the outbox, with
// the record rules of `cen-node submit`, streaming: memory stays flat in the
// file's size.
//
//   DropImporter importer(&db, {.partial = false});
//   DropSummary s = importer.ImportFile("cases.csv", std::cin, std::cerr, &progress);
//   std::cout << s.Line() << "\n";  // "cases.csv: 120 rows: 118 new, 2 amended, ..."
//
// A file is one transaction. By default it is all or nothing: one invalid row
// and nothing from it is imported (every problem is still reported, as
// "FILE:LINE[:COLUMN]: field: reason"). With `partial`, the valid rows are
// imported and the others written to FILE.rejects.csv with a reason column.
// `dry_run` validates and counts, then rolls back. A row whose (kind, ref) the
// node already holds with the same content is unchanged; with other content
// it becomes the record's next version.
//
// Make `db` durable (PRAGMA synchronous=FULL) before an import whose success
// is promised to someone. Not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/sqlite_db.h"
#include "common/status.h"
#include "node/store/urgent_claim.h"

namespace cen::node {

class DropProgress;
class DropRecordReader;

enum class DropFormat { kCsv, kNdjson };

struct DropSettings {
  bool partial = false;
  bool dry_run = false;
  std::optional<DropFormat> format;  // unset: from the file name's extension
  size_t max_errors = 100;           // problem lines written per file; the rest are counted
  // Claims of node.db's write lock to give way to (an urgent alert waits);
  // null: none. Not for standard input, which cannot be read again.
  UrgentClaim* give_way = nullptr;
  // Set: the file rolls back at its next batch of rows (kUnavailable
  // "stopped"); the agent stopping its drop folder. Null: never.
  const std::atomic<bool>* stop = nullptr;
  // An amendment may lower a record's handling (H2 to H0); otherwise that
  // row is refused (`--lower-handling`).
  bool lower_handling = false;
};

struct DropSummary {
  std::string file;
  int64_t rows = 0;  // rows read (blank lines not counted)
  int64_t added = 0;
  int64_t amended = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  bool imported = false;  // the valid rows are committed (false for a dry run)
  bool dry_run = false;
  double seconds = 0;
  std::string rejects_file;  // with --partial, when rows were refused
  size_t shown = 0;          // problem lines written to the error stream
  common::Status status;     // not ok: the file, or some rows, were refused
  // What was imported but may not be what the file's author meant
  // ("FILE:LINE: warning: ..."); in --json as "warnings" when there are any.
  std::vector<std::string> warnings;

  // "FILE: 120 rows: 118 new, 2 amended, 0 unchanged, 0 rejected (9,120 rows/s)".
  std::string Line() const;
  nlohmann::json ToJson() const;
};

class DropImporter {
 public:
  DropImporter(common::Database* db, DropSettings settings) : db_(db), settings_(settings) {}

  // A page cache large enough that a big file's transaction rarely spills
  // pages into the WAL before its commit (each spill may write a page again
  // and again), and still a fixed bound: 64 MiB.
  static constexpr const char* kCachePragma = "PRAGMA cache_size=-65536";

  // The format of `path`: .csv is CSV; .ndjson, .jsonl and .json are NDJSON.
  static common::Result<DropFormat> FormatOf(std::string_view path);

  // How many times one file gives way to an alert's claim (and is read again
  // from its start); after that it holds the write lock to its end.
  static constexpr int kMaxGiveWays = 4;
  // How long a file that gave way waits for the alert to be written.
  static constexpr std::chrono::milliseconds kGiveWayWait{10000};
  // How long an import waits for node.db's write lock: another file (a
  // `cen-node drop` beside the agent's drop folder) holds it for its whole import.
  static constexpr int kLockWaitMillis = 300000;

  // Imports `path` ("-": `stdin_stream`, named <stdin>). Problems go to `err`.
  DropSummary ImportFile(const std::string& path, std::istream& stdin_stream, std::ostream& err,
                         DropProgress* progress = nullptr);
  // Imports what `reader` reads, calling the source `name` in messages.
  // `rejects_path` is where --partial writes refused rows ("" for none).
  DropSummary Import(DropRecordReader& reader, const std::string& name,
                     const std::string& rejects_path, std::ostream& err, DropProgress* progress,
                     uint64_t total_bytes = 0);

  // Times the last ImportFile() gave way and read its file again (may be
  // asked from another thread while it runs).
  int gave_way() const { return gave_way_.load(); }

 private:
  // Import() of a file that may give way: true when it did (rolled back).
  DropSummary ImportOnce(DropRecordReader& reader, const std::string& name,
                         const std::string& rejects_path, std::ostream& err, DropProgress* progress,
                         uint64_t total_bytes, bool may_give_way, size_t skip_problems,
                         bool& gave_way);

  common::Database* db_;  // not owned
  DropSettings settings_;
  std::atomic<int> gave_way_{0};
};

}  // namespace cen::node
