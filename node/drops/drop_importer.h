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

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::node {

class DropProgress;
class DropRecordReader;

enum class DropFormat { kCsv, kNdjson };

struct DropSettings {
  bool partial = false;
  bool dry_run = false;
  std::optional<DropFormat> format;  // unset: from the file name's extension
  size_t max_errors = 100;           // problem lines written per file; the rest are counted
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
  common::Status status;     // not ok: the file, or some rows, were refused

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

  // Imports `path` ("-": `stdin_stream`, named <stdin>). Problems go to `err`.
  DropSummary ImportFile(const std::string& path, std::istream& stdin_stream, std::ostream& err,
                         DropProgress* progress = nullptr);
  // Imports what `reader` reads, calling the source `name` in messages.
  // `rejects_path` is where --partial writes refused rows ("" for none).
  DropSummary Import(DropRecordReader& reader, const std::string& name,
                     const std::string& rejects_path, std::ostream& err, DropProgress* progress,
                     uint64_t total_bytes = 0);

 private:
  common::Database* db_;  // not owned
  DropSettings settings_;
};

}  // namespace cen::node
