#include "hub/node_registry.h"

#include <catch2/catch.hpp>
#include <string>

#include "hub/hub_schema.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::Status;
using cen::common::StatusCode;
using cen::hub::HubSchema;
using cen::hub::NodeInfo;
using cen::hub::NodeRegistry;
using cen::test::CreateHubDb;
using cen::test::NewPublicKey;
using cen::test::RequireOk;
using cen::test::TempDir;

TEST_CASE("NodeRegistry registers nodes and finds them by id and key", "[hub][registry]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  NodeRegistry registry(&db);
  RequireOk(registry.Refresh());
  CHECK(registry.nodes().empty());

  const std::string key_eu = NewPublicKey();
  const std::string key_any = NewPublicKey();
  RequireOk(registry.Allow({"n-eu", key_eu, "EU"}));
  RequireOk(registry.Allow({"n-any", key_any, ""}));
  CHECK(registry.nodes().size() == 2);

  const NodeInfo* eu = registry.Find("n-eu");
  REQUIRE(eu != nullptr);
  CHECK(eu->pubkey == key_eu);
  CHECK(eu->region == "EU");
  const NodeInfo* any = registry.Find("n-any");
  REQUIRE(any != nullptr);
  CHECK(any->region.empty());
  CHECK(registry.Find("n-missing") == nullptr);

  auto by_key = registry.FindByKey(key_any);
  REQUIRE(by_key.has_value());
  CHECK(by_key->id == "n-any");
  CHECK_FALSE(registry.FindByKey(NewPublicKey()).has_value());

  SECTION("Allow on a known id updates its key and region") {
    const std::string new_key = NewPublicKey();
    RequireOk(registry.Allow({"n-eu", new_key, "XX"}));
    CHECK(registry.nodes().size() == 2);
    REQUIRE(registry.Find("n-eu") != nullptr);
    CHECK(registry.Find("n-eu")->pubkey == new_key);
    CHECK(registry.Find("n-eu")->region == "XX");
    CHECK_FALSE(registry.FindByKey(key_eu).has_value());  // the old key no longer gets in
  }
  SECTION("a key already registered to another node is refused") {
    const Status s = registry.Allow({"n-thief", key_eu, "EU"});
    CHECK(s.code() == StatusCode::kAlreadyExists);
    CHECK_THAT(s.message(), Catch::StartsWith("key:"));
    CHECK(registry.Find("n-thief") == nullptr);
    auto owner = registry.FindByKey(key_eu);
    REQUIRE(owner.has_value());
    CHECK(owner->id == "n-eu");
  }
  SECTION("the registry survives a reopen") {
    auto reopened = HubSchema::Open(tmp.path());
    REQUIRE(reopened.ok());
    NodeRegistry again(&*reopened);
    RequireOk(again.Refresh());
    CHECK(again.nodes().size() == 2);
    REQUIRE(again.Find("n-eu") != nullptr);
    CHECK(again.Find("n-eu")->region == "EU");
  }
}

TEST_CASE("NodeRegistry::Refresh sees a change made through another connection",
          "[hub][registry]") {
  TempDir tmp;
  Database hub_db = CreateHubDb(tmp);
  NodeRegistry running(&hub_db);  // the running hub's view
  RequireOk(running.Refresh());
  CHECK(running.nodes().empty());

  // `cen-hub allow` from another process: its own connection.
  auto cli_db = HubSchema::Open(tmp.path());
  REQUIRE(cli_db.ok());
  NodeRegistry cli(&*cli_db);
  const std::string key = NewPublicKey();
  RequireOk(cli.Allow({"n-late", key, "EU"}));

  RequireOk(running.Refresh());
  REQUIRE(running.Find("n-late") != nullptr);
  CHECK(running.FindByKey(key).has_value());

  SECTION("and an update of the region") {
    RequireOk(cli.Allow({"n-late", key, "XX"}));
    RequireOk(running.Refresh());
    REQUIRE(running.Find("n-late") != nullptr);
    CHECK(running.Find("n-late")->region == "XX");
  }
  SECTION("and a row removed by hand") {
    RequireOk(cli_db->Exec("DELETE FROM nodes WHERE id = 'n-late'"));
    RequireOk(running.Refresh());
    CHECK(running.Find("n-late") == nullptr);
    CHECK_FALSE(running.FindByKey(key).has_value());
  }
}

TEST_CASE("NodeRegistry records what a node last reported", "[hub][registry]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  NodeRegistry registry(&db);
  RequireOk(registry.Allow({"n1", NewPublicKey(), ""}));
  RequireOk(registry.RecordNodeState("n1", "2026-11-28T03:00:00.000Z", 41, 3));
  auto stmt = db.Prepare("SELECT last_seen, replica_gseq, outbox FROM nodes WHERE id = 'n1'");
  REQUIRE(stmt.ok());
  REQUIRE(*stmt->Step());
  CHECK(stmt->ColumnText(0) == "2026-11-28T03:00:00.000Z");
  CHECK(stmt->ColumnInt(1) == 41);
  CHECK(stmt->ColumnInt(2) == 3);
}

TEST_CASE("NodeRegistry revokes a node, and allow admits it again", "[hub][registry]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  NodeRegistry registry(&db);
  const std::string key = NewPublicKey();
  RequireOk(registry.Allow({"n1", key, "EU"}));
  CHECK(registry.Revoke("ghost").code() == StatusCode::kNotFound);
  RequireOk(registry.Revoke("n1"));
  REQUIRE(registry.Find("n1") != nullptr);
  CHECK(registry.Find("n1")->revoked);
  CHECK(registry.FindActive("n1") == nullptr);
  CHECK(registry.FindByKey(key)->revoked);  // ZAP sees it, and refuses it

  const std::string fresh = NewPublicKey();
  RequireOk(registry.Allow({"n1", fresh, "EU"}));
  REQUIRE(registry.FindActive("n1") != nullptr);
  CHECK(registry.FindActive("n1")->pubkey == fresh);
  CHECK_FALSE(registry.FindByKey(key).has_value());  // the old key is gone
}
