// hub.toml's [cluster] table: written and read back, and every mistake an
// operator can make named by its field.
#include "hub/hub_config.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::StatusCode;
using cen::hub::ClusterMemberConfig;
using cen::hub::HubConfig;
using cen::test::NewKeys;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

HubConfig ThreeMembers() {
  HubConfig c;
  c.cluster_member = 2;
  for (int64_t id = 1; id <= 3; ++id) {
    c.cluster_members.push_back({id, "tcp://10.0.0." + std::to_string(id) + ":7703",
                                 "tcp://10.0.0." + std::to_string(id) + ":7701",
                                 NewKeys().public_key()});
  }
  return c;
}

}  // namespace

TEST_CASE("hub.toml keeps a cluster member's table", "[hub][config][cluster]") {
  TempDir dir;
  const HubConfig written = ThreeMembers();
  RequireOk(written.Save(dir.path()));
  auto read = HubConfig::Load(dir.path());
  REQUIRE(read.ok());
  CHECK(read->clustered());
  CHECK(read->cluster_member == 2);
  REQUIRE(read->cluster_members.size() == 3);
  CHECK(read->self().raft == "tcp://10.0.0.2:7703");
  CHECK(read->cluster_members[2].key == written.cluster_members[2].key);
  CHECK(read->snapshot_every == 1024);
  CHECK(read->log_kept == 256);
  CHECK(read->election_timeout_ms == 750);

  SECTION("snapshot and election settings") {
    HubConfig small = written;
    small.snapshot_every = 16;
    small.log_kept = 4;
    small.election_timeout_ms = 3000;
    RequireOk(small.Save(dir.path()));
    auto again = HubConfig::Load(dir.path());
    REQUIRE(again.ok());
    CHECK(again->snapshot_every == 16);
    CHECK(again->log_kept == 4);
    CHECK(again->election_timeout_ms == 3000);
  }

  SECTION("a single hub has no table") {
    RequireOk(HubConfig{}.Save(dir.path()));
    auto single = HubConfig::Load(dir.path());
    REQUIRE(single.ok());
    CHECK_FALSE(single->clustered());
  }
}

TEST_CASE("hub.toml's cluster table is refused naming the field at fault",
          "[hub][config][cluster]") {
  TempDir dir;
  HubConfig c = ThreeMembers();
  std::string field;
  SECTION("this member not listed") {
    c.cluster_member = 4;
    field = "member: 4 is not among the members";
  }
  SECTION("an id twice") {
    c.cluster_members[2].id = 1;
    field = "members[2].id: 1 is listed twice";
  }
  SECTION("a Raft endpoint that is not tcp://") {
    c.cluster_members[0].raft = "10.0.0.1:7703";
    field = "members[0].raft";
  }
  SECTION("a Raft endpoint without a port") {
    c.cluster_members[0].raft = "tcp://10.0.0.1";
    field = "members[0].raft";
  }
  SECTION("an endpoint with a blank in it") {
    c.cluster_members[2].ingest = "tcp://10.0.0.3 :7701";
    field = "members[2].ingest";
  }
  SECTION("an ingest endpoint that is not tcp://") {
    c.cluster_members[1].ingest = "";
    field = "members[1].ingest";
  }
  SECTION("two members with one key") {
    c.cluster_members[2].key = c.cluster_members[0].key;
    field = "members[2].key: another member has it";
  }
  SECTION("snapshots after every entry") {
    c.snapshot_every = 1;
    field = "snapshot_every: must be 2 to 1000000 entries";
  }
  SECTION("a log that keeps less than nothing") {
    c.log_kept = -1;
    field = "log_kept";
  }
  SECTION("an election timeout shorter than a heartbeat could travel") {
    c.election_timeout_ms = 50;
    field = "election_timeout_ms: must be 200 to 60000 milliseconds";
  }
  SECTION("a key that is not one") {
    c.cluster_members[1].key = "not-a-key";
    field = "members[1].key";
  }
  RequireOk(c.Save(dir.path()));
  auto read = HubConfig::Load(dir.path());
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kInvalidInput);
  CHECK_THAT(read.status().message(), Catch::Contains("hub.toml: [cluster]: " + field));
}

TEST_CASE("hub.toml bounds hub.db's log in MiB, naming the field when it is wrong",
          "[hub][config]") {
  TempDir dir;
  HubConfig c;
  CHECK(c.max_log_mib == 64);
  c.max_log_mib = 8;
  RequireOk(c.Save(dir.path()));
  auto read = HubConfig::Load(dir.path());
  REQUIRE(read.ok());
  CHECK(read->max_log_mib == 8);

  std::string text;
  std::string field;
  SECTION("zero") {
    text = "max_log_mib = 0\n";
    field = "max_log_mib: must be 1 to 65536 (MiB), got 0";
  }
  SECTION("beyond 64 GiB") {
    text = "max_log_mib = 65537\n";
    field = "max_log_mib: must be 1 to 65536 (MiB), got 65537";
  }
  SECTION("a string") {
    text = "max_log_mib = \"64M\"\n";
    field = "max_log_mib: must be an integer (MiB)";
  }
  std::ofstream(dir.path() + "/hub.toml") << "hub_id = \"hub\"\n" << text;
  auto bad = HubConfig::Load(dir.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidInput);
  CHECK_THAT(bad.status().message(), Catch::Contains("hub.toml: " + field));
}

TEST_CASE("hub.toml sets the urgent lane's real-time priority, naming the field when it is wrong",
          "[hub][config]") {
  TempDir dir;
  HubConfig c;
  CHECK(c.rt_priority == 1);
  c.rt_priority = 5;
  RequireOk(c.Save(dir.path()));
  auto read = HubConfig::Load(dir.path());
  REQUIRE(read.ok());
  CHECK(read->rt_priority == 5);

  std::ofstream(dir.path() + "/hub.toml") << "hub_id = \"hub\"\nrt_priority = 1.5\n";
  auto bad = HubConfig::Load(dir.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidInput);
  CHECK_THAT(bad.status().message(),
             Catch::Contains("hub.toml: rt_priority: must be an integer from 0 (none) to 99"));
}

TEST_CASE("hub.toml's election timeout must be a whole number of milliseconds",
          "[hub][config][cluster]") {
  TempDir dir;
  RequireOk(ThreeMembers().Save(dir.path()));
  std::string toml;
  {
    std::ifstream in(dir.path() + "/hub.toml");
    toml.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto at = toml.find("election_timeout_ms = 750");
  REQUIRE(at != std::string::npos);
  toml.replace(at, std::string("election_timeout_ms = 750").size(), "election_timeout_ms = \"2s\"");
  std::ofstream(dir.path() + "/hub.toml") << toml;
  auto bad = HubConfig::Load(dir.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidInput);
  CHECK_THAT(bad.status().message(),
             Catch::Contains("hub.toml: election_timeout_ms: must be an integer (milliseconds)"));
}

TEST_CASE("hub.toml refuses a port of the wrong type or out of range, naming it", "[hub][config]") {
  // A quoted port was ignored (the hub listened on the default) and 70000
  // wrapped into 4464 while the log said 70000.
  TempDir dir;
  const auto with = [&](const std::string& line) {
    std::ofstream(dir.File("hub.toml")) << "hub_id = 'hub'\n" << line << "\n";
    return HubConfig::Load(dir.path());
  };
  SECTION("a quoted number") {
    auto c = with("ingest_port = \"abc\"");
    REQUIRE(c.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(c.status().message(),
               Catch::Contains("hub.toml: ingest_port: must be an integer from 1 to 65535 (it is "
                               "\"abc\")"));
  }
  SECTION("beyond 65535") {
    auto c = with("feed_port = 70000");
    REQUIRE(c.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(c.status().message(), Catch::Contains("feed_port: must be an integer from 1 to "
                                                     "65535 (it is 70000)"));
  }
  SECTION("a name that is not text") {
    auto c = with("bind = 127");
    REQUIRE(c.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(c.status().message(), Catch::Contains("bind: must be text in quotes (it is 127)"));
  }
  SECTION("in range") {
    auto c = with("ingest_port = 27001");
    RequireOk(c.status());
    CHECK(c->ingest_port == 27001);
  }
}

TEST_CASE("hub.toml refuses a misspelled setting, naming it and the settings there",
          "[hub][config]") {
  // bogus_key = 3 and election_timout_ms = 5000 (a typo) were ignored.
  TempDir dir;
  std::ofstream(dir.File("hub.toml")) << "hub_id = 'hub'\nbogus_key = 3\n";
  CHECK_THAT(HubConfig::Load(dir.path()).status().message(),
             Catch::Contains("hub.toml: bogus_key: not a setting (the settings here: hub_id, "));
  std::ofstream(dir.File("hub.toml")) << "hub_id = 'hub'\n[cluster]\nmember = 1\n"
                                         "election_timout_ms = 5000\n";
  CHECK_THAT(HubConfig::Load(dir.path()).status().message(),
             Catch::Contains("hub.toml: [cluster]: election_timout_ms: not a setting (the "
                             "settings here: member, snapshot_every,"));
  std::ofstream(dir.File("hub.toml")) << "hub_id = 'hub'\n[cluster]\nmember = '1'\n";
  CHECK_THAT(HubConfig::Load(dir.path()).status().message(),
             Catch::Contains("hub.toml: [cluster]: member: must be an integer"));
}
