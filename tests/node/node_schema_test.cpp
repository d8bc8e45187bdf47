#include "node/store/node_schema.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/record_fields.h"
#include "node/agent/hook_runner.h"
#include "node/agent/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::node::NodeSchema;
using cen::test::CountRows;
using cen::test::Packed;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A node.db as schema 4 left it: a replica of one record at cursor (E1, 7),
// one record of its own still in the outbox, an audit entry and a watch list.
void MakeSchema4(const TempDir& tmp) {
  auto db = Database::Open(NodeSchema::DbPath(tmp.path()), Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(db->Exec(ReadFile(std::string(CEN_TEST_DATA_DIR) + "/node_schema_v4.sql")));
  RequireOk(db->Exec(cen::node::NodeSchema::kHookEventsSql));
  RequireOk(db->Exec(
      "INSERT INTO meta VALUES ('node_schema', '4'), ('node_id', 'n1'), ('created_at', 'x');"
      "UPDATE cursor SET epoch = 'E1', gseq = 7;"
      "INSERT INTO record_versions VALUES (7, 'u-7', 1, 'n2', '2026-01-01T00:00:00Z', '{}');"
      "INSERT INTO records(uuid, version, gseq, kind, origin, ref, scope, handling, received_at) "
      "  VALUES ('u-7', 1, 7, 'seizure', 'n2', 'R7', 'global', 'H0', '2026-01-01T00:00:00Z');"
      "INSERT INTO records_fts(rowid, description) VALUES (1, 'cocaine in bananas');"
      "INSERT INTO own_records(uuid, version, kind, ref, body, queued_at) "
      "  VALUES ('u-own', 1, 'seizure', 'MINE-1', x'80', '2026-01-01T00:00:00Z');"
      "INSERT INTO outbox(uuid, version) VALUES ('u-own', 1);"
      "INSERT INTO query_audit(at, os_user, command, arguments, results) "
      "  VALUES ('2026-01-01T00:00:00Z', 'ana', 'search', '[]', 1);"
      "INSERT INTO watches VALUES ('w', '{}', '2026-01-01T00:00:00Z', 'ana');"));
}

// Takes out of a node.db of this schema what schema 7 added.
constexpr const char* kBackToSchema6 =
    "DROP INDEX records_unvalidated; DROP TABLE decisions; "
    "ALTER TABLE records DROP COLUMN validation; "
    "UPDATE meta SET value = '6' WHERE key = 'node_schema' AND value = '7';";

}  // namespace

TEST_CASE("A schema 4 node.db is upgraded by the agent: replica emptied, the rest kept",
          "[node][schema]") {
  TempDir tmp;
  MakeSchema4(tmp);

  SECTION("other commands (cen-query, submit, ack) are told to start the agent once") {
    for (const auto mode : {Database::Mode::kReadOnly, Database::Mode::kReadWrite}) {
      auto db = NodeSchema::Open(tmp.path(), mode);
      REQUIRE_FALSE(db.ok());
      CHECK_THAT(db.status().message(), Catch::Contains("schema version 4") &&
                                            Catch::Contains("cen-node run --data " + tmp.path()));
    }
    // Nothing was changed: the replica is still there for the agent to upgrade.
    auto raw = Database::Open(NodeSchema::DbPath(tmp.path()), Database::Mode::kReadOnly);
    REQUIRE(raw.ok());
    CHECK(CountRows(*raw, "records") == 1);
  }
  SECTION("the agent rebuilds the replica and keeps the outbox") {
    auto db = NodeSchema::OpenForAgent(tmp.path());
    REQUIRE(db.ok());
    auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
    REQUIRE(version.ok());
    CHECK(**version == NodeSchema::kVersion);
    CHECK(CountRows(*db, "records") == 0);
    CHECK(CountRows(*db, "record_versions") == 0);
    CHECK(CountRows(*db, "records_fts") == 0);
    CHECK(CountRows(*db, "own_records") == 1);
    CHECK(CountRows(*db, "outbox") == 1);
    CHECK(CountRows(*db, "query_audit") == 1);
    CHECK(CountRows(*db, "watches") == 1);

    // The cursor starts over under the same hub epoch: the agent fetches
    // everything again, and the new tables take it.
    cen::node::Replica replica(&*db);
    RequireOk(replica.Load());
    CHECK(replica.epoch() == "E1");
    CHECK(replica.cursor() == 0);
    auto seizure = cen::test::WireSeizure("R7", "0190a0b0-0000-7000-8000-000000000007", 1, 5);
    seizure["description"] = "cocaine in bananas";
    const auto rec = cen::test::AsStored(seizure, 7, "H0");
    RequireOk(replica.Apply(Packed({rec}), 7));
    CHECK(CountRows(*db, "records") == 1);
    auto hits = db->QueryInt("SELECT count(*) FROM records_fts WHERE records_fts MATCH 'cocaine'");
    REQUIRE(hits.ok());
    CHECK(**hits == 1);

    // Opening again finds the current schema: nothing is rebuilt twice.
    db = NodeSchema::OpenForAgent(tmp.path());
    REQUIRE(db.ok());
    CHECK(CountRows(*db, "records") == 1);
  }
}

TEST_CASE("A schema 5 node.db is upgraded in place: record_dates written, nothing fetched again",
          "[node][schema]") {
  TempDir tmp;
  {
    // A replica of this schema with two records, one still waiting for its
    // batch, turned back into what schema 5 was: the two indexes, no
    // record_dates (and nothing of schema 7).
    auto db = cen::test::CreateNodeDb(tmp);
    cen::node::Replica replica(&db);
    RequireOk(replica.Load());
    RequireOk(replica.SetEpoch("E1"));
    auto a = cen::test::WireSeizure("R1", "0190a0b0-0000-7000-8000-000000000001");
    auto b = cen::test::WireSeizure("R2", "0190a0b0-0000-7000-8000-000000000002");
    b["commodity"] = "tobacco";
    RequireOk(replica.Apply(Packed({cen::test::AsStored(a, 1)}), 1));
    RequireOk(
        replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1)).status());
    RequireOk(replica.Apply(Packed({cen::test::AsStored(b, 2)}), 2));
    RequireOk(
        db.Exec("DROP TABLE record_dates; UPDATE meta SET value = '5' WHERE key = 'node_schema';"
                "CREATE INDEX records_commodity_date ON records(commodity, event_date);"
                "CREATE INDEX records_date ON records(event_date);"));
    RequireOk(db.Exec(kBackToSchema6));
  }
  auto refused = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("schema version 5") &&
                                             Catch::Contains("cen-node run --data " + tmp.path()));

  auto db = NodeSchema::OpenForAgent(tmp.path());
  REQUIRE(db.ok());
  auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  REQUIRE(version.ok());
  CHECK(**version == NodeSchema::kVersion);
  CHECK(CountRows(*db, "records") == 2);       // the replica stays
  CHECK(CountRows(*db, "record_dates") == 1);  // R2 still waits in countries_pending
  auto indexes = db->QueryInt(
      "SELECT count(*) FROM sqlite_schema WHERE name IN ('records_date', "
      "'records_commodity_date')");
  REQUIRE(indexes.ok());
  CHECK(**indexes == 0);
  cen::node::Replica replica(&*db);
  RequireOk(replica.Load());
  CHECK(replica.cursor() == 2);
  RequireOk(
      replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1)).status());
  auto tobacco = db->QueryInt("SELECT count(*) FROM record_dates WHERE commodity = 'tobacco'");
  REQUIRE(tobacco.ok());
  CHECK(**tobacco == 1);
}

TEST_CASE("A schema 6 node.db is upgraded in place: records keep, validation added",
          "[node][schema][validation]") {
  TempDir tmp;
  {
    auto db = cen::test::CreateNodeDb(tmp);
    cen::node::Replica replica(&db);
    RequireOk(replica.Load());
    RequireOk(replica.SetEpoch("E1"));
    RequireOk(replica.Apply(
        Packed({cen::test::AsStored(
            cen::test::WireSeizure("R1", "0190a0b0-0000-7000-8000-000000000001"), 1)}),
        1));
    RequireOk(db.Exec(kBackToSchema6));
  }
  auto refused = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("schema version 6"));

  auto db = NodeSchema::OpenForAgent(tmp.path());
  REQUIRE(db.ok());
  auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  REQUIRE(version.ok());
  CHECK(**version == NodeSchema::kVersion);
  CHECK(CountRows(*db, "records") == 1);
  CHECK(CountRows(*db, "decisions") == 0);
  auto unvalidated = db->QueryInt("SELECT count(*) FROM records WHERE validation IS NOT NULL");
  REQUIRE(unvalidated.ok());
  CHECK(**unvalidated == 0);
  cen::node::Replica replica(&*db);
  RequireOk(replica.Load());
  CHECK(replica.cursor() == 1);
}

TEST_CASE("The replica's full-text columns are the field table's searched fields",
          "[node][schema]") {
  TempDir tmp;
  Database db = cen::test::CreateNodeDb(tmp);
  auto stmt = db.Prepare("SELECT name FROM pragma_table_info('records_fts') ORDER BY cid");
  RequireOk(stmt.status());
  std::vector<std::string> columns;
  while (*stmt->Step()) columns.push_back(stmt->ColumnText(0));
  const auto searched = cen::common::RecordFields::Searched();
  CHECK(columns == std::vector<std::string>(searched.begin(), searched.end()));
}
