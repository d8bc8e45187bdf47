#include "common/wal_checkpointer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "common/sqlite_db.h"
#include "tests/test_support/page_size.h"
#include "tests/test_support/slow_sync_vfs.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::WalCheckpointer;
using cen::test::RequireOk;
using cen::test::TempDir;

TEST_CASE("WalCheckpointer copies the log back while the writer keeps writing",
          "[common][sqlite]") {
  TempDir tmp;
  const std::string path = tmp.File("w.db");
  auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(db->Exec("PRAGMA wal_autocheckpoint=0"));
  RequireOk(db->Exec("CREATE TABLE t(x BLOB)"));
  auto checkpointer = WalCheckpointer::Start(path, std::chrono::milliseconds(10));
  REQUIRE(checkpointer.ok());

  // The writer never checkpoints (wal_autocheckpoint=0), so the database file
  // itself grows only when the checkpointer copies the log into it.
  for (int round = 0; round < 40; ++round) {
    auto tx = db->Begin();
    REQUIRE(tx.ok());
    RequireOk(
        db->Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                 "INSERT INTO t SELECT randomblob(4000) FROM n"));
    RequireOk(tx->Commit());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::filesystem::file_size(path) < 7u << 20 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(std::filesystem::file_size(path) >= 7u << 20);  // 2000 rows of 4000 B, in the database
  CHECK((*checkpointer)->complete() > 0);
  auto n = db->QueryInt("SELECT count(*) FROM t");
  REQUIRE(n.ok());
  CHECK(n->value_or(0) == 2000);
  checkpointer->reset();  // stops and joins
}

namespace {

// A writer's database with one table, and a checkpointer that counts its
// log, with a limit of 200 frames and a tick of `every` (by default none
// during the test: only a catch-up runs a checkpoint).
struct WatchedLog {
  explicit WatchedLog(std::chrono::milliseconds every = std::chrono::hours(1)) {
    auto c = WalCheckpointer::Start(path, every, /*limit_frames=*/200);
    REQUIRE(c.ok());
    checkpointer = std::move(*c);
    checkpointer->WatchWriter(db);
  }
  static Database Open(const std::string& path) {
    auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
    REQUIRE(db.ok());
    // 4 KiB pages, as every database had until 2026-12-05: the frame counts
    // below stay small logs that a tick copies in a few ms (a 20 ms tick
    // copying a log of 16 KiB pages could still be running when the next
    // transaction begins, which then cannot start the log again).
    cen::test::SetPageSize(*db, 4096);
    RequireOk(db->Exec("PRAGMA wal_autocheckpoint=0"));
    RequireOk(db->Exec("CREATE TABLE t(x BLOB)"));
    return std::move(*db);
  }
  // Waits until `n` checkpoints copied everything.
  void AwaitComplete(int64_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (checkpointer->complete() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(checkpointer->complete() >= n);
  }

  TempDir tmp;
  std::string path = tmp.File("w.db");
  Database db = Open(path);
  std::unique_ptr<WalCheckpointer> checkpointer;
};

// One transaction of `rows` rows of random bytes, a page or so each (of the
// database's own page size).
void WriteRows(Database& db, int rows) {
  const int64_t row_bytes = db.QueryInt("PRAGMA page_size")->value_or(4096) - 96;
  auto tx = db.Begin();
  REQUIRE(tx.ok());
  RequireOk(db.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                    std::to_string(rows) + ") INSERT INTO t SELECT randomblob(" +
                    std::to_string(row_bytes) + ") FROM n"));
  RequireOk(tx->Commit());
}

}  // namespace

TEST_CASE("A writer that waits while the checkpointer catches up starts the log again",
          "[common][sqlite]") {
  WatchedLog log;
  Database* db = &log.db;
  WalCheckpointer& c = *log.checkpointer;
  const auto now = std::chrono::steady_clock::now();

  WriteRows(*db, 100);
  const int64_t small = c.log_frames();
  CHECK(small > 100);
  CHECK(small < 200);
  CHECK_FALSE(c.CatchingUp(now));  // below the limit: no pause

  WriteRows(*db, 150);
  const int64_t grown = c.log_frames();
  CHECK(grown >= 200);
  REQUIRE(c.CatchingUp(now));  // the writer waits...
  log.AwaitComplete(1);        // ...for a checkpoint run at once, which copies everything
  CHECK(c.complete() == 1);
  CHECK_FALSE(c.CatchingUp(now));  // and then goes on

  // The next transaction writes from the log's beginning: the log holds its
  // frames alone, not the 250 rows before it.
  WriteRows(*db, 10);
  CHECK(c.log_frames() < 50);
  auto n = db->QueryInt("SELECT count(*) FROM t");
  REQUIRE(n.ok());
  CHECK(n->value_or(0) == 260);
}

TEST_CASE("A catch-up a reader holds back is given up, and not tried again at once",
          "[common][sqlite]") {
  WatchedLog log;
  Database* db = &log.db;
  WalCheckpointer& c = *log.checkpointer;
  WriteRows(*db, 100);

  // A reader in the middle of a read transaction: a checkpoint cannot copy
  // the frames written after its snapshot.
  auto reader = Database::Open(log.path, Database::Mode::kReadOnly);
  REQUIRE(reader.ok());
  RequireOk(reader->Exec("BEGIN"));
  REQUIRE(reader->QueryInt("SELECT count(*) FROM t").ok());
  WriteRows(*db, 150);

  const auto t0 = std::chrono::steady_clock::now();
  const int64_t ended = c.ended();
  REQUIRE(c.CatchingUp(t0));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(c.CatchingUp(t0 + std::chrono::milliseconds(100)));  // still waiting
  // Its checkpoint ended, held back (a slow sync is waited for: see below).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (c.ended() == ended && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(c.ended() > ended);
  CHECK(c.complete() == 0);
  // Past kMaxCatchUp the writer goes on, and is not held again before kRetryAfter.
  const auto late = t0 + WalCheckpointer::kMaxCatchUp;
  CHECK_FALSE(c.CatchingUp(late));
  CHECK_FALSE(c.CatchingUp(late + std::chrono::milliseconds(10)));
  CHECK(c.CatchingUp(late + WalCheckpointer::kRetryAfter));
  RequireOk(reader->Exec("COMMIT"));
}

// A reader that reads for a moment (an operator's query of hub.db, a test's
// poll) used to hold the catch-up until the next tick, 200 ms later: three
// such reads in a row and the writer went on unbounded for kRetryAfter (a
// CI run saw a hub's 1 MiB log reach 8.4 MB). The catch-up's checkpoint is
// tried again at once when the reader lets go.
TEST_CASE("A catch-up a reader held back copies the log as soon as the reader lets go",
          "[common][sqlite]") {
  WatchedLog log;  // no tick during the test: only the catch-up checkpoints
  WalCheckpointer& c = *log.checkpointer;
  WriteRows(log.db, 100);
  auto reader = Database::Open(log.path, Database::Mode::kReadOnly);
  REQUIRE(reader.ok());
  RequireOk(reader->Exec("BEGIN"));
  REQUIRE(reader->QueryInt("SELECT count(*) FROM t").ok());
  WriteRows(log.db, 150);

  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(c.CatchingUp(t0));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(c.complete() == 0);  // the reader holds the frames after its snapshot
  RequireOk(reader->Exec("COMMIT"));
  log.AwaitComplete(1);
  CHECK_FALSE(c.CatchingUp(t0 + std::chrono::milliseconds(1)));  // copied: the writer goes on
  WriteRows(log.db, 10);
  CHECK(c.log_frames() < 50);  // from the log's beginning
}

// On a loaded disk the sync that ends a checkpoint alone can take longer than
// kMaxCatchUp: the writer then gave the catch-up up while the copy was still
// under way, and wrote on unbounded for kRetryAfter (the e2e test of a hub's
// 1 MiB log allows 8 MiB: two seconds of records at full speed pass it).
// The sync here takes 3.5 s, within kMaxCopy.
TEST_CASE("A catch-up waits for a checkpoint that is still copying, however slow the disk",
          "[common][sqlite]") {
  cen::test::SlowSyncVfs slow;
  WatchedLog log;  // on the slow disk; no tick during the test
  // Syncs are quick again for the checkpoints at close, whatever happens.
  struct QuickAtClose {
    cen::test::SlowSyncVfs& slow;
    ~QuickAtClose() { slow.set_delay(std::chrono::milliseconds(0)); }
  } quick_at_close{slow};
  WalCheckpointer& c = *log.checkpointer;
  WriteRows(log.db, 250);
  slow.set_delay(WalCheckpointer::kMaxCatchUp + std::chrono::seconds(3));
  const int syncs = cen::test::SlowSyncVfs::syncs();

  REQUIRE(c.CatchingUp(std::chrono::steady_clock::now()));
  std::this_thread::sleep_for(WalCheckpointer::kMaxCatchUp + std::chrono::milliseconds(100));
  CHECK(c.complete() == 0);                               // its sync is not done
  CHECK(c.CatchingUp(std::chrono::steady_clock::now()));  // the writer still waits
  log.AwaitComplete(1);
  CHECK(cen::test::SlowSyncVfs::syncs() > syncs);
  CHECK_FALSE(c.CatchingUp(std::chrono::steady_clock::now()));  // copied: it goes on
  WriteRows(log.db, 10);
  CHECK(c.log_frames() < 50);  // from the log's beginning
}

TEST_CASE("A log that started again after the copy ends the catch-up, whatever a later tick saw",
          "[common][sqlite]") {
  WatchedLog log(std::chrono::milliseconds(20));
  WalCheckpointer& c = *log.checkpointer;
  WriteRows(log.db, 250);
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(c.CatchingUp(t0));
  log.AwaitComplete(c.complete() + 1);
  // An urgent alert's commit (the writer's, between two of its loop's
  // looks) starts the log again; a tick then copies a log of a few frames.
  // A tick under way as the commit begins (its read of the log) keeps the
  // log from starting again: that commit is appended, and the next one
  // after the tick's copy starts it (under ASAN a 20 ms tick met the first
  // commit once in a CI run).
  WriteRows(log.db, 5);
  for (int attempt = 0; attempt < 20 && c.log_frames() >= 50; ++attempt) {
    log.AwaitComplete(c.complete() + 1);
    WriteRows(log.db, 5);
  }
  REQUIRE(c.log_frames() < 50);
  log.AwaitComplete(c.complete() + 1);
  CHECK_FALSE(c.CatchingUp(t0 + std::chrono::milliseconds(1)));  // not held until kMaxCatchUp
}

TEST_CASE("A log that started again and reached the limit anew is caught up at once",
          "[common][sqlite]") {
  WatchedLog log;
  WalCheckpointer& c = *log.checkpointer;
  WriteRows(log.db, 250);
  // A reader whose snapshot holds the whole log: the copy completes, but the
  // log cannot start again while it reads.
  const bool reading = GENERATE(false, true);
  auto reader = Database::Open(log.path, Database::Mode::kReadOnly);
  REQUIRE(reader.ok());
  if (reading) {
    RequireOk(reader->Exec("BEGIN"));
    REQUIRE(reader->QueryInt("SELECT count(*) FROM t").ok());
  }
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(c.CatchingUp(t0));
  log.AwaitComplete(1);
  CHECK_FALSE(c.CatchingUp(t0));  // copied
  WriteRows(log.db, 250);
  if (!reading) {
    // The log started again: no wait of kAfterCopy. A hub journaling
    // 15 MB/s wrote 4.6 MB beyond a 1 MiB limit while it waited.
    CHECK(c.log_frames() < 400);
    CHECK(c.CatchingUp(t0 + std::chrono::milliseconds(1)));
  } else {
    CHECK(c.log_frames() > 400);  // appended: the wait stands
    CHECK_FALSE(c.CatchingUp(t0 + std::chrono::milliseconds(1)));
    CHECK(c.CatchingUp(t0 + WalCheckpointer::kAfterCopy));
    RequireOk(reader->Exec("COMMIT"));
  }
}

TEST_CASE("A log bounded in MiB is counted in the database's own pages", "[common][sqlite]") {
  TempDir tmp;
  for (const int64_t page : {int64_t{4096}, int64_t{16384}}) {
    INFO("page size " << page);
    const std::string path = tmp.File("p" + std::to_string(page) + ".db");
    {
      auto made = Database::Open(path, Database::Mode::kReadWriteCreate);
      REQUIRE(made.ok());
      cen::test::SetPageSize(*made, page);
    }
    auto db = Database::Open(path, Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(db->QueryInt("PRAGMA page_size")->value_or(0) == page);
    auto c = WalCheckpointer::StartBounded(*db, 8);
    REQUIRE(c.ok());
    // 8 MiB of log: 2048 pages of 4 KiB, 512 of 16 KiB.
    CHECK((*c)->limit_frames() == 8 * 1024 * 1024 / page);
  }
}
