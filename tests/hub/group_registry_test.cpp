#include "hub/group_registry.h"

#include <catch2/catch.hpp>
#include <string>

#include "hub/node_registry.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::StatusCode;
using cen::hub::GroupRegistry;
using cen::hub::NodeRegistry;
using cen::test::CreateHubDb;
using cen::test::RequireOk;
using cen::test::TempDir;

TEST_CASE("GroupRegistry keeps members of groups in force", "[hub][groups]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  NodeRegistry nodes(&db);
  RequireOk(nodes.Allow({"n1", cen::test::NewPublicKey(), "EU"}));
  RequireOk(nodes.Allow({"n2", cen::test::NewPublicKey(), "AF"}));
  GroupRegistry groups(&db);

  RequireOk(groups.Create("OP-1", ""));
  CHECK(groups.Create("OP-1", "").code() == StatusCode::kAlreadyExists);
  RequireOk(groups.Add("OP-1", "n1"));
  RequireOk(groups.Add("OP-1", "n1"));  // again: no change
  CHECK(groups.Add("OP-1", "ghost").code() == StatusCode::kNotFound);
  CHECK(groups.Add("NOPE", "n1").code() == StatusCode::kNotFound);
  RequireOk(groups.Refresh());
  CHECK(groups.IsMember("OP-1", "n1"));
  CHECK_FALSE(groups.IsMember("OP-1", "n2"));

  // A change through another connection (cen-hub group on a running hub).
  Database other = cen::test::ReopenHubDb(tmp);
  GroupRegistry cli(&other);
  RequireOk(cli.Add("OP-1", "n2"));
  RequireOk(cli.Remove("OP-1", "n1"));
  CHECK(cli.Remove("OP-1", "n1").code() == StatusCode::kNotFound);
  RequireOk(groups.Refresh());
  CHECK(groups.IsMember("OP-1", "n2"));
  CHECK_FALSE(groups.IsMember("OP-1", "n1"));

  RequireOk(cli.Create("PAST", "2001-02-03"));
  RequireOk(cli.Add("PAST", "n2"));
  RequireOk(groups.Refresh());
  CHECK_FALSE(groups.IsMember("PAST", "n2"));  // expired

  auto list = groups.List();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "OP-1");
  CHECK((*list)[0].members == std::vector<std::string>{"n2"});
  CHECK((*list)[1].expires == "2001-02-03");

  // What WELCOME and PONG tell a node: the groups in force it belongs to.
  RequireOk(cli.Create("OP-0", ""));
  RequireOk(cli.Add("OP-0", "n2"));
  RequireOk(groups.Refresh());
  CHECK(groups.GroupsOf("n2") == std::vector<std::string>{"OP-0", "OP-1"});
  CHECK(groups.GroupsOf("n1").empty());
  // And since when: taken out and added again, a membership is a new one
  // (records the group got meanwhile were withheld from the node).
  RequireOk(cli.Remove("OP-1", "n2"));
  RequireOk(cli.Add("OP-1", "n2", "2026-12-07T08:00:00.123Z"));
  RequireOk(groups.Refresh());
  const std::vector<std::string> since = groups.GroupsSince("n2");
  REQUIRE(since.size() == 2);
  CHECK(since[1] == "2026-12-07T08:00:00.123Z");
  CHECK(since[0].size() == 24);
}

TEST_CASE("GroupRegistry checks names and dates", "[hub][groups]") {
  CHECK(GroupRegistry::IsValidName("OP-TIDE_2026"));
  CHECK_FALSE(GroupRegistry::IsValidName(""));
  CHECK_FALSE(GroupRegistry::IsValidName("op.tide"));
  CHECK_FALSE(GroupRegistry::IsValidName(std::string(33, 'a')));
  CHECK(GroupRegistry::IsValidDate("2026-12-31"));
  CHECK_FALSE(GroupRegistry::IsValidDate("2026-13-01"));
  CHECK_FALSE(GroupRegistry::IsValidDate("2026-1-01"));
  CHECK_FALSE(GroupRegistry::IsValidDate("26-01-01xx"));
}
