#include "common/page_size_upgrade.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/test_support/page_size.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::PageSizeUpgrade;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

// A database of 4 KiB pages, as every cenhub file made before 2026-12-05,
// holding 3,000 rows of varied text (a few MiB, over many pages).
Database MakeOld(const TempDir& tmp) {
  auto db = Database::Open(tmp.File("old.db"), Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  cen::test::SetPageSize(*db, 4096);
  RequireOk(
      db->Exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL);"
               "CREATE INDEX t_b ON t(b);"
               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
               "INSERT INTO t SELECT i, hex(randomblob(20 + i % 300)) FROM n"));
  return std::move(*db);
}

int64_t Int(Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  return **v;
}

std::string Text(Database& db, const std::string& sql) {
  auto v = db.QueryText(sql);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  return **v;
}

// Every row, in one text: equal before and after means nothing changed.
std::string Rows(Database& db) {
  return Text(db, "SELECT group_concat(a || ':' || b) FROM (SELECT a, b FROM t ORDER BY a)");
}

}  // namespace

TEST_CASE("A database of 4 KiB pages is written again with 16 KiB pages, every row kept",
          "[common][sqlite]") {
  TempDir tmp;
  Database db = MakeOld(tmp);
  RequireOk(db.Exec("PRAGMA synchronous=NORMAL"));  // as the agent has it
  const std::string before = Rows(db);
  auto rewritten = PageSizeUpgrade::Run(db);
  REQUIRE(rewritten.ok());
  CHECK(*rewritten);
  CHECK(Int(db, "PRAGMA page_size") == Database::kPageBytes);
  CHECK(Text(db, "PRAGMA journal_mode") == "wal");
  CHECK(Text(db, "PRAGMA integrity_check") == "ok");
  CHECK(Rows(db) == before);
  // The settings it borrowed are back: the copy's directory (unset) and the
  // connection's sync level.
  CHECK(db.QueryText("PRAGMA temp_store_directory")->value_or("") == "");
  CHECK(Int(db, "PRAGMA synchronous") == 1);
  // Written as before, and another process opens it with its new pages.
  RequireOk(db.Exec("INSERT INTO t VALUES (5000, 'after')"));
  auto other = Database::Open(tmp.File("old.db"), Database::Mode::kReadOnly);
  REQUIRE(other.ok());
  CHECK(Int(*other, "SELECT count(*) FROM t") == 3001);
  CHECK(Int(*other, "PRAGMA page_size") == Database::kPageBytes);
  // Once: a second run has nothing to do.
  auto again = PageSizeUpgrade::Run(db);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
}

TEST_CASE("A database another process has open keeps its 4 KiB pages until the next time",
          "[common][sqlite]") {
  TempDir tmp;
  Database db = MakeOld(tmp);
  const std::string before = Rows(db);
  {
    // A cen-query reading: SQLite lets no one leave WAL mode meanwhile.
    auto reader = Database::Open(tmp.File("old.db"), Database::Mode::kReadOnly);
    REQUIRE(reader.ok());
    CHECK(Int(*reader, "SELECT count(*) FROM t") == 3000);
    auto rewritten = PageSizeUpgrade::Run(db);
    REQUIRE(rewritten.ok());
    CHECK_FALSE(*rewritten);
    CHECK(Int(db, "PRAGMA page_size") == 4096);
    CHECK(Text(db, "PRAGMA journal_mode") == "wal");
    RequireOk(db.Exec("INSERT INTO t VALUES (5000, 'after')"));
    CHECK(Int(*reader, "SELECT count(*) FROM t") == 3001);
    CHECK(Rows(*reader) == before + ",5000:after");
  }
  // The reader gone, the next start rewrites it.
  auto later = PageSizeUpgrade::Run(db);
  REQUIRE(later.ok());
  CHECK(*later);
  CHECK(Int(db, "PRAGMA page_size") == Database::kPageBytes);
  CHECK(Rows(db) == before + ",5000:after");
}

TEST_CASE("A database on a disk without room for its copy keeps its 4 KiB pages",
          "[common][sqlite]") {
  TempDir tmp;
  Database db = MakeOld(tmp);
  const std::string before = Rows(db);
  const int64_t bytes = Int(db, "PRAGMA page_count") * 4096;
  // VACUUM needs the copy and a journal of the original: twice the file.
  auto rewritten = PageSizeUpgrade::Run(db, static_cast<uint64_t>(bytes));
  REQUIRE(rewritten.ok());
  CHECK_FALSE(*rewritten);
  CHECK(Int(db, "PRAGMA page_size") == 4096);
  CHECK(Text(db, "PRAGMA journal_mode") == "wal");
  CHECK(Rows(db) == before);
}

TEST_CASE("A database with 16 KiB pages is left as it is", "[common][sqlite]") {
  TempDir tmp;
  auto db = Database::Open(tmp.File("new.db"), Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(
      db->Exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'x')"));
  const int64_t pages = Int(*db, "PRAGMA page_count");
  auto rewritten = PageSizeUpgrade::Run(*db);
  REQUIRE(rewritten.ok());
  CHECK_FALSE(*rewritten);
  CHECK(Int(*db, "PRAGMA page_size") == Database::kPageBytes);
  CHECK(Int(*db, "PRAGMA page_count") == pages);
}

TEST_CASE("A page size upgrade inside a transaction is refused, the file untouched",
          "[common][sqlite]") {
  TempDir tmp;
  Database db = MakeOld(tmp);
  auto tx = db.Begin();
  REQUIRE(tx.ok());
  auto rewritten = PageSizeUpgrade::Run(db);
  CHECK_FALSE(rewritten.ok());
  RequireOk(tx->Commit());
  CHECK(Int(db, "PRAGMA page_size") == 4096);
  CHECK(Text(db, "PRAGMA journal_mode") == "wal");
}
