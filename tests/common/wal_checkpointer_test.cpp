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

  // Without the checkpointer the log would only grow; with it the writer
  // wraps around and the log stays small.
  for (int round = 0; round < 40; ++round) {
    auto tx = db->Begin();
    REQUIRE(tx.ok());
    RequireOk(
        db->Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                 "INSERT INTO t SELECT randomblob(4000) FROM n"));
    RequireOk(tx->Commit());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*checkpointer)->complete() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK((*checkpointer)->complete() > 0);
  // 40 rounds of ~200 KB make more than 8 MB of log unless it is reused.
  CHECK(std::filesystem::file_size(path + "-wal") < 6u << 20);
  auto n = db->QueryInt("SELECT count(*) FROM t");
  REQUIRE(n.ok());
  CHECK(n->value_or(0) == 2000);
  checkpointer->reset();  // stops and joins
}
