// Fresh hub.db and node.db files in a TempDir, made the way `cen-hub init` and
// `cen-node init` make them, for tests of the code that works on them.
//
//   cen::test::TempDir tmp;
//   cen::common::Database db = cen::test::CreateHubDb(tmp);
//
// Each helper REQUIREs success, so use them inside a Catch2 test.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/sqlite_db.h"
#include "hub/hub_schema.h"
#include "node/store/node_schema.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

namespace cen::test {

// A fresh hub.db in `dir`, as `cen-hub init` makes it.
inline common::Database CreateHubDb(const TempDir& dir) {
  auto db = common::Database::Open(hub::HubSchema::DbPath(dir.path()),
                                   common::Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(hub::HubSchema::Create(*db));
  return std::move(*db);
}

// The hub.db in `dir` opened again, as the running hub opens it.
inline common::Database ReopenHubDb(const TempDir& dir) {
  auto db = hub::HubSchema::Open(dir.path());
  INFO((db.ok() ? std::string() : db.status().ToString()));
  REQUIRE(db.ok());
  return std::move(*db);
}

// A fresh node.db in `dir` for the node `node_id`, as `cen-node init` makes it.
inline common::Database CreateNodeDb(const TempDir& dir, const std::string& node_id = "n1") {
  auto db = common::Database::Open(node::NodeSchema::DbPath(dir.path()),
                                   common::Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(node::NodeSchema::Create(*db, node_id));
  return std::move(*db);
}

// The node.db in `dir` opened again for writing, as the agent opens it.
inline common::Database ReopenNodeDb(const TempDir& dir) {
  auto db = node::NodeSchema::Open(dir.path(), common::Database::Mode::kReadWrite);
  REQUIRE(db.ok());
  return std::move(*db);
}

// The integer `sql` selects, or -1 if it came back NULL or with no row.
inline int64_t QueryNumber(common::Database& db, const std::string& sql) {
  auto n = db.QueryInt(sql);
  REQUIRE(n.ok());
  return n->value_or(-1);
}

// The number of rows in `table`, or -1 if the count came back NULL.
inline int64_t CountRows(common::Database& db, const std::string& table) {
  return QueryNumber(db, "SELECT count(*) FROM " + table);
}

// A hub.db's journal as "gseq uuid received_at CHAIN" rows, in gseq order:
// what two hub cluster members must hold alike.
inline std::vector<std::string> JournalLinks(common::Database& db) {
  auto stmt = db.Prepare(
      "SELECT gseq || ' ' || uuid || ' ' || received_at || ' ' || hex(chain) FROM journal "
      "ORDER BY gseq");
  REQUIRE(stmt.ok());
  std::vector<std::string> rows;
  while (*stmt->Step()) rows.push_back(stmt->ColumnText(0));
  return rows;
}

}  // namespace cen::test
