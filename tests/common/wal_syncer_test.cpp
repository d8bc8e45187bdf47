#include "common/wal_syncer.h"

#include <poll.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "common/sqlite_db.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::StatusCode;
using cen::common::WalSyncer;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

// True when `fd` is readable within `ms`.
bool Readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

}  // namespace

TEST_CASE("WalSyncer makes each requested commit durable and says so on its fd",
          "[common][sqlite]") {
  TempDir tmp;
  const std::string path = tmp.File("w.db");
  auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(db->Exec("PRAGMA synchronous=NORMAL"));  // the commit only writes the log
  RequireOk(db->Exec("CREATE TABLE t(x)"));
  auto syncer = WalSyncer::Start(path);
  REQUIRE(syncer.ok());
  WalSyncer& s = **syncer;
  CHECK(s.done() == 0);
  CHECK_FALSE(Readable(s.fd(), 0));

  RequireOk(db->Exec("INSERT INTO t VALUES (1)"));
  const uint64_t first = s.Request();
  REQUIRE(Readable(s.fd(), 30000));
  s.Clear();
  CHECK(s.done() >= first);
  CHECK_FALSE(Readable(s.fd(), 0));  // cleared until the next sync

  // Requests in a row: each ticket is covered, in order.
  RequireOk(db->Exec("INSERT INTO t VALUES (2)"));
  const uint64_t second = s.Request();
  RequireOk(db->Exec("INSERT INTO t VALUES (3)"));
  const uint64_t third = s.Request();
  CHECK(second == first + 1);
  CHECK(third == second + 1);
  RequireOk(s.Wait(third));
  CHECK(s.done() >= third);
  RequireOk(s.status());
}

TEST_CASE("WalSyncer refuses a database without a write-ahead log", "[common][sqlite]") {
  TempDir tmp;
  auto syncer = WalSyncer::Start(tmp.File("none.db"));
  REQUIRE_FALSE(syncer.ok());
  CHECK(syncer.status().code() == StatusCode::kUnavailable);
  CHECK(syncer.status().message().find("none.db-wal") != std::string::npos);
}

TEST_CASE("WalSyncer: a failed sync is final, named, and wakes whoever waits", "[common][sqlite]") {
  TempDir tmp;
  const std::string path = tmp.File("w.db");
  auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(db->Exec("PRAGMA synchronous=NORMAL"));
  RequireOk(db->Exec("CREATE TABLE t(x)"));
  int syncs = 0;
  auto syncer = WalSyncer::Start(path, [&syncs](int) {
    ++syncs;
    errno = EIO;
    return -1;
  });
  REQUIRE(syncer.ok());
  WalSyncer& s = **syncer;
  RequireOk(db->Exec("INSERT INTO t VALUES (1)"));
  const uint64_t ticket = s.Request();
  const auto failed = s.Wait(ticket);
  CHECK(failed.code() == StatusCode::kUnavailable);
  CHECK_THAT(failed.message(), Catch::Contains(path + "-wal"));
  CHECK(Readable(s.fd(), 30000));  // the loop hears of it as of a sync
  CHECK(s.done() < ticket);
  // Nothing later is ever called durable: the pages may be gone.
  const uint64_t later = s.Request();
  CHECK(s.Wait(later).code() == StatusCode::kUnavailable);
  CHECK(s.done() < later);
  CHECK(s.status().code() == StatusCode::kUnavailable);
  CHECK(syncs == 1);
}
