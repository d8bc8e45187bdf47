#include "node/store/node_schema.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/record_fields.h"
#include "node/agent/hook_runner.h"
#include "node/agent/replica.h"
#include "node/store/outbox.h"
#include "node/store/text_db.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/files.h"
#include "tests/test_support/page_size.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"
#include "tests/test_support/text_search.h"

using cen::common::Database;
using cen::node::NodeSchema;
using cen::test::CountRows;
using cen::test::Packed;
using cen::test::QueryNumber;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

// A node.db as schema 4 left it: a replica of one record at cursor (E1, 7),
// one record of its own still in the outbox, an audit entry and a watch list.
void MakeSchema4(const TempDir& tmp) {
  auto db = Database::Open(NodeSchema::DbPath(tmp.path()), Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(db->Exec(cen::test::ReadFile(std::string(CEN_TEST_DATA_DIR) + "/node_schema_v4.sql")));
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

// Takes out of a node.db of this schema what schema 10 changed: one row per
// uuid in `records` again (no records_uuid).
#define CEN_BACK_TO_SCHEMA_9                                                                  \
  "DROP VIEW record_versions; DROP VIEW latest; ALTER TABLE records RENAME TO records_10; "   \
  "CREATE TABLE records(gseq INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, "                \
  "version INTEGER NOT NULL, kind TEXT NOT NULL, origin TEXT NOT NULL, ref TEXT NOT NULL, "   \
  "scope TEXT NOT NULL, handling TEXT NOT NULL, received_at TEXT NOT NULL, event_date TEXT, " \
  "commodity TEXT, reporting_country TEXT, departure TEXT, destination TEXT, transit TEXT, "  \
  "hs_code TEXT, transport_mode INTEGER, quantity REAL, unit TEXT, priority TEXT, "           \
  "validation TEXT); "                                                                        \
  "INSERT INTO records SELECT * FROM records_10; DROP TABLE records_10; "                     \
  "CREATE INDEX records_alerts ON records(kind) WHERE kind = 'alert'; "                       \
  "CREATE INDEX records_origin ON records(origin); "                                          \
  "CREATE INDEX records_unvalidated ON records(validation) WHERE validation IS NOT NULL; "    \
  "CREATE VIEW record_versions AS SELECT r.gseq, r.uuid, r.version, r.origin, "               \
  "r.received_at, d.doc FROM records r JOIN documents d ON d.gseq = r.gseq UNION ALL "        \
  "SELECT gseq, uuid, version, origin, received_at, doc FROM version_history; "               \
  "CREATE VIEW latest AS SELECT r.*, d.doc FROM records r JOIN documents d "                  \
  "ON d.gseq = r.gseq; "                                                                      \
  "UPDATE meta SET value = '9' WHERE key = 'node_schema' AND value = '10';"
constexpr const char* kBackToSchema9 = CEN_BACK_TO_SCHEMA_9;
// ... and what schema 9 changed: the hub's verdicts back in own_records
// (each own version queued).
#define CEN_BACK_TO_SCHEMA_8                                                   \
  CEN_BACK_TO_SCHEMA_9                                                         \
  "DROP VIEW own_status; DROP TABLE own_acks; "                                \
  "ALTER TABLE own_records ADD COLUMN status TEXT NOT NULL DEFAULT 'queued'; " \
  "ALTER TABLE own_records ADD COLUMN gseq INTEGER; "                          \
  "ALTER TABLE own_records ADD COLUMN reason TEXT; "                           \
  "UPDATE meta SET value = '8' WHERE key = 'node_schema' AND value = '9';"
constexpr const char* kBackToSchema8 = CEN_BACK_TO_SCHEMA_8;
// ... and what schema 8 changed: its full-text index back in node.db
// (empty), no replica generation.
#define CEN_BACK_TO_SCHEMA_7                                                                \
  CEN_BACK_TO_SCHEMA_8                                                                      \
  "CREATE VIRTUAL TABLE records_fts USING fts5(description, location, concealment, title, " \
  "body, content = '', tokenize = \"unicode61 remove_diacritics 2\"); "                     \
  "ALTER TABLE cursor DROP COLUMN generation; "                                             \
  "UPDATE meta SET value = '7' WHERE key = 'node_schema' AND value = '8';"
constexpr const char* kBackToSchema7 = CEN_BACK_TO_SCHEMA_7;
// ... and what schema 7 added.
constexpr const char* kBackToSchema6 = CEN_BACK_TO_SCHEMA_7
    "DROP INDEX records_unvalidated; DROP TABLE decisions; "
    "ALTER TABLE records DROP COLUMN validation; "
    "UPDATE meta SET value = '6' WHERE key = 'node_schema' AND value = '7';";

// The replica of a fresh node.db, following hub epoch E1.
cen::node::Replica ReplicaOfE1(Database& db) {
  cen::node::Replica replica(&db);
  RequireOk(replica.Load());
  RequireOk(replica.SetEpoch("E1"));
  return replica;
}

// Seizure number n (ref Rn, a uuid ending in n), as a node hands it in.
nlohmann::json SeizureNumber(int n) {
  return cen::test::WireSeizure("R" + std::to_string(n),
                                "0190a0b0-0000-7000-8000-00000000000" + std::to_string(n));
}

// Whether node.db itself has a table or index `name`.
bool HasTable(Database& db, const std::string& name) {
  auto n = db.QueryInt("SELECT count(*) FROM main.sqlite_schema WHERE name = '" + name + "'");
  REQUIRE(n.ok());
  return n->value_or(0) > 0;
}

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
    RequireOk(db.status());
    auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
    REQUIRE(version.ok());
    CHECK(**version == NodeSchema::kVersion);
    CHECK(CountRows(*db, "records") == 0);
    CHECK(CountRows(*db, "record_versions") == 0);
    CHECK_FALSE(HasTable(*db, "records_fts"));  // in text.db now
    CHECK(std::filesystem::exists(cen::node::TextDb::Path(tmp.path())));
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
    CHECK(cen::test::TextMatches(*db, "cocaine") == 1);
    CHECK(cen::test::IndexText(tmp) == 7);
    CHECK(cen::test::TextMatches(*db, "cocaine") == 1);

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
    cen::node::Replica replica = ReplicaOfE1(db);
    auto a = SeizureNumber(1);
    auto b = SeizureNumber(2);
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
    cen::node::Replica replica = ReplicaOfE1(db);
    RequireOk(replica.Apply(Packed({cen::test::AsStored(SeizureNumber(1), 1)}), 1));
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
  cen::test::CreateNodeDb(tmp);
  auto db = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadOnly);
  REQUIRE(db.ok());
  auto stmt = db->Prepare("SELECT name FROM pragma_table_info('records_fts') ORDER BY cid");
  RequireOk(stmt.status());
  std::vector<std::string> columns;
  while (*stmt->Step()) columns.push_back(stmt->ColumnText(0));
  const auto searched = cen::common::RecordFields::Searched();
  CHECK(columns == std::vector<std::string>(searched.begin(), searched.end()));
}

TEST_CASE("A schema 7 node.db is upgraded in place: its full text moves to text.db",
          "[node][schema]") {
  TempDir tmp;
  {
    // Two records, the second amended; the full-text index back in
    // node.db (as schema 7 kept it), no text.db.
    auto db = cen::test::CreateNodeDb(tmp);
    cen::node::Replica replica = ReplicaOfE1(db);
    auto a = SeizureNumber(1);
    a["description"] = "cocaine in bananas";
    auto b = SeizureNumber(2);
    b["description"] = "cigarettes in furniture";
    auto b2 = SeizureNumber(2);
    b2["version"] = 2;
    b2["description"] = "cigarettes in machinery";
    RequireOk(replica.Apply(
        Packed({cen::test::AsStored(a, 1), cen::test::AsStored(b, 2), cen::test::AsStored(b2, 3)}),
        3));
    RequireOk(db.Exec(kBackToSchema7));
    CHECK(HasTable(db, "records_fts"));
  }
  std::filesystem::remove(cen::node::TextDb::Path(tmp.path()));
  auto refused = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("schema version 7"));

  auto db = NodeSchema::OpenForAgent(tmp.path());
  REQUIRE(db.ok());
  auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  REQUIRE(version.ok());
  CHECK(**version == NodeSchema::kVersion);
  CHECK_FALSE(HasTable(*db, "records_fts"));
  CHECK(CountRows(*db, "records") == 2);  // the replica stays
  // Searchable before the agent has indexed anything, and after.
  CHECK(cen::test::TextMatches(*db, "cocaine") == 1);
  CHECK(cen::test::TextMatches(*db, "cigarettes") == 1);
  CHECK(cen::test::TextMatches(*db, "furniture") == 0);
  CHECK(cen::test::IndexText(tmp) == 3);
  CHECK(cen::test::TextMatches(*db, "cocaine") == 1);
  CHECK(cen::test::TextMatches(*db, "cigarettes") == 1);
  CHECK(cen::test::TextMatches(*db, "machinery") == 1);
  CHECK(cen::test::TextMatches(*db, "furniture") == 0);
  cen::node::Replica replica(&*db);
  RequireOk(replica.Load());
  CHECK(replica.cursor() == 3);
}

TEST_CASE("A schema 8 node.db is upgraded in place: the hub's verdicts move to own_acks",
          "[node][schema]") {
  TempDir tmp;
  {
    // Three own versions as schema 8 kept them: one accepted, one rejected,
    // one still queued in the outbox.
    auto db = cen::test::CreateNodeDb(tmp);
    RequireOk(db.Exec(kBackToSchema8));
    RequireOk(db.Exec(
        "INSERT INTO own_records(uuid, version, kind, ref, body, queued_at, status, gseq, reason) "
        "VALUES ('u-a', 1, 'seizure', 'A-1', x'80', '2026-01-01T00:00:00Z', 'accepted', 7, NULL),"
        "       ('u-r', 1, 'seizure', 'R-1', x'80', '2026-01-01T00:00:01Z', 'rejected', NULL, "
        "        'ref taken'),"
        "       ('u-q', 1, 'seizure', 'Q-1', x'80', '2026-01-01T00:00:02Z', 'queued', NULL, NULL);"
        "INSERT INTO outbox(uuid, version) VALUES ('u-q', 1);"));
  }
  auto refused = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("schema version 8"));

  auto db = NodeSchema::OpenForAgent(tmp.path());
  REQUIRE(db.ok());
  auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  REQUIRE(version.ok());
  CHECK(**version == NodeSchema::kVersion);
  auto stmt = db->Prepare(
      "SELECT uuid || ' ' || status || ' ' || coalesce(gseq, '-') || ' ' || coalesce(reason, '-') "
      "FROM own_status ORDER BY uuid");
  REQUIRE(stmt.ok());
  std::vector<std::string> rows;
  for (auto row = stmt->Step(); row.ok() && *row; row = stmt->Step())
    rows.push_back(stmt->ColumnText(0));
  CHECK(rows ==
        std::vector<std::string>{"u-a accepted 7 -", "u-q queued - -", "u-r rejected - ref taken"});
  CHECK(CountRows(*db, "own_acks") == 2);
  CHECK(CountRows(*db, "outbox") == 1);
  // own_records keeps the bodies only.
  CHECK(db->QueryInt("SELECT count(*) FROM pragma_table_info('own_records') WHERE name IN "
                     "('status', 'gseq', 'reason')")
            ->value_or(-1) == 0);
  // The agent goes on from there: a hub restored from before gseq 7 gets
  // the accepted version again; the rejected one stays rejected.
  cen::node::Outbox outbox(&*db);
  auto again = outbox.RequeueAbove(6);
  REQUIRE(again.ok());
  CHECK(*again == 1);
  CHECK(CountRows(*db, "outbox") == 2);
  CHECK(CountRows(*db, "own_acks") == 1);
}

TEST_CASE("A node.db of 4 KiB pages gets 16 KiB pages when the agent opens it, nothing lost",
          "[node][schema]") {
  TempDir tmp;
  std::string replica_before;
  {
    auto db = cen::test::CreateNodeDb(tmp);
    cen::node::Replica replica(&db);
    RequireOk(replica.Load());
    std::vector<nlohmann::json> records;
    for (int g = 1; g <= 40; ++g)
      records.push_back(cen::test::AsStored(
          cen::test::WireSeizure("R" + std::to_string(g), "u-" + std::to_string(g)), g, "H0"));
    RequireOk(replica.Apply(Packed(records), 40));
    RequireOk(
        db.Exec("INSERT INTO own_records(uuid, version, kind, ref, body, queued_at) "
                "  VALUES ('u-own', 1, 'seizure', 'MINE-1', x'80', '2026-01-01T00:00:00Z');"
                "INSERT INTO outbox(uuid, version) VALUES ('u-own', 1);"));
    // As every node.db made before 2026-12-05.
    cen::test::SetPageSize(db, 4096);
    REQUIRE(db.QueryInt("PRAGMA page_size")->value_or(0) == 4096);
    replica_before = db.QueryText(
                           "SELECT group_concat(gseq || doc) FROM (SELECT gseq, doc FROM documents "
                           "ORDER BY gseq)")
                         ->value_or("");
  }
  // cen-query and the other commands read it as it is.
  {
    auto reader = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
    REQUIRE(reader.ok());
    CHECK(reader->QueryInt("PRAGMA page_size")->value_or(0) == 4096);
  }
  auto db = NodeSchema::OpenForAgent(tmp.path());
  REQUIRE(db.ok());
  CHECK(db->QueryInt("PRAGMA page_size")->value_or(0) == Database::kPageBytes);
  CHECK(db->QueryText("PRAGMA journal_mode")->value_or("") == "wal");
  CHECK(db->QueryText("PRAGMA integrity_check")->value_or("") == "ok");
  CHECK(CountRows(*db, "records") == 40);
  CHECK(
      db->QueryText(
            "SELECT group_concat(gseq || doc) FROM (SELECT gseq, doc FROM documents ORDER BY gseq)")
          ->value_or("") == replica_before);
  CHECK(CountRows(*db, "outbox") == 1);
  CHECK(CountRows(*db, "own_records") == 1);
}

namespace {

// NCP-FR's seizure R<n> version `version` at `gseq`, as the hub sends it
// to the NCP and its RILO while the RILO decides.
nlohmann::json Waiting(int n, int64_t version, int64_t gseq, const std::string& description) {
  nlohmann::json r = cen::test::AsStored(SeizureNumber(n), gseq);
  r["version"] = version;
  r["origin"] = "NCP-FR";
  r["validation"] = "pending";
  r["rilo"] = "RILO-WE";
  r["description"] = description;
  return r;
}

}  // namespace

TEST_CASE("A schema 9 node.db is upgraded in place: accepted versions an amendment hid come back",
          "[node][schema][validation]") {
  TempDir tmp;
  {
    // R1 accepted in version 1, then amended (version 2 waits); R2 returned
    // in version 1, then amended (version 2 waits: nothing was in force).
    auto db = cen::test::CreateNodeDb(tmp, "RILO-WE");
    cen::node::Replica replica = ReplicaOfE1(db);
    const auto r1 = Waiting(1, 1, 1, "cigarettes in a van");
    const auto r2 = Waiting(2, 1, 3, "cigars in a boat");
    RequireOk(replica.Apply(
        Packed({r1, cen::test::RiloDecision(r1, "accept", 2), r2,
                cen::test::RiloDecision(r2, "return", 4), Waiting(1, 2, 5, "cigarettes in a lorry"),
                Waiting(2, 2, 6, "cigars in a yacht"),
                cen::test::AsStored(cen::test::SampleAlert("A-1"), 7)}),
        7));
    RequireOk(
        replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1)).status());
    CHECK(cen::test::IndexText(tmp) == 7);
    RequireOk(db.Exec("DELETE FROM hit_scans"));  // its scan done long ago
    // What schema 9 made of it: R1's accepted version in the history only.
    RequireOk(
        db.Exec("INSERT INTO version_history(gseq, uuid, version, origin, received_at, doc) "
                "SELECT r.gseq, r.uuid, r.version, r.origin, r.received_at, d.doc FROM records r "
                "JOIN documents d ON d.gseq = r.gseq WHERE r.gseq = 2; "
                "DELETE FROM records WHERE gseq = 2; DELETE FROM documents WHERE gseq = 2; "
                "DELETE FROM record_countries WHERE record_id = 2; "
                "DELETE FROM record_dates WHERE record_id = 2;"));
    RequireOk(db.Exec(kBackToSchema9));
  }
  auto refused = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("schema version 9"));

  auto db = NodeSchema::OpenForAgent(tmp.path());
  RequireOk(db.status());
  auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  REQUIRE(version.ok());
  CHECK(**version == NodeSchema::kVersion);
  CHECK(CountRows(*db, "records") == 3);  // both amendments, waiting, and the alert
  // The alert is matched against the history again (a scan cut short by
  // its deadline skipped matches before).
  CHECK(QueryNumber(*db, "SELECT count(*) FROM hit_scans WHERE next_id = 0 AND last_id = 7") == 1);
  cen::node::Replica replica(&*db);
  RequireOk(replica.Load());
  auto restored = replica.RestoreVersionsInForce();
  RequireOk(restored.status());
  CHECK(*restored == 1);
  CHECK(QueryNumber(*db, "SELECT gseq FROM records WHERE validation IS NULL") == 2);
  CHECK(QueryNumber(*db, "SELECT count(*) FROM version_history WHERE gseq = 2") == 0);
  auto count = replica.Count();
  RequireOk(count.status());
  CHECK(*count == 3);  // R1 (in force, its amendment beside it), R2 (waiting), the alert
  // Found by its words (indexed before schema 9 hid it) and its countries.
  CHECK(cen::test::TextMatches(*db, "van") == 1);
  RequireOk(
      replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1)).status());
  CHECK(QueryNumber(*db, "SELECT count(*) FROM record_dates WHERE record_id = 2") == 1);
  // Once done, there is nothing more to restore.
  restored = replica.RestoreVersionsInForce();
  RequireOk(restored.status());
  CHECK(*restored == 0);
  // The upgraded table takes an amendment beside the version in force.
  RequireOk(replica.Apply(Packed({Waiting(1, 3, 8, "cigarettes in a bus")}), 8));
  CHECK(QueryNumber(*db, "SELECT version FROM records WHERE validation IS NULL AND uuid = '" +
                             SeizureNumber(1)["uuid"].get<std::string>() + "'") == 1);
}
