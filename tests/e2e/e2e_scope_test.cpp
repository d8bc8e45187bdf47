// Need-to-know on the feed and by FETCH: a node receives exactly the records
// whose scope lets it see them, even when node ids share a prefix.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/curve_keys.h"
#include "common/wire_frame.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/raw_client.h"
#include "tests/e2e/records.h"
#include "tests/test_support/sample_records.h"

namespace cen::e2e {
namespace {

// Waits until node `id`'s replica holds exactly the records `refs`.
void WaitHolds(Cluster& cluster, const std::string& id, const std::set<std::string>& refs,
               const std::string& what) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::set<std::string> held = cluster.Refs(id);
        observed.clear();
        for (const auto& r : cluster.Query(id))
          observed += r.value("ref", "") + "/v" + std::to_string(r.value("version", 0)) + "/g" +
                      std::to_string(r.value("gseq", 0)) + "/" + r.value("uuid", "") + " ";
        return held == refs;
      },
      std::chrono::seconds(30), what);
}

void WaitAllCaughtUp(Cluster& cluster, int64_t head) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed.clear();
        bool all = true;
        for (const auto& id : cluster.node_ids()) {
          const auto s = cluster.Status(id);
          observed += id + ": replica_gseq " + std::to_string(s.value("replica_gseq", 0)) +
                      ", outbox " + std::to_string(s.value("outbox", 0)) + "; ";
          all = all && s.value("replica_gseq", 0) >= head && s.value("outbox", 0) == 0;
        }
        return all;
      },
      std::chrono::seconds(60), "every replica at gseq " + std::to_string(head));
}

}  // namespace

TEST_CASE("Each node receives exactly the records its scope allows, ids sharing a prefix",
          "[e2e][scope]") {
  Cluster cluster({{"RILO-A", "EU"}, {"RILO-AP", "AS"}, {"RILO-B", "AF"}});
  cluster.StartAll();
  // Live feed: all three agents run while RILO-AP publishes, many records per
  // commit so that feed batches for different nodes arrive back to back.
  const std::vector<std::string> scopes = {"global", "region:AS", "nodes:RILO-A",
                                           "nodes:RILO-B,RILO-AP"};
  std::map<std::string, std::set<std::string>> expected;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> lines;
    for (int i = 0; i < 200; ++i) {
      const std::string& scope = scopes[static_cast<size_t>(i) % scopes.size()];
      const std::string ref = "AP-" + std::to_string(round) + "-" + std::to_string(i);
      lines.push_back(ScopedSeizure(ref, scope));
      expected["RILO-AP"].insert(ref);
      if (scope == "global" || scope == "nodes:RILO-A") expected["RILO-A"].insert(ref);
      if (scope == "global" || scope == "nodes:RILO-B,RILO-AP") expected["RILO-B"].insert(ref);
    }
    cluster.Submit("RILO-AP", lines);
  }
  WaitAllCaughtUp(cluster, 600);
  for (const auto& id : cluster.node_ids()) {
    INFO("replica of " << id);
    CHECK(cluster.Refs(id) == expected[id]);
  }

  // Catch-up by FETCH: RILO-A is stopped while RILO-B publishes.
  cluster.StopNode("RILO-A");
  cluster.Submit("RILO-B", {ScopedSeizure("B-R", "region:AF"), ScopedSeizure("B-N", "nodes:RILO-A"),
                            ScopedSeizure("B-G", "global")});
  cluster.StartNode("RILO-A");
  WaitAllCaughtUp(cluster, 603);
  expected["RILO-A"].insert({"B-N", "B-G"});
  expected["RILO-AP"].insert("B-G");
  expected["RILO-B"].insert({"B-R", "B-N", "B-G"});
  for (const auto& id : cluster.node_ids()) {
    INFO("replica of " << id);
    CHECK(cluster.Refs(id) == expected[id]);
  }
}

}  // namespace cen::e2e

namespace cen::e2e {

// Groups are managed while the hub runs; a member removed, or a group past
// its expiry, gets no new records of it; the origin keeps its own.
TEST_CASE("A group-scoped record reaches the group's members only, and others see no false gap",
          "[e2e][scope][group]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"AS", "AS"}});
  cluster.StartAll();
  const std::string hub = cluster.hub_dir().string();
  auto group = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "group");
    return cluster.HubAdmin(std::move(args));
  };
  group({"create", "OP-TIDE"});
  group({"add", "OP-TIDE", "AF"});
  group({"create", "OLD-OP", "--expires", "2020-06-30"});
  group({"add", "OLD-OP", "AF"});
  group({"add", "OLD-OP", "AS"});
  CHECK(group({"list"}) == "OLD-OP (expires 2020-06-30): AF AS\nOP-TIDE: AF\n");
  {
    const RunResult r = cluster.RunHub({"group", "add", "NOPE", "AF", "--data", hub});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("no group 'NOPE'"));
  }

  // Global and group records interleaved in one submission, so that the
  // BATCHes AS receives leave out gseqs between records it does get.
  std::vector<std::string> lines;
  for (int i = 0; i < 30; ++i) {
    const std::string scope = i % 3 == 0 ? "global" : i % 3 == 1 ? "group:OP-TIDE" : "group:OLD-OP";
    lines.push_back(ScopedSeizure("G-" + std::to_string(i), scope));
  }
  cluster.Submit("EU", lines);
  WaitAllCaughtUp(cluster, 30);  // AS, which sees a third, reaches the head: no gap held it

  std::map<std::string, std::set<std::string>> expected;
  for (int i = 0; i < 30; ++i) {
    const std::string ref = "G-" + std::to_string(i);
    expected["EU"].insert(ref);  // the origin sees all, the expired group's too
    if (i % 3 != 2) expected["AF"].insert(ref);
    if (i % 3 == 0) expected["AS"].insert(ref);
  }
  for (const auto& id : cluster.node_ids()) {
    INFO("replica of " << id);
    CHECK(cluster.Refs(id) == expected[id]);
  }

  // A member removed gets nothing new of the group, also by FETCH after a restart.
  group({"remove", "OP-TIDE", "AF"});
  cluster.StopNode("AF");
  cluster.Submit("EU",
                 {ScopedSeizure("G-LATE", "group:OP-TIDE"), ScopedSeizure("G-END", "global")});
  cluster.StartNode("AF");
  WaitAllCaughtUp(cluster, 32);
  expected["EU"].insert({"G-LATE", "G-END"});
  expected["AF"].insert("G-END");
  expected["AS"].insert("G-END");
  for (const auto& id : cluster.node_ids()) {
    INFO("replica of " << id);
    CHECK(cluster.Refs(id) == expected[id]);
  }
  CHECK(cluster.HubQuery("SELECT count(*) FROM audit WHERE event = 'admin' AND "
                         "detail LIKE 'group%'") == 6);
}

}  // namespace cen::e2e

namespace cen::e2e {

// The strongest form of "a node outside the scope never receives the record":
// connect as that node with its own key, on both the feed (its topic) and the
// ingest port (HELLO, then FETCH of everything), collect every byte the hub
// sends, and find the restricted record's text nowhere in them.
TEST_CASE("A region-scoped record never crosses another region's sockets", "[e2e][scope]") {
  Cluster cluster({{"RILO-EU", "EU"}, {"RILO-AF", "AF"}});
  cluster.StartHub();
  cluster.StartNode("RILO-EU");  // RILO-AF's key is used by the raw connections below
  auto keys = common::CurveKeys::Load(cluster.node_dir("RILO-AF").string());
  REQUIRE(keys.ok());
  RawClient feed = RawClient::Feed(cluster.feed_endpoint(), cluster.hub_key(), *keys, "N:RILO-AF/");
  const std::string secret = "EU-ONLY-7f3a9c cocaine in reefer";
  const std::string shared = "GLOBAL-41d2 cigarettes in trailer";
  auto record = [](const std::string& ref, const std::string& scope, const std::string& text) {
    return nlohmann::json{{"kind", "seizure"},
                          {"ref", ref},
                          {"seizure_date", "2026-03-14"},
                          {"reporting_country", "FR"},
                          {"commodity", "drugs"},
                          {"description", text},
                          {"quantity", 1},
                          {"unit", "KGM"},
                          {"scope", scope}}
        .dump();
  };
  cluster.Submit("RILO-EU", {record("S-EU", "region:EU", secret), record("S-G", "global", shared)});

  // Both records journaled (a slow agent may still hold them): the feed has
  // sent what it sends of them (its socket subscribed before the submit),
  // and the FETCH below has them to send, or to hold back.
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::int64_t n =
            cluster.HubQuery("SELECT count(*) FROM journal WHERE ref IN ('S-EU', 'S-G')");
        observed = std::to_string(n) + " of the two records in the hub's journal";
        return n == 2;
      },
      std::chrono::seconds(60), "both records at the hub");
  // The feed also carries a heartbeat every second: listen for a bounded time.
  std::string received;
  auto listen = [&](RawClient& client, std::chrono::seconds period) {
    const auto until = std::chrono::steady_clock::now() + period;
    while (std::chrono::steady_clock::now() < until) {
      if (auto bytes = client.ReceiveBytes(std::chrono::milliseconds(200))) received += *bytes;
    }
  };
  listen(feed, std::chrono::seconds(3));
  RawClient ingest = RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), *keys);
  const auto welcome = ingest.Hello();
  REQUIRE(welcome);
  REQUIRE((*welcome)["t"] == "WELCOME");
  ingest.Send(common::WireFrame::Encode(
      {{"t", common::frame::kFetch}, {"from", 1}, {"max", 5000}, {"id", 1}}));
  listen(ingest, std::chrono::seconds(3));
  REQUIRE(received.find(shared) != std::string::npos);  // the connections did carry records
  CHECK(received.find(secret) == std::string::npos);
  CHECK(received.find("S-EU") == std::string::npos);
}

}  // namespace cen::e2e

namespace cen::e2e {

// A trial: the operator re-registered an office with "--region eu" where
// its region is EU; the office silently missed the region's records, and
// set back to EU (agent restarted, even) never got them.
TEST_CASE("An office moved to another region gets the records its new region holds",
          "[e2e][scope]") {
  Cluster cluster({{"RILO-WE", "EU"}, {"DE-BER", "AS"}, {"RILO-AP", "AS"}});
  const std::string hub = cluster.hub_dir().string();
  const std::string key = (cluster.node_dir("DE-BER") / "curve.pub").string();
  cluster.StartAll();
  cluster.Submit("RILO-WE",
                 {ScopedSeizure("EU-1", "region:EU"), ScopedSeizure("EU-2", "region:EU")});
  cluster.Submit("RILO-AP", {ScopedSeizure("AS-1", "region:AS")});
  WaitAllCaughtUp(cluster, 3);
  REQUIRE(cluster.Refs("DE-BER") == std::set<std::string>{"AS-1"});

  // A region differing in letter case only from one in use is refused.
  {
    const RunResult r = cluster.RunHub(
        {"allow", "--data", hub, "--node", "DE-BER", "--key", key, "--region", "eu"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("give --region EU") != std::string::npos);
  }
  // Moved while its agent runs: it learns it from the hub's next PONG.
  const RunResult moved =
      cluster.RunHub({"allow", "--data", hub, "--node", "DE-BER", "--key", key, "--region", "EU"});
  INFO(moved.out << moved.err);
  REQUIRE(moved.exit_code == 0);
  CHECK(moved.out.find("moved from region 'AS'") != std::string::npos);
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::set<std::string> refs = cluster.Refs("DE-BER");
        observed.clear();
        for (const std::string& ref : refs) observed += ref + " ";
        return refs == std::set<std::string>{"AS-1", "EU-1", "EU-2"};
      },
      std::chrono::seconds(30), "DE-BER holds the EU records journaled before its move");
  cluster.Submit("RILO-WE", {ScopedSeizure("EU-3", "region:EU")});
  WaitAllCaughtUp(cluster, 4);
  CHECK(cluster.Refs("DE-BER") == std::set<std::string>{"AS-1", "EU-1", "EU-2", "EU-3"});
  CHECK(cluster.RunQuery({"--data", cluster.node_dir("DE-BER").string(), "--count"}).out == "4\n");
}

}  // namespace cen::e2e

namespace cen::e2e {

// An operation's group grows as offices join it: a new member expects the
// operation's records so far, not only those journaled after it joined.
TEST_CASE("An office added to a group gets the group's records journaled before",
          "[e2e][scope][group]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"AS", "AS"}});
  cluster.StartAll();
  auto group = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "group");
    return cluster.HubAdmin(std::move(args));
  };
  group({"create", "OP-TIDE"});
  group({"add", "OP-TIDE", "AF"});
  cluster.Submit("EU", {ScopedSeizure("T-1", "group:OP-TIDE"),
                        ScopedSeizure("T-2", "group:OP-TIDE"), ScopedSeizure("W-1", "global")});
  WaitAllCaughtUp(cluster, 3);
  REQUIRE(cluster.Refs("AS") == std::set<std::string>{"W-1"});

  // Added while its agent runs: it learns it from the hub's next PONG.
  group({"add", "OP-TIDE", "AS"});
  auto holds = [&](const std::string& id, const std::set<std::string>& refs,
                   const std::string& what) { WaitHolds(cluster, id, refs, what); };
  holds("AS", {"W-1", "T-1", "T-2"}, "AS holds the group's records journaled before it joined");

  // Out of the group and back: what the group got while AS was out, which
  // its cursor has passed, comes too.
  group({"remove", "OP-TIDE", "AS"});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const int64_t left = cluster.NodeQuery(
            "AS", "SELECT count(*) FROM meta WHERE key = 'hub_groups' AND value = ''");
        observed = left == 1 ? "out" : "still in OP-TIDE";
        return left == 1;
      },
      std::chrono::seconds(30), "AS has heard it left OP-TIDE");
  cluster.Submit("EU", {ScopedSeizure("T-3", "group:OP-TIDE"), ScopedSeizure("W-2", "global")});
  holds("AS", {"W-1", "W-2", "T-1", "T-2"}, "AS passed T-3 while out of the group");
  group({"add", "OP-TIDE", "AS"});
  holds("AS", {"W-1", "W-2", "T-1", "T-2", "T-3"}, "AS holds what the group got while it was out");

  // Added while its agent is stopped: it learns it at its next WELCOME.
  cluster.StopNode("AF");
  group({"remove", "OP-TIDE", "AF"});
  cluster.StartNode("AF");
  cluster.Submit("EU", {ScopedSeizure("T-4", "group:OP-TIDE"), ScopedSeizure("W-3", "global")});
  holds("AF", {"W-1", "W-2", "W-3", "T-1", "T-2", "T-3"}, "AF passed T-4 while out of the group");
  cluster.StopNode("AF");
  group({"add", "OP-TIDE", "AF"});
  cluster.StartNode("AF");
  holds("AF", {"W-1", "W-2", "W-3", "T-1", "T-2", "T-3", "T-4"},
        "AF, added while stopped, holds what the group got while it was out");
  CHECK(cluster.RunQuery({"--data", cluster.node_dir("AS").string(), "--count"}).out == "7\n");
}

}  // namespace cen::e2e

namespace cen::e2e {

TEST_CASE("A record journaled with a scope warning says so in cen-node status until amended",
          "[e2e][scope]") {
  // A trial: region:eu (regions are EU here) reached its origin alone, and
  // the hub's warning was only in the agent's log.
  Cluster cluster({{"EU-1", "EU"}, {"EU-2", "EU"}});
  cluster.StartAll();
  const std::string uuid = cluster.Submit("EU-1", {ScopedSeizure("W-1", "region:eu")})[0];
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json s = cluster.Status("EU-1");
        observed = s.value("warnings", nlohmann::json::array()).dump();
        return s.value("outbox", 1) == 0 && !s.value("warnings", nlohmann::json::array()).empty();
      },
      std::chrono::seconds(30), "EU-1's status names the warning");
  const nlohmann::json warnings = cluster.Status("EU-1")["warnings"];
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].value("ref", "") == "W-1");
  CHECK(warnings[0].value("uuid", "") == uuid);
  CHECK_THAT(
      warnings[0].value("warning", ""),
      Catch::Contains("no office is registered in region 'eu'") && Catch::Contains("region:EU?"));
  const RunResult text = cluster.RunNode({"status", "--data", cluster.node_dir("EU-1").string()});
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out,
             Catch::Contains("seizure W-1 v1 (" + uuid + ") was journaled with a warning"));

  // Amended to the region meant: the warning is no longer the record's word.
  cluster.Submit("EU-1", {ScopedSeizure("W-1", "region:EU")});
  WaitHolds(cluster, "EU-2", {"W-1"}, "EU-2 holds W-1");
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json s = cluster.Status("EU-1");
        observed = s.value("warnings", nlohmann::json::array()).dump();
        return s.value("outbox", 1) == 0 && s.value("warnings", nlohmann::json::array()).empty();
      },
      std::chrono::seconds(30), "EU-1's status no longer names a warning");

  // A whole file with the typo: the status counts them all, shows the
  // newest 20 and says how many more; the log says a few and counts the
  // rest (a trial: 20 shown, nothing said of 15,000 more, and a log line
  // for each).
  std::vector<std::string> typos;
  for (int i = 0; i < 25; ++i)
    typos.push_back(ScopedSeizure("WX-" + std::to_string(i), "region:eu"));
  cluster.Submit("EU-1", typos);
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json s = cluster.Status("EU-1");
        observed = s.dump();
        return s.value("outbox", 1) == 0 && s.value("warnings_total", 0) == 25;
      },
      std::chrono::seconds(30), "EU-1's status counting 25 warnings");
  CHECK(cluster.Status("EU-1")["warnings"].size() == 20);
  const RunResult many = cluster.RunNode({"status", "--data", cluster.node_dir("EU-1").string()});
  CHECK_THAT(many.out, Catch::Contains("... and 5 more, older (the newest 20 are shown"));
  const std::string log = cluster.NodeLog("EU-1");
  size_t lines = 0;
  for (size_t at = log.find("with a warning: "); at != std::string::npos;
       at = log.find("with a warning: ", at + 1))
    ++lines;
  CHECK(lines < 25);
}

// A record first shared with everyone, then amended to one region (a case
// found to concern EU offices only): the offices outside no longer hold any
// version of it, whether they were running, stopped or registered after.
TEST_CASE("An amendment that narrows a record's scope takes it back from the offices outside",
          "[e2e][scope]") {
  Cluster cluster({{"RILO-WE", "EU"},
                   {"DE-BER", "EU"},
                   {"RILO-AP", "AS"},
                   {"RILO-ESA", "AF"},
                   {"JP-TYO", "AS", /*authorized=*/false}});
  cluster.StartHub();
  for (const char* id : {"RILO-WE", "DE-BER", "RILO-AP", "RILO-ESA"}) cluster.StartNode(id);
  auto holds = [&](const std::string& id, const std::set<std::string>& refs,
                   const std::string& what) { WaitHolds(cluster, id, refs, what); };
  auto seizure = [](const std::string& scope, const std::string& description) {
    nlohmann::json record = nlohmann::json::parse(ScopedSeizure("N-1", scope));
    record["description"] = description;
    return record.dump();
  };
  const std::string uuid = cluster.Submit("RILO-WE", {seizure("global", "shared with every office"),
                                                      ScopedSeizure("W-1", "global")})[0];
  for (const char* id : {"DE-BER", "RILO-AP", "RILO-ESA"})
    holds(id, {"N-1", "W-1"}, std::string(id) + " holds N-1 as first sent");

  // Narrowed while RILO-ESA runs (the feed) and RILO-AP is stopped (FETCH).
  cluster.StopNode("RILO-AP");
  cluster.Submit("RILO-WE", {seizure("region:EU", "Sospechoso: EU offices only")});
  auto holds_nothing_of = [&](const std::string& id) {
    INFO(id);
    const std::string where = " WHERE uuid = '" + uuid + "'";
    CHECK(cluster.NodeQuery(id, "SELECT count(*) FROM records" + where) == 0);
    CHECK(cluster.NodeQuery(id, "SELECT count(*) FROM version_history" + where) == 0);
    CHECK(cluster.NodeQuery(id,
                            "SELECT count(*) FROM documents WHERE doc LIKE '%every office%' "
                            "OR doc LIKE '%Sospechoso%'") == 0);
  };
  holds("RILO-ESA", {"W-1"}, "RILO-ESA no longer holds N-1");
  holds_nothing_of("RILO-ESA");
  {
    // The analyst who had it open is told why it is gone.
    const RunResult shown =
        cluster.RunQuery({"--data", cluster.node_dir("RILO-ESA").string(), "show", uuid});
    CHECK(shown.exit_code != 0);
    CHECK(shown.err.find("was withdrawn from this replica") != std::string::npos);
    CHECK(shown.err.find("its version 2 reaches offices this node is not among") !=
          std::string::npos);
  }
  cluster.StartNode("RILO-AP");
  holds("RILO-AP", {"W-1"}, "RILO-AP, stopped meanwhile, no longer holds N-1");
  holds_nothing_of("RILO-AP");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed.clear();
        for (const auto& r : cluster.Query("DE-BER")) {
          if (r.value("ref", "") != "N-1") continue;
          observed = "version " + std::to_string(r.value("version", 0));
          return r.value("version", 0) == 2;
        }
        return false;
      },
      std::chrono::seconds(30), "DE-BER holds version 2 of N-1");

  // An office registered after the narrowing never gets the wider version.
  cluster.Allow("JP-TYO");
  cluster.StartNode("JP-TYO");
  holds("JP-TYO", {"W-1"}, "JP-TYO holds W-1 and nothing of N-1");
  holds_nothing_of("JP-TYO");

  // Shared with everyone again: every office holds the newest version.
  cluster.Submit("RILO-WE", {seizure("global", "shared again")});
  for (const char* id : {"RILO-AP", "RILO-ESA", "JP-TYO"})
    holds(id, {"N-1", "W-1"}, std::string(id) + " holds N-1 again");
  CHECK(cluster.NodeQuery("JP-TYO",
                          "SELECT max(version) FROM records WHERE uuid = '" + uuid + "'") == 3);

  // An alert and its update, shared with everyone; the alert narrowed:
  // the update (its text is about the alert) goes with it.
  const std::string alert =
      cluster.Submit("RILO-WE", {cen::test::SampleAlert("A-1", "high").dump()})[0];
  nlohmann::json update = cen::test::SampleAlert("A-1-U", "high");
  update["msg_type"] = "update";
  update["references"] = {alert};
  update["body"] = "Crew member ONYXHIDDEN identified.";
  cluster.Submit("RILO-WE", {update.dump()});
  holds("RILO-ESA", {"N-1", "W-1", "A-1", "A-1-U"}, "RILO-ESA holds the alert and its update");
  nlohmann::json narrowed_alert = cen::test::SampleAlert("A-1", "high");
  narrowed_alert["scope"] = "region:EU";
  narrowed_alert["body"] = "EU offices only.";
  cluster.Submit("RILO-WE", {narrowed_alert.dump()});
  holds("RILO-ESA", {"N-1", "W-1"}, "RILO-ESA no longer holds the alert or its update");
  holds("DE-BER", {"N-1", "W-1", "A-1", "A-1-U"}, "DE-BER, in EU, holds both");

  // An office moved out of a record's region held it; narrowed after the
  // move, the record is taken back there too.
  cluster.Submit("RILO-WE", {ScopedSeizure("M-1", "region:EU")});
  holds("DE-BER", {"N-1", "W-1", "A-1", "A-1-U", "M-1"}, "DE-BER holds M-1");
  const RunResult moved =
      cluster.RunHub({"allow", "--data", cluster.hub_dir().string(), "--node", "DE-BER", "--key",
                      (cluster.node_dir("DE-BER") / "curve.pub").string(), "--region", "AF"});
  REQUIRE(moved.exit_code == 0);
  cluster.WaitUntil(
      [&](std::string& observed) {
        const int64_t heard = cluster.NodeQuery(
            "DE-BER", "SELECT count(*) FROM meta WHERE key = 'hub_region' AND value = 'AF'");
        observed = heard == 1 ? "in AF" : "not told yet";
        return heard == 1;
      },
      std::chrono::seconds(30), "DE-BER has heard it is in AF");
  nlohmann::json private_m1 = nlohmann::json::parse(ScopedSeizure("M-1", "nodes:RILO-WE"));
  private_m1["description"] = "for RILO-WE alone";
  cluster.Submit("RILO-WE", {private_m1.dump()});
  holds("DE-BER", {"N-1", "W-1"}, "DE-BER, moved out of EU, no longer holds M-1");
}

}  // namespace cen::e2e
