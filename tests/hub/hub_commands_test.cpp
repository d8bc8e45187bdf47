#include "hub/hub_commands.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/clock.h"
#include "common/curve_keys.h"
#include "common/instance_lock.h"
#include "common/messages.h"
#include "common/sqlite_db.h"
#include "common/state_file.h"
#include "hub/group_registry.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "hub/node_registry.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Database;
using cen::common::Status;
using cen::common::StatusCode;
using cen::hub::AllowOptions;
using cen::hub::HubCommands;
using cen::hub::HubConfig;
using cen::hub::HubSchema;
using cen::hub::InitOptions;
using cen::test::NewPublicKey;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;

namespace {

InitOptions Init(const TempDir& tmp) {
  InitOptions o;
  o.data_dir = tmp.File("hub");
  o.ingest_port = 17701;
  o.feed_port = 17702;
  o.hub_id = "hub-1";
  return o;
}

AllowOptions Allow(const TempDir& tmp, const std::string& id, const std::string& key,
                   const std::string& region = "") {
  AllowOptions o;
  o.data_dir = tmp.File("hub");
  o.node_id = id;
  o.key = key;
  o.region = region;
  return o;
}

}  // namespace

TEST_CASE("cen-hub init makes a hub data directory", "[hub][commands]") {
  TempDir tmp;
  const InitOptions o = Init(tmp);
  std::ostringstream out;
  RequireOk(HubCommands::Init(o, out));

  std::string printed = out.str();
  REQUIRE_FALSE(printed.empty());
  CHECK(printed.back() == '\n');
  printed.pop_back();
  auto keys = CurveKeys::Load(o.data_dir);
  REQUIRE(keys.ok());
  CHECK(printed == keys->public_key());  // the key to hand to the nodes

  auto config = HubConfig::Load(o.data_dir);
  REQUIRE(config.ok());
  CHECK(config->hub_id == "hub-1");
  CHECK(config->ingest_port == 17701);
  CHECK(config->feed_port == 17702);
  CHECK(config->bind == "127.0.0.1");

  auto db = HubSchema::Open(o.data_dir);
  REQUIRE(db.ok());
  auto head = db->QueryInt("SELECT count(*) FROM journal");
  REQUIRE(head.ok());
  CHECK(*head == std::optional<int64_t>(0));

  struct stat st {};
  REQUIRE(::stat(o.data_dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);  // case data: the directory is the owner's alone

  SECTION("a second init refuses to overwrite the hub") {
    std::ostringstream again;
    const Status s = HubCommands::Init(o, again);
    CHECK(s.code() == StatusCode::kAlreadyExists);
    auto still = CurveKeys::Load(o.data_dir);
    REQUIRE(still.ok());
    CHECK(still->public_key() == keys->public_key());
  }
}

TEST_CASE("cen-hub init refuses bad options before touching the disk", "[hub][commands]") {
  TempDir tmp;
  struct HubCommandsCase {
    const char* name;
    InitOptions options;
  };
  InitOptions same_ports = Init(tmp);
  same_ports.feed_port = same_ports.ingest_port;
  InitOptions bad_port = Init(tmp);
  bad_port.ingest_port = 70000;
  InitOptions zero_port = Init(tmp);
  zero_port.feed_port = 0;
  InitOptions bad_id = Init(tmp);
  bad_id.hub_id = "hub one";
  InitOptions empty_id = Init(tmp);
  empty_id.hub_id = "";
  const HubCommandsCase cases[] = {{"same ports", same_ports},
                                   {"port over 65535", bad_port},
                                   {"port 0", zero_port},
                                   {"id with a space", bad_id},
                                   {"empty id", empty_id}};
  for (const auto& c : cases) {
    INFO(c.name);
    std::ostringstream out;
    const Status s = HubCommands::Init(c.options, out);
    CHECK(s.code() == StatusCode::kUsage);
    CHECK(s.ExitCode() == 2);
    CHECK_FALSE(std::filesystem::exists(c.options.data_dir));
  }
}

TEST_CASE("cen-hub allow registers nodes, status lists them", "[hub][commands]") {
  TempDir tmp;
  std::ostringstream ignored;
  RequireOk(HubCommands::Init(Init(tmp), ignored));
  const std::string key = NewPublicKey();

  std::ostringstream out;
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", key, "EU"), out));
  CHECK_THAT(out.str(), Catch::Contains("rilo-weu"));

  // A key given as the path of a node's curve.pub.
  TempDir node_keys;
  auto node = CurveKeys::Generate();
  REQUIRE(node.ok());
  RequireOk(node->Save(node_keys.path()));
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-cis", node_keys.File("curve.pub")), out));

  cen::hub::StatusOptions so;
  so.data_dir = tmp.File("hub");
  so.json = true;
  std::ostringstream status_out;
  RequireOk(HubCommands::Status(so, status_out));
  const json status = json::parse(status_out.str());
  CHECK(status["head"] == 0);
  REQUIRE(status["nodes"].size() == 2);
  CHECK(status["nodes"][0]["id"] == "rilo-cis");  // sorted by id
  CHECK(status["nodes"][0]["key"] == node->public_key());
  CHECK(status["nodes"][0]["region"] == "");
  CHECK(status["nodes"][1]["id"] == "rilo-weu");
  CHECK(status["nodes"][1]["region"] == "EU");
  CHECK(status["nodes"][1]["key"] == key);

  // The text form, in French: a table of translated headers.
  so.json = false;
  RequireOk(cen::common::Messages::Use("fr"));
  std::ostringstream text;
  const Status shown = HubCommands::Status(so, text);
  RequireOk(cen::common::Messages::Use("en"));
  RequireOk(shown);
  CHECK_THAT(text.str(), Catch::Contains("NŒUD") && Catch::Contains("DERNIER CONTACT") &&
                             Catch::Contains("rilo-weu") && Catch::Contains("jamais"));

  SECTION("the table form names every node") {
    so.json = false;
    std::ostringstream table;
    RequireOk(HubCommands::Status(so, table));
    CHECK_THAT(table.str(), Catch::Contains("rilo-weu"));
    CHECK_THAT(table.str(), Catch::Contains("never"));
  }
}

TEST_CASE("cen-hub allow refuses what it cannot register", "[hub][commands]") {
  TempDir tmp;
  std::ostringstream out;
  RequireOk(HubCommands::Init(Init(tmp), out));
  const std::string key = NewPublicKey();
  RequireOk(HubCommands::Allow(Allow(tmp, "n1", key, "EU"), out));

  struct HubCommandsCase {
    const char* name;
    AllowOptions options;
    StatusCode code;
    const char* mentions;
  };
  const HubCommandsCase cases[] = {
      {"bad node id", Allow(tmp, "n 1", NewPublicKey()), StatusCode::kUsage, "--node"},
      {"too long a node id", Allow(tmp, std::string(65, 'a'), NewPublicKey()), StatusCode::kUsage,
       "--node"},
      {"bad region", Allow(tmp, "n2", NewPublicKey(), "E U"), StatusCode::kUsage, "--region"},
      {"junk key", Allow(tmp, "n2", "not-a-key"), StatusCode::kInvalidInput, "key"},
      {"a key another node has", Allow(tmp, "n2", key), StatusCode::kAlreadyExists, "key"},
      {"the hub's own key", Allow(tmp, "n2", tmp.File("hub") + "/curve.pub"),
       StatusCode::kInvalidInput, "the hub's own public key"},
      {"a region in use but for letter case", Allow(tmp, "n2", NewPublicKey(), "eu"),
       StatusCode::kUsage, "give --region EU"},
      {"the operator's id", Allow(tmp, "hub-operator", NewPublicKey()), StatusCode::kUsage,
       "reserved"},
      // A trial: an office registered as HUB-OPERATOR looked like the operator.
      {"the operator's id in other letters", Allow(tmp, "HUB-Operator", NewPublicKey()),
       StatusCode::kUsage, "reserved"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Status s = HubCommands::Allow(c.options, out);
    CHECK(s.code() == c.code);
    CHECK_THAT(s.message(), Catch::Contains(c.mentions));
  }
  SECTION("no hub there") {
    AllowOptions o = Allow(tmp, "n2", NewPublicKey());
    o.data_dir = tmp.File("elsewhere");
    const Status s = HubCommands::Allow(o, out);
    CHECK(s.code() == StatusCode::kNotFound);
    CHECK_THAT(s.message(), Catch::Contains("cen-hub init"));
  }
}

TEST_CASE("HubConfig and HubSchema report a data directory that is not a hub's", "[hub][config]") {
  TempDir tmp;
  SECTION("no hub.toml") {
    auto c = HubConfig::Load(tmp.path());
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == StatusCode::kNotFound);
  }
  SECTION("a hub.toml that does not parse names its line") {
    std::ofstream(tmp.File("hub.toml")) << "hub_id = 'ok'\ningest_port = = 7\n";
    auto c = HubConfig::Load(tmp.path());
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(c.status().message(), Catch::Contains("hub.toml:2"));
  }
  SECTION("Save then Load") {
    HubConfig c;
    c.hub_id = "hub-x";
    c.bind = "0.0.0.0";
    c.ingest_port = 9001;
    c.feed_port = 9002;
    c.max_message_bytes = 1234567;
    RequireOk(c.Save(tmp.path()));
    auto back = HubConfig::Load(tmp.path());
    REQUIRE(back.ok());
    CHECK(back->hub_id == "hub-x");
    CHECK(back->bind == "0.0.0.0");
    CHECK(back->ingest_port == 9001);
    CHECK(back->feed_port == 9002);
    CHECK(back->max_message_bytes == 1234567);
  }
  SECTION("no hub.db") {
    auto db = HubSchema::Open(tmp.path());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == StatusCode::kNotFound);
  }
  SECTION("a SQLite file that is not a hub database") {
    {
      auto other = Database::Open(HubSchema::DbPath(tmp.path()), Database::Mode::kReadWriteCreate);
      REQUIRE(other.ok());
      RequireOk(other->Exec("CREATE TABLE something(x)"));
    }
    auto db = HubSchema::Open(tmp.path());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == StatusCode::kCorruption);
    CHECK_THAT(db.status().message(), Catch::Contains("not a cenhub hub database"));
  }
}

TEST_CASE("cen-hub revoke, group, verify and rotate-key", "[hub][commands]") {
  TempDir tmp;
  const InitOptions init = Init(tmp);
  std::ostringstream out;
  RequireOk(HubCommands::Init(init, out));
  const std::string hub_key = out.str().substr(0, 40);
  RequireOk(HubCommands::Allow(Allow(tmp, "n1", NewPublicKey(), "EU"), out));
  const std::string dir = init.data_dir;

  SECTION("revoke") {
    std::ostringstream text;
    RequireOk(HubCommands::Revoke({dir, "n1"}, text));
    CHECK_THAT(text.str(), Catch::Contains("revoked node n1"));
    CHECK(HubCommands::Revoke({dir, "ghost"}, text).code() == StatusCode::kNotFound);
    CHECK(HubCommands::Revoke({dir, "bad/id"}, text).code() == StatusCode::kUsage);
    // allow with a new key lifts it and says so
    std::ostringstream again;
    RequireOk(HubCommands::Allow(Allow(tmp, "n1", NewPublicKey(), "EU"), again));
    CHECK_THAT(again.str(),
               Catch::Contains("replaced its key") && Catch::Contains("lifted its revocation"));
  }
  SECTION("group") {
    using Action = cen::hub::GroupOptions::Action;
    std::ostringstream text;
    RequireOk(HubCommands::Group({Action::kCreate, dir, "OP-1", "", "2030-01-01"}, text));
    RequireOk(HubCommands::Group({Action::kAdd, dir, "OP-1", "n1", ""}, text));
    CHECK(HubCommands::Group({Action::kCreate, dir, "bad name", "", ""}, text).code() ==
          StatusCode::kUsage);
    CHECK(HubCommands::Group({Action::kCreate, dir, "OP-2", "", "2030-02-30x"}, text).code() ==
          StatusCode::kUsage);
    // A day already past made a group in force for nobody, "done" (user trial).
    std::ostringstream past;
    RequireOk(HubCommands::Group({Action::kCreate, dir, "OLD", "", "2020-01-01"}, past));
    CHECK_THAT(past.str(), Catch::Contains("note: --expires 2020-01-01 has passed"));
    std::ostringstream list;
    RequireOk(HubCommands::Group({Action::kList, dir, "", "", ""}, list));
    CHECK(list.str() == "OLD (expires 2020-01-01):\nOP-1 (expires 2030-01-01): n1\n");

    // A trial: `group create TMP` then `group create tmp` made two groups,
    // and members went to the one the scope did not name.
    RequireOk(HubCommands::Group({Action::kCreate, dir, "TMP", "", ""}, text));
    const auto twin = HubCommands::Group({Action::kCreate, dir, "tmp", "", ""}, text);
    CHECK(twin.code() == StatusCode::kAlreadyExists);
    CHECK_THAT(twin.message(), Catch::Contains("'TMP'") && Catch::Contains("letter case"));
    const auto add = HubCommands::Group({Action::kAdd, dir, "tmp", "n1", ""}, text);
    CHECK(add.code() == StatusCode::kNotFound);
    CHECK_THAT(add.message(), Catch::Contains("there is 'TMP'"));
    // A pair made before the rule (or applied from an old cluster entry) is
    // kept, works by its exact names, and the list says so.
    {
      auto db = cen::hub::HubSchema::Open(dir);
      REQUIRE(db.ok());
      RequireOk(cen::hub::GroupRegistry(&*db).Create("tmp", ""));
    }
    RequireOk(HubCommands::Group({Action::kAdd, dir, "tmp", "n1", ""}, text));
    std::ostringstream twins;
    RequireOk(HubCommands::Group({Action::kList, dir, "", "", ""}, twins));
    CHECK_THAT(twins.str(), Catch::Contains("note: groups TMP and tmp differ only in letter case"));
  }
  SECTION("verify and the audit rows of the commands") {
    std::ostringstream text;
    RequireOk(HubCommands::Verify(dir, text));
    CHECK_THAT(text.str(), Catch::Contains("journal: 0 rows, chain intact, head (empty)") &&
                               Catch::Contains("audit: 1 rows, chain intact, head "));
  }
  SECTION("rotate-key keeps the old pair") {
    std::ostringstream text;
    RequireOk(HubCommands::RotateKey(dir, text));
    const std::string fresh = text.str().substr(0, 40);
    CHECK(CurveKeys::IsZ85Key(fresh));
    CHECK(fresh != hub_key);
    CHECK(std::filesystem::exists(dir + "/curve.sec.old"));
    auto loaded = CurveKeys::Load(dir);
    REQUIRE(loaded.ok());
    CHECK(loaded->public_key() == fresh);
    CHECK_THAT(text.str(), Catch::Contains("hub_key = \"" + fresh + "\""));
  }
}

TEST_CASE("HubSchema refuses a hub.db of another schema version, saying what to do",
          "[hub][config]") {
  TempDir tmp;
  const InitOptions init = Init(tmp);
  std::ostringstream out;
  RequireOk(HubCommands::Init(init, out));
  {
    auto db = Database::Open(HubSchema::DbPath(init.data_dir), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    RequireOk(db->Exec("UPDATE meta SET value = '1' WHERE key = 'hub_schema'"));
  }
  auto db = HubSchema::Open(init.data_dir);
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.status().message(),
             Catch::Contains("schema version 1") && Catch::Contains("cen-hub init"));
}

TEST_CASE("cen-hub status says which nodes are revoked and whether the hub runs",
          "[hub][commands]") {
  // A revoked node was a row like any other, and a stopped hub's last
  // figures read as live ones.
  TempDir tmp;
  std::ostringstream ignored;
  RequireOk(HubCommands::Init(Init(tmp), ignored));
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", NewPublicKey(), "EU"), ignored));
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-cis", NewPublicKey(), "CIS"), ignored));
  RequireOk(HubCommands::Revoke({tmp.File("hub"), "rilo-cis"}, ignored));
  cen::hub::StatusOptions so;
  so.data_dir = tmp.File("hub");
  so.json = true;
  auto status = [&] {
    std::ostringstream out;
    RequireOk(HubCommands::Status(so, out));
    return out.str();
  };
  json s = json::parse(status());
  CHECK(s["running"] == false);
  REQUIRE(s["nodes"].size() == 2);
  CHECK(s["nodes"][0]["id"] == "rilo-cis");
  CHECK_FALSE(s["nodes"][0]["revoked_at"].get<std::string>().empty());
  CHECK(s["nodes"][1]["revoked_at"] == "");
  so.json = false;
  const std::string text = status();
  CHECK_THAT(text, Catch::Contains("the hub is not running"));
  CHECK_THAT(text, Catch::Contains("revoked " + s["nodes"][0]["revoked_at"].get<std::string>()));
  // A revoked office gets nothing: no lag (a trial read the whole journal as
  // the lag of one revoked before it ever connected).
  {
    std::istringstream lines(text);
    std::string line;
    bool found = false;
    while (std::getline(lines, line)) {
      if (line.rfind("rilo-cis", 0) != 0) continue;
      found = true;
      std::istringstream words(line);
      std::vector<std::string> cells{std::istream_iterator<std::string>(words), {}};
      REQUIRE(cells.size() >= 3);
      CHECK(cells[cells.size() - 2] == "-");  // REPLICA 0, LAG -, OUTBOX 0
    }
    CHECK(found);
  }

  auto lock = cen::common::InstanceLock::Acquire(tmp.File("hub"), cen::common::InstanceLock::kHub);
  REQUIRE(lock.ok());
  CHECK_THAT(status(), !Catch::Contains("not running"));
  so.json = true;
  CHECK(json::parse(status())["running"] == true);
  CHECK(json::parse(status())["stalled_s"] == 0);

  // A running hub that stopped writing hub.state (a trial froze one with
  // SIGSTOP: every office showed lag 0, nothing said it was stuck).
  auto state = cen::common::StateFile::Create(tmp.File("hub") + "/hub.state");
  REQUIRE(state.ok());
  RequireOk(state->Write({{"store", ""}, {"head", 0}, {"updated_at", "2026-01-01T00:00:00.000Z"}}));
  CHECK(json::parse(status())["stalled_s"] > 10);
  so.json = false;
  CHECK_THAT(status(), Catch::Contains("PROBLEM: the running hub has not written hub.state for "));
  RequireOk(
      state->Write({{"store", ""}, {"head", 0}, {"updated_at", cen::common::Clock::NowRfc3339()}}));
  CHECK_THAT(status(), !Catch::Contains("PROBLEM"));

  // A hub still opening hub.db (its loop not yet writing hub.state) is
  // starting, not stuck (a review: status called it frozen).
  RequireOk(state->Write(
      {{"starting", true}, {"store", ""}, {"updated_at", "2026-01-01T00:00:00.000Z"}}));
  CHECK_THAT(status(), !Catch::Contains("PROBLEM") &&
                           Catch::Contains("the hub is starting (since 2026-01-01T00:00:00.000Z)"));
  so.json = true;
  CHECK(json::parse(status())["starting"] == true);
  CHECK(json::parse(status())["stalled_s"] == 0);
}

TEST_CASE("cen-hub status marks the offices that are not connected", "[hub][commands]") {
  // A trial read an offline office's OUTBOX 0 and "gseq X of X" as current:
  // its figures are as of its last contact, with records queued since.
  TempDir tmp;
  std::ostringstream ignored;
  RequireOk(HubCommands::Init(Init(tmp), ignored));
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", NewPublicKey(), "EU"), ignored));
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-wca", NewPublicKey(), "AF"), ignored));
  {
    auto db = HubSchema::Open(tmp.File("hub"));
    REQUIRE(db.ok());
    auto seen = db->Prepare("UPDATE nodes SET last_seen = ?, outbox = 0 WHERE id = ?");
    REQUIRE(seen.ok());
    RequireOk(seen->Bind(1, "2026-01-01T00:00:00.000Z").Bind(2, "rilo-weu").Run());
    seen->Reset();
    RequireOk(seen->Bind(1, cen::common::Clock::NowRfc3339()).Bind(2, "rilo-wca").Run());
  }
  cen::hub::StatusOptions so;
  so.data_dir = tmp.File("hub");
  auto status = [&] {
    std::ostringstream out;
    RequireOk(HubCommands::Status(so, out));
    return out.str();
  };
  // A stopped hub says so once for every office.
  CHECK_THAT(status(), !Catch::Contains("not connected"));
  auto lock = cen::common::InstanceLock::Acquire(tmp.File("hub"), cen::common::InstanceLock::kHub);
  REQUIRE(lock.ok());
  const std::string text = status();
  CHECK_THAT(text, Catch::Contains("2026-01-01T00:00:00.000Z (") && Catch::Contains("d ago)") &&
                       Catch::Contains("1 office(s) not connected (silent for 10 s or more): their "
                                       "REPLICA and OUTBOX are as of their last contact, their "
                                       "LAG counts to the head now"));
  so.json = true;
  const json s = json::parse(status());
  REQUIRE(s["nodes"].size() == 2);
  CHECK(s["nodes"][0]["id"] == "rilo-wca");
  CHECK(s["nodes"][0]["silent_s"] == 0);
  CHECK(s["nodes"][0]["connected"] == true);
  CHECK(s["nodes"][1]["silent_s"] > 86400);
  CHECK(s["nodes"][1]["connected"] == false);

  // On a follower, offices go to the leader: never seen here is no news
  // (a trial read "never" and the whole journal as LAG for offices caught up).
  auto state = cen::common::StateFile::Create(tmp.File("hub") + "/hub.state");
  REQUIRE(state.ok());
  RequireOk(state->Write({{"store", ""},
                          {"updated_at", cen::common::Clock::NowRfc3339()},
                          {"cluster", {{"member", 2}, {"role", "follower"}, {"leader", 0}}}}));
  so.json = false;
  const std::string on_follower = status();
  CHECK_THAT(on_follower,
             Catch::Contains("cluster member 2: follower (no leader known)") &&
                 Catch::Contains("1 office(s) not connected to this member: offices connect to "
                                 "the leader, run cen-hub status there"));

  // A hub that cannot write hub.db moves no office's last contact: none is
  // called not connected for it (a review).
  RequireOk(state->Write(
      {{"store", "database or disk is full"}, {"updated_at", cen::common::Clock::NowRfc3339()}}));
  CHECK_THAT(status(), Catch::Contains("PROBLEM") && !Catch::Contains("not connected"));

  // A stopped member's view is as of its stop (a trial read "leader" on a
  // member killed minutes before).
  RequireOk(state->Write({{"store", ""},
                          {"updated_at", cen::common::Clock::NowRfc3339()},
                          {"cluster", {{"member", 2}, {"role", "leader"}, {"leader", 2}}}}));
  { const cen::common::InstanceLock released = std::move(*lock); }
  CHECK_THAT(status(), Catch::Contains("cluster member 2: not running; when it stopped: leader "
                                       "(leader: member 2)"));
}

TEST_CASE("cen-hub allow admits a revoked node with its old key only when told to",
          "[hub][commands]") {
  // A revoked key is often a stolen one: allow lifted the revocation with it
  // as silently as with a new key.
  TempDir tmp;
  std::ostringstream out;
  RequireOk(HubCommands::Init(Init(tmp), out));
  const std::string old_key = NewPublicKey();
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", old_key, "EU"), out));
  RequireOk(HubCommands::Revoke({tmp.File("hub"), "rilo-weu"}, out));

  AllowOptions again = Allow(tmp, "rilo-weu", old_key, "EU");
  const Status refused = HubCommands::Allow(again, out);
  CHECK(refused.code() == StatusCode::kInvalidInput);
  CHECK_THAT(refused.message(), Catch::Contains("this is the key node rilo-weu was revoked with") &&
                                    Catch::Contains("--same-key"));
  auto node = [&] {
    auto db = cen::hub::HubSchema::OpenReadOnly(tmp.File("hub"));
    REQUIRE(db.ok());
    cen::hub::NodeRegistry registry(&*db);
    RequireOk(registry.Refresh());
    return *registry.Find("rilo-weu");
  };
  CHECK(node().revoked);

  SECTION("--same-key: the revocation was a mistake") {
    again.same_key = true;
    std::ostringstream text;
    RequireOk(HubCommands::Allow(again, text));
    CHECK_FALSE(node().revoked);
    CHECK_THAT(text.str(), Catch::Contains("lifted its revocation"));
  }
  SECTION("a new key needs no flag") {
    RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", NewPublicKey(), "EU"), out));
    CHECK_FALSE(node().revoked);
  }
}

TEST_CASE("cen-hub allow without --region keeps the region a node has", "[hub][commands]") {
  // A new key given with allow alone (as revoke's hint and rotate-key show
  // it) removed the region: records scoped region:EU never reached the node.
  TempDir tmp;
  std::ostringstream ignored;
  RequireOk(HubCommands::Init(Init(tmp), ignored));
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", NewPublicKey(), "EU"), ignored));
  std::ostringstream out;
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", NewPublicKey(), ""), out));
  auto db = cen::hub::HubSchema::OpenReadOnly(tmp.File("hub"));
  REQUIRE(db.ok());
  cen::hub::NodeRegistry registry(&*db);
  RequireOk(registry.Refresh());
  CHECK(registry.Find("rilo-weu")->region == "EU");
  CHECK_THAT(out.str(), Catch::Contains("allowed node rilo-weu in region EU") &&
                            !Catch::Contains("in no region"));
  // A node allowed in no region is told so (a trial's NCP, allowed as the
  // README's example shows, received no region: record without a word).
  std::ostringstream none;
  RequireOk(HubCommands::Allow(Allow(tmp, "ncp-fr", NewPublicKey(), ""), none));
  CHECK_THAT(none.str(), Catch::Contains("note: ncp-fr is in no region"));
  // Another region replaces it, and the operator is told what that does.
  std::ostringstream moved;
  RequireOk(HubCommands::Allow(Allow(tmp, "rilo-weu", NewPublicKey(), "AF"), moved));
  RequireOk(registry.Refresh());
  CHECK(registry.Find("rilo-weu")->region == "AF");
  CHECK_THAT(moved.str(), Catch::Contains("moved from region 'EU': its agent fetches the journal "
                                          "again"));
}

TEST_CASE("cen-hub revoke cuts a RILO off at once and names the NCPs left waiting",
          "[hub][commands]") {
  // Revoked silently, its NCPs' records waited for nobody, and nothing said
  // why; refusing would keep a stolen RILO key working: a warning instead.
  TempDir tmp;
  std::ostringstream ignored;
  RequireOk(HubCommands::Init(Init(tmp), ignored));
  RequireOk(HubCommands::Allow(Allow(tmp, "RILO-A", NewPublicKey(), "EU"), ignored));
  AllowOptions ncp = Allow(tmp, "NCP-C", NewPublicKey(), "EU");
  ncp.role = "ncp";
  ncp.rilo = "RILO-A";
  RequireOk(HubCommands::Allow(ncp, ignored));
  std::ostringstream out;
  RequireOk(HubCommands::Revoke({tmp.File("hub"), "RILO-A"}, out));
  CHECK_THAT(out.str(), Catch::Contains("WARNING: RILO-A is the RILO of NCP-C") &&
                            Catch::Contains("cen-hub set-role"));
  std::ostringstream again;
  RequireOk(HubCommands::Revoke({tmp.File("hub"), "NCP-C"}, again));
  CHECK_THAT(again.str(), !Catch::Contains("WARNING"));
  // Revoked twice: said so (it answered as the first time).
  std::ostringstream twice;
  RequireOk(HubCommands::Revoke({tmp.File("hub"), "NCP-C"}, twice));
  CHECK(twice.str() == "node NCP-C was revoked already; nothing changed\n");
}

TEST_CASE("cen-hub allow --role and set-role make an NCP, status shows the tree",
          "[hub][commands][validation]") {
  TempDir tmp;
  std::ostringstream out;
  RequireOk(HubCommands::Init(Init(tmp), out));
  RequireOk(HubCommands::Allow(Allow(tmp, "RILO-WE", NewPublicKey(), "EU"), out));
  RequireOk(HubCommands::Allow(Allow(tmp, "A-RILO", NewPublicKey(), "AF"), out));
  AllowOptions ncp = Allow(tmp, "NCP-FR", NewPublicKey(), "EU");
  ncp.role = "ncp";
  ncp.rilo = "RILO-WE";
  std::ostringstream said;
  RequireOk(HubCommands::Allow(ncp, said));
  CHECK_THAT(said.str(), Catch::Contains("NCP-FR is an NCP") && Catch::Contains("RILO-WE"));

  // Refused, naming the flag, and nothing changes.
  AllowOptions no_rilo = Allow(tmp, "NCP-ES", NewPublicKey(), "EU");
  no_rilo.role = "ncp";
  CHECK(HubCommands::Allow(no_rilo, out).code() == StatusCode::kUsage);
  AllowOptions bad_role = no_rilo;
  bad_role.role = "boss";
  CHECK_THAT(HubCommands::Allow(bad_role, out).message(), Catch::Contains("--role"));
  cen::hub::RoleOptions under_ncp{tmp.File("hub"), "A-RILO", "ncp", "NCP-FR"};
  const Status refused = HubCommands::SetRole(under_ncp, out);
  CHECK(refused.code() == StatusCode::kInvalidInput);
  CHECK_THAT(refused.message(), Catch::Contains("is an NCP, not a RILO"));
  cen::hub::RoleOptions rilo_with_ncps{tmp.File("hub"), "RILO-WE", "ncp", "A-RILO"};
  CHECK_THAT(HubCommands::SetRole(rilo_with_ncps, out).message(),
             Catch::Contains("is the RILO of NCP-FR"));

  // Re-keying keeps the role; set-role changes it, audited.
  RequireOk(HubCommands::Allow(Allow(tmp, "NCP-FR", NewPublicKey(), "EU"), out));
  std::ostringstream tree;
  RequireOk(HubCommands::Status({tmp.File("hub"), false}, tree));
  const std::string text = tree.str();
  INFO(text);
  // NCP-FR right under its RILO, indented; A-RILO before them (by id).
  const size_t a = text.find("\nA-RILO "), we = text.find("\nRILO-WE "),
               fr = text.find("\n  NCP-FR ");
  CHECK(a != std::string::npos);
  CHECK(we != std::string::npos);
  CHECK(fr != std::string::npos);
  CHECK((a < we && we < fr));
  std::ostringstream json_out;
  RequireOk(HubCommands::Status({tmp.File("hub"), true}, json_out));
  const auto status = nlohmann::json::parse(json_out.str());
  for (const auto& n : status["nodes"]) {
    if (n["id"] == "NCP-FR") CHECK((n["role"] == "ncp" && n["rilo"] == "RILO-WE"));
    if (n["id"] == "RILO-WE") CHECK((n["role"] == "rilo" && n["rilo"] == ""));
  }
  cen::hub::RoleOptions back{tmp.File("hub"), "NCP-FR", "rilo", ""};
  RequireOk(HubCommands::SetRole(back, out));
  auto db = HubSchema::OpenReadOnly(tmp.File("hub"));
  REQUIRE(db.ok());
  auto audited = db->QueryInt(
      "SELECT count(*) FROM audit WHERE event = 'admin' AND node = 'NCP-FR' AND detail LIKE "
      "'role %'");
  REQUIRE(audited.ok());
  CHECK(**audited == 2);
}

TEST_CASE("A hub.db of schema 4 or 5 is upgraded in place: every node a RILO", "[hub][config]") {
  TempDir tmp;
  const InitOptions init = Init(tmp);
  std::ostringstream out;
  RequireOk(HubCommands::Init(init, out));
  RequireOk(HubCommands::Allow(Allow(tmp, "RILO-WE", NewPublicKey(), "EU"), out));
  const int from = GENERATE(4, 5);
  {
    // Back to what that schema was.
    auto db = Database::Open(HubSchema::DbPath(init.data_dir), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    RequireOk(
        db->Exec("DROP TABLE admin_requests; DROP TABLE alert_cancels; DROP TABLE reach_changes; "
                 "UPDATE meta SET value = "
                 "'5' WHERE key = 'hub_schema'"));
    if (from == 4) {
      RequireOk(
          db->Exec("DROP TABLE validations; ALTER TABLE nodes DROP COLUMN role; "
                   "ALTER TABLE nodes DROP COLUMN rilo; UPDATE meta SET value = '4' WHERE key = "
                   "'hub_schema'"));
    }
  }
  auto read_only = HubSchema::OpenReadOnly(init.data_dir);
  REQUIRE_FALSE(read_only.ok());  // reading never changes the file
  CHECK_THAT(
      read_only.status().message(),
      Catch::Contains("schema version " + std::to_string(from)) && Catch::Contains("cen-hub run"));
  auto db = HubSchema::Open(init.data_dir);
  REQUIRE(db.ok());
  auto version = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='hub_schema'");
  REQUIRE(version.ok());
  CHECK(**version == HubSchema::kVersion);
  auto roles = db->QueryInt("SELECT count(*) FROM nodes WHERE role = 'rilo' AND rilo IS NULL");
  REQUIRE(roles.ok());
  CHECK(**roles == 1);
  CHECK(db->QueryInt("SELECT count(*) FROM validations").ok());
  CHECK(db->QueryInt("SELECT count(*) FROM admin_requests").ok());
}

TEST_CASE("init --cluster makes member 1 of a cluster of one", "[hub][config][cluster]") {
  TempDir tmp;
  InitOptions init = Init(tmp);
  std::ostringstream out;
  SECTION("its table names it whole") {
    init.cluster_raft = "tcp://127.0.0.1:17703";
    RequireOk(HubCommands::Init(init, out));
    auto config = HubConfig::Load(init.data_dir);
    REQUIRE(config.ok());
    REQUIRE(config->clustered());
    CHECK(config->cluster_member == 1);
    CHECK_FALSE(config->cluster_join);
    REQUIRE(config->cluster_members.size() == 1);
    CHECK(config->self().raft == "tcp://127.0.0.1:17703");
    CHECK(config->self().ingest == "tcp://127.0.0.1:17701");
    auto keys = CurveKeys::Load(init.data_dir);
    REQUIRE(keys.ok());
    CHECK(config->self().key == keys->public_key());
  }
  SECTION("bad flags are refused and nothing is made") {
    std::string message;
    SECTION("not an endpoint") {
      init.cluster_raft = "127.0.0.1:17703";
      message = "--cluster: must be tcp://HOST:PORT";
    }
    SECTION("listening everywhere, with no address nodes reach") {
      init.cluster_raft = "tcp://10.0.0.1:17703";
      init.bind = "0.0.0.0";
      message = "--advertise";
    }
    SECTION("--advertise alone") {
      init.advertise = "tcp://10.0.0.1:17701";
      message = "--advertise: goes with --cluster";
    }
    const Status s = HubCommands::Init(init, out);
    CHECK(s.code() == StatusCode::kUsage);
    CHECK_THAT(s.message(), Catch::Contains(message));
    CHECK_FALSE(std::filesystem::exists(init.data_dir));
  }
}

TEST_CASE("join refuses what is not for this directory, and changes nothing",
          "[hub][config][cluster]") {
  TempDir tmp;
  const InitOptions init = Init(tmp);
  std::ostringstream out;
  RequireOk(HubCommands::Init(init, out));
  auto keys = CurveKeys::Load(init.data_dir);
  REQUIRE(keys.ok());
  // What `cen-hub cluster add --to` writes: a hub.db and the new member's table.
  const std::string bundle = tmp.File("member-4");
  std::filesystem::create_directories(bundle);
  std::filesystem::copy_file(HubSchema::DbPath(init.data_dir), bundle + "/hub.db");
  HubConfig joiner;
  joiner.cluster_member = 4;
  joiner.cluster_join = true;
  joiner.cluster_members = {{1, "tcp://10.0.0.1:7703", "tcp://10.0.0.1:7701", NewPublicKey()},
                            {4, "tcp://10.0.0.4:7703", "tcp://10.0.0.4:17701", keys->public_key()}};
  std::string message;
  SECTION("made for another member's key") {
    joiner.cluster_members[1].key = NewPublicKey();
    message = "this directory's key is " + keys->public_key();
  }
  SECTION("naming another ingest port than this hub's") {
    joiner.cluster_members[1].ingest = "tcp://10.0.0.4:7701";
    message = "takes nodes on port 17701";
  }
  SECTION("into a hub that has journaled records") {
    auto db = Database::Open(HubSchema::DbPath(init.data_dir), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    RequireOk(db->Exec(
        "INSERT INTO journal(gseq, uuid, version, origin, kind, ref, scope, received_at, body, "
        "chain) VALUES (1, 'u', 1, 'X', 'seizure', 'X-1', 'global', 'now', x'00', x'00')"));
    message = "has journaled records";
  }
  RequireOk(joiner.Save(bundle));
  const Status s = HubCommands::Join(init.data_dir, bundle, out);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains(message));
  auto config = HubConfig::Load(init.data_dir);
  REQUIRE(config.ok());
  CHECK_FALSE(config->clustered());
}

TEST_CASE("join puts the cluster's hub.db and table in place", "[hub][config][cluster]") {
  TempDir tmp;
  const InitOptions init = Init(tmp);
  std::ostringstream out;
  RequireOk(HubCommands::Init(init, out));
  auto keys = CurveKeys::Load(init.data_dir);
  REQUIRE(keys.ok());
  // The cluster's hub.db: another hub's, with its own epoch.
  InitOptions other = Init(tmp);
  other.data_dir = tmp.File("leader");
  RequireOk(HubCommands::Init(other, out));
  const std::string bundle = tmp.File("member-4");
  std::filesystem::create_directories(bundle);
  std::filesystem::copy_file(HubSchema::DbPath(other.data_dir), bundle + "/hub.db");
  HubConfig joiner;
  joiner.cluster_member = 4;
  joiner.cluster_join = true;
  joiner.snapshot_every = 64;
  joiner.election_timeout_ms = 2000;
  joiner.cluster_members = {{1, "tcp://10.0.0.1:7703", "tcp://10.0.0.1:7701", NewPublicKey()},
                            {4, "tcp://10.0.0.4:7703", "tcp://10.0.0.4:17701", keys->public_key()}};
  RequireOk(joiner.Save(bundle));
  RequireOk(HubCommands::Join(init.data_dir, bundle, out));
  CHECK_THAT(out.str(), Catch::Contains("is member 4 of the cluster now"));

  auto config = HubConfig::Load(init.data_dir);
  REQUIRE(config.ok());
  CHECK(config->cluster_member == 4);
  CHECK(config->cluster_join);
  CHECK(config->snapshot_every == 64);
  CHECK(config->election_timeout_ms == 2000);
  CHECK(config->cluster_members.size() == 2);
  CHECK(config->ingest_port == 17701);  // its own settings kept
  auto epoch = [](const std::string& dir) {
    auto db = HubSchema::OpenReadOnly(dir);
    REQUIRE(db.ok());
    auto stmt = db->Prepare("SELECT value FROM meta WHERE key = 'epoch'");
    REQUIRE(stmt.ok());
    auto row = stmt->Step();
    REQUIRE((row.ok() && *row));
    return stmt->ColumnText(0);
  };
  CHECK(epoch(init.data_dir) == epoch(other.data_dir));
  // Twice is refused: it is a member now.
  const Status again = HubCommands::Join(init.data_dir, bundle, out);
  CHECK(again.code() == StatusCode::kUsage);
}

TEST_CASE("cluster add and remove refuse bad input before anything changes",
          "[hub][config][cluster]") {
  TempDir tmp;
  InitOptions init = Init(tmp);
  std::ostringstream out, progress;
  RequireOk(HubCommands::Init(init, out));
  cen::hub::ClusterAddOptions add;
  add.data_dir = init.data_dir;
  add.member = 4;
  add.raft = "tcp://10.0.0.4:7703";
  add.ingest = "tcp://10.0.0.4:7701";
  add.key = NewPublicKey();
  add.to = tmp.File("member-4");
  std::string message;
  SECTION("a single hub") { message = "is a single hub"; }
  SECTION("an endpoint without a port") {
    add.raft = "tcp://10.0.0.4";
    message = "--raft: must be tcp://HOST:PORT";
  }
  SECTION("an endpoint with a blank") {
    add.ingest = "tcp://10.0.0.4 :7701";
    message = "--ingest: must be tcp://HOST:PORT";
  }
  SECTION("no id") {
    add.member = 0;
    message = "--member";
  }
  SECTION("a key that is none") {
    add.key = "not-a-key";
    message = "";
  }
  const Status s = HubCommands::ClusterAdd(add, out, progress);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains(message));
  CHECK_FALSE(std::filesystem::exists(add.to));  // nothing written

  const Status removed = HubCommands::ClusterRemove(init.data_dir, 3, out);
  CHECK(removed.code() == StatusCode::kUsage);
  CHECK_THAT(removed.message(), Catch::Contains("is a single hub"));
  auto db = HubSchema::OpenReadOnly(init.data_dir);
  REQUIRE(db.ok());
  auto queued = db->QueryInt("SELECT count(*) FROM admin_requests");
  REQUIRE(queued.ok());
  CHECK(**queued == 0);
}
