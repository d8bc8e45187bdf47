#include "common/wal_checkpointer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/sqlite_db.h"
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
