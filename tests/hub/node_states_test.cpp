#include "hub/node_states.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::hub::NodeRegistry;
using cen::hub::NodeStates;
using cen::test::RequireOk;
using nlohmann::json;

namespace {

struct NodeStatesFixture {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateHubDb(tmp);
  NodeRegistry registry{&db};
  NodeStates states;
  NodeStatesFixture() {
    RequireOk(registry.Refresh());
    RequireOk(registry.Allow({"eu", cen::test::NewPublicKey(), "EU"}));
  }
  // replica_gseq, outbox and seen_at as hub.db holds them for `eu`.
  std::string Row() {
    auto stmt = db.Prepare(
        "SELECT coalesce(replica_gseq,'-') || '/' || coalesce(outbox,'-') || '/' || "
        "coalesce(last_seen,'-') FROM nodes WHERE id = 'eu'");
    RequireOk(stmt.status());
    REQUIRE(*stmt->Step());
    return stmt->ColumnText(0);
  }
};

}  // namespace

TEST_CASE("NodeStates writes what a node last said of itself at the next flush", "[hub][nodes]") {
  NodeStatesFixture f;
  RequireOk(f.states.Note("eu", {{"t", "HELLO"}, {"replica_gseq", 10}, {"outbox", 3}}, "T1"));
  RequireOk(f.states.Note("eu", {{"t", "PING"}, {"replica_gseq", 12}}, "T2"));
  CHECK(f.states.dirty() == 1);
  RequireOk(f.states.Flush(f.registry));
  CHECK(f.Row() == "12/3/T2");  // a PING without "outbox" keeps the last one
  CHECK(f.states.dirty() == 0);
}

TEST_CASE("NodeStates refuses a counter that is not an integer of 0 or more", "[hub][nodes]") {
  NodeStatesFixture f;
  RequireOk(f.states.Note("eu", {{"t", "PING"}, {"replica_gseq", 5}, {"outbox", 0}}, "T1"));
  RequireOk(f.states.Flush(f.registry));
  for (const json& bad :
       {json{{"t", "PING"}, {"replica_gseq", -1}}, json{{"t", "PING"}, {"outbox", "many"}},
        json{{"t", "HELLO"}, {"replica_gseq", 7}, {"outbox", -3}}}) {
    CAPTURE(bad.dump());
    const auto s = f.states.Note("eu", bad, "T9");
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains(bad.contains("outbox") ? "outbox" : "replica_gseq"));
  }
  CHECK(f.states.dirty() == 0);  // nothing of a refused frame is kept
  CHECK(f.Row() == "5/0/T1");
}

TEST_CASE("NodeStates keeps what it could not write for the next flush", "[hub][nodes]") {
  NodeStatesFixture f;
  RequireOk(f.states.Note("eu", {{"t", "PING"}, {"replica_gseq", 8}}, "T1"));
  RequireOk(f.db.Exec("PRAGMA query_only=1"));
  CHECK_FALSE(f.states.Flush(f.registry).ok());
  CHECK(f.states.dirty() == 1);
  RequireOk(f.db.Exec("PRAGMA query_only=0"));
  RequireOk(f.states.Flush(f.registry));
  CHECK(f.Row().rfind("8/", 0) == 0);
}

TEST_CASE("NodeStates names a node once when it falls silent, and again after it was heard",
          "[hub][nodes]") {
  NodeStates states;
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = [&](int seconds) { return t0 + std::chrono::seconds(seconds); };
  const auto silence = std::chrono::seconds(10);
  RequireOk(states.Note("eu", {{"t", "HELLO"}}, "T0", s(0)));
  RequireOk(states.Note("af", {{"t", "HELLO"}}, "T0", s(0)));
  RequireOk(states.Note("af", {{"t", "PING"}}, "T5", s(5)));
  CHECK(states.NewlySilent(s(9), silence).empty());
  CHECK(states.NewlySilent(s(10), silence) == std::vector<std::string>{"eu"});
  CHECK(states.NewlySilent(s(12), silence).empty());  // said once
  CHECK(states.NewlySilent(s(15), silence) == std::vector<std::string>{"af"});
  RequireOk(states.Note("eu", {{"t", "HELLO"}}, "T20", s(20)));
  CHECK(states.NewlySilent(s(29), silence).empty());
  CHECK(states.NewlySilent(s(30), silence) == std::vector<std::string>{"eu"});
}
