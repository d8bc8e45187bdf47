#include "common/page_size_upgrade.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <system_error>

namespace cen::common {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
// Room left over once the copy and the journal are written.
constexpr uint64_t kSpareBytes = 64 * kMiB;

// A PRAGMA's text answer ("wal", "delete", a directory), "" for none.
Result<std::string> PragmaText(Database& db, std::string_view sql) {
  auto text = db.QueryText(sql);
  if (!text.ok()) return text.status();
  return text->value_or("");
}

}  // namespace

Result<bool> PageSizeUpgrade::Run(Database& db, std::optional<uint64_t> available_bytes) {
  const std::string& path = db.path();
  // Outside a transaction only: SQLite leaves WAL mode in none (a caller's bug).
  if (sqlite3_get_autocommit(db.handle()) == 0)
    return Internal(path + ": page size upgrade inside a transaction");
  auto page = db.QueryInt("PRAGMA page_size");
  if (!page.ok()) return page.status();
  const int64_t old_page = page->value_or(Database::kPageBytes);
  if (old_page >= Database::kPageBytes) return false;  // every start but one: one query
  auto pages = db.QueryInt("PRAGMA page_count");
  if (!pages.ok()) return pages.status();
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const uint64_t bytes =
      static_cast<uint64_t>(old_page) * static_cast<uint64_t>(pages->value_or(0));

  // VACUUM writes a copy of the file (its temporary database, put beside the
  // file below) and then journals every page of the original it overwrites.
  if (!available_bytes) {
    std::error_code ec;
    const auto space = std::filesystem::space(dir.empty() ? "." : dir, ec);
    if (ec) {
      spdlog::warn("{}: keeps its {} KiB pages: cannot tell the free space beside it ({})", path,
                   old_page / 1024, ec.message());
      return false;
    }
    available_bytes = space.available;
  }
  const uint64_t needed = 2 * bytes + kSpareBytes;
  if (*available_bytes < needed) {
    spdlog::warn(
        "{}: keeps its {} KiB pages: writing it again with {} KiB pages needs {} MiB free "
        "beside it, {} MiB are; tried again at the next start",
        path, old_page / 1024, Database::kPageBytes / 1024, needed / kMiB, *available_bytes / kMiB);
    return false;
  }

  // Only a file outside WAL mode changes its page size, and only with no
  // other connection on it: SQLite refuses (busy, at once) while a reader
  // has it open, and the file stays in WAL mode.
  const auto started = std::chrono::steady_clock::now();
  auto left = PragmaText(db, "PRAGMA journal_mode=DELETE");
  if (!left.ok() || *left != "delete") {
    spdlog::info(
        "{}: keeps its {} KiB pages this time: another process has it open ({}); tried again "
        "at the next start",
        path, old_page / 1024, left.ok() ? "still in " + *left + " mode" : left.status().message());
    return false;
  }
  spdlog::info(
      "{}: writing its {} MiB again with {} KiB pages instead of {} KiB (once; other processes "
      "wait for it)",
      path, bytes / kMiB, Database::kPageBytes / 1024, old_page / 1024);
  // A rollback journal is safe across a power cut only with a sync at each
  // step; the caller may have chosen NORMAL for its WAL writes.
  auto sync = db.QueryInt("PRAGMA synchronous");
  Status rewritten = sync.ok() ? db.Exec("PRAGMA synchronous=FULL") : sync.status();
  // The copy goes beside the file, where the room was counted, not to /tmp.
  // (A process-wide setting: the header asks for no other SQLite thread.)
  auto temp_dir = PragmaText(db, "PRAGMA temp_store_directory");
  if (rewritten.ok() && !temp_dir.ok()) rewritten = temp_dir.status();
  if (rewritten.ok())
    rewritten = db.Exec("PRAGMA temp_store_directory=" +
                        Database::Literal(dir.empty() ? "." : dir.string()));
  if (rewritten.ok())
    rewritten = db.Exec("PRAGMA page_size=" + std::to_string(Database::kPageBytes) + "; VACUUM");
  if (temp_dir.ok()) (void)db.Exec("PRAGMA temp_store_directory=" + Database::Literal(*temp_dir));
  if (sync.ok()) (void)db.Exec("PRAGMA synchronous=" + std::to_string(sync->value_or(2)));
  // Back to WAL whatever VACUUM did: a failed VACUUM rolled back and left
  // the file as it was.
  auto back = PragmaText(db, "PRAGMA journal_mode=WAL");
  if (!back.ok()) return back.status();
  if (*back != "wal") return Internal(path + ": could not go back to WAL mode (" + *back + ")");
  if (!rewritten.ok()) {
    spdlog::warn("{}: keeps its {} KiB pages: {}; tried again at the next start", path,
                 old_page / 1024, rewritten.message());
    return false;
  }
  auto now = db.QueryInt("PRAGMA page_size");
  if (!now.ok()) return now.status();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (now->value_or(0) < Database::kPageBytes) {
    // Between leaving WAL and the VACUUM another process opened the file and
    // put it back in WAL mode, where VACUUM keeps the page size.
    spdlog::info(
        "{}: keeps its {} KiB pages this time: another process opened it meanwhile ({} ms); "
        "tried again at the next start",
        path, now->value_or(0) / 1024, took.count());
    return false;
  }
  spdlog::info("{}: now has {} KiB pages ({} ms)", path, now->value_or(0) / 1024, took.count());
  return true;
}

}  // namespace cen::common
