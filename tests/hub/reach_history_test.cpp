// Records whose amendments narrow their scope, on a real hub.db: what the
// feed and FETCH serve each office of their rows (ReachHistory, read by the
// journal), for a RILO's own records, an NCP's accepted ones, a cluster
// member's second connection and a hub.db upgraded from schema 7.
#include "hub/reach_history.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/feed_fanout.h"
#include "hub/fetch_server.h"
#include "hub/hub_schema.h"
#include "tests/hub/validation_hub_fixture.h"
#include "tests/test_support/sample_records.h"

using cen::common::MsgpackJson;
using cen::common::Uuid7;
using cen::hub::FetchServer;
using cen::hub::Journal;
using cen::hub::ReachHistory;
using cen::test::Decision;
using cen::test::HubSeizure;
using cen::test::RequireOk;
using Serve = ReachHistory::Serve;

namespace {

// An alert (or, with `alert`, an update of it) as the hub's validator
// leaves it.
nlohmann::json ReachAlert(const std::string& ref, const std::string& uuid, int64_t version,
                          const std::string& scope, const std::string& alert = "") {
  nlohmann::json a = cen::test::WireAlert(ref, uuid, version);
  a["scope"] = scope;
  a["handling"] = "H0";
  a["msg_type"] = alert.empty() ? "alert" : "update";
  if (!alert.empty()) a["references"] = {alert};
  return a;
}

struct ReachHub : cen::test::ValidationHub {
  // What `node` gets of row `o` (of origin `origin`) by the journal's history.
  Serve ServeTo(const std::string& node, const Journal::Outcome& o,
                const std::string& origin = "RILO-WE") const {
    return ServeWith(journal.reaches(), node, o, origin);
  }
  Serve ServeWith(const ReachHistory& reaches, const std::string& node, const Journal::Outcome& o,
                  const std::string& origin, std::span<const std::string_view> follows = {}) const {
    const cen::hub::NodeInfo* info = registry.Find(node);
    REQUIRE(info != nullptr);
    return reaches.ServeTo(
        o.gseq, o.scope, origin,
        [&](std::string_view scope, std::string_view from) {
          return policy.MaySee(*info, scope, from);
        },
        follows);
  }
  // The same for an update or cancel of the alerts `follows`.
  Serve ServeUpdate(const std::string& node, const Journal::Outcome& o,
                    std::span<const std::string_view> follows) const {
    return ServeWith(journal.reaches(), node, o, "RILO-WE", follows);
  }
};

}  // namespace

TEST_CASE("A record amended to a narrower scope is withdrawn from the offices outside it",
          "[hub][journal][scope]") {
  ReachHub hub;
  const std::string uuid = Uuid7::Generate();
  const auto v1 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 1, "global"));
  const auto other = hub.Append("RILO-WE", HubSeizure("WE-2", Uuid7::Generate(), 1, "global"));
  // An amendment that keeps the scope changes nothing.
  const auto v2 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 2, "global"));
  CHECK(hub.journal.reaches().records() == 0);
  CHECK(hub.ServeTo("RILO-AP", v1) == Serve::kRow);

  const auto v3 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 3, "region:EU"));
  REQUIRE(v3.verdict == Journal::Verdict::kNew);
  CHECK(hub.journal.reaches().records() == 1);
  // Outside EU: no version again, and a withdrawal where version 3 stands.
  CHECK(hub.ServeTo("RILO-AP", v1) == Serve::kNothing);
  CHECK(hub.ServeTo("RILO-AP", v2) == Serve::kNothing);
  CHECK(hub.ServeTo("RILO-AP", v3) == Serve::kWithdrawal);
  CHECK(hub.ServeTo("RILO-AP", other) == Serve::kRow);
  // Inside: every version as before.
  for (const auto* o : {&v1, &v2, &v3}) CHECK(hub.ServeTo("NCP-FR", *o) == Serve::kRow);

  const nlohmann::json withdrawal =
      *MsgpackJson::Decode(hub.journal.reaches().Withdrawal(v3.gseq, uuid, 3));
  CHECK(withdrawal ==
        nlohmann::json{{"kind", "withdrawal"}, {"uuid", uuid}, {"version", 3}, {"gseq", v3.gseq}});

  // FETCH from the start: RILO-AP gets WE-2 and the withdrawal only.
  FetchServer fetch(&hub.journal, &hub.policy);
  std::vector<nlohmann::json> served;
  RequireOk(fetch.Answer(*hub.registry.Find("RILO-AP"), {{"t", "FETCH"}, {"from", 1}, {"max", 100}},
                         [&](const std::string& bytes) {
                           auto frame = cen::common::WireFrame::Decode(bytes);
                           REQUIRE(frame.ok());
                           if ((*frame)["t"] != "RECORDS") return;
                           for (const auto& r : (*frame)["records"]) served.push_back(r);
                         }));
  REQUIRE(served.size() == 2);
  CHECK(served[0]["ref"] == "WE-2");
  CHECK(served[1]["kind"] == "withdrawal");
  CHECK(served[1]["version"] == 3);

  // Widened again (redacted): RILO-AP gets the newest version, never the
  // ones before the narrowing (they may say what it was narrowed for).
  const auto v4 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 4, "global"));
  CHECK(hub.ServeTo("RILO-AP", v1) == Serve::kNothing);
  CHECK(hub.ServeTo("RILO-AP", v3) == Serve::kWithdrawal);
  CHECK(hub.ServeTo("RILO-AP", v4) == Serve::kRow);

  // A cluster member's hub thread reads what its state machine journaled
  // on another connection when it loads the journal again.
  cen::common::Database second = cen::test::ReopenHubDb(hub.tmp);
  Journal reader(&second);
  RequireOk(reader.Load());
  CHECK(reader.reaches().records() == 1);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", v3, "RILO-WE") == Serve::kWithdrawal);
  const auto v5 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 5, "nodes:NCP-FR"));
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", v4, "RILO-WE") == Serve::kRow);
  RequireOk(reader.Load());
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", v4, "RILO-WE") == Serve::kNothing);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", v5, "RILO-WE") == Serve::kWithdrawal);
}

TEST_CASE("A cancel that would miss offices its alert reaches is refused, naming them",
          "[hub][journal][scope][alerts]") {
  // A trial: a cancel scoped region:EU of a global alert left it in force
  // in Asia and Africa, and the global cancel sent next was refused (the
  // alert was cancelled): offices disagreed for good.
  ReachHub hub;
  const std::string alert = Uuid7::Generate();
  REQUIRE(hub.Append("RILO-WE", ReachAlert("A-1", alert, 1, "global")).verdict ==
          Journal::Verdict::kNew);
  nlohmann::json cancel = ReachAlert("A-1-C", Uuid7::Generate(), 1, "region:EU", alert);
  cancel["msg_type"] = "cancel";
  const auto narrow = hub.Append("RILO-WE", cancel);
  CHECK(narrow.verdict == Journal::Verdict::kRejected);
  CHECK(narrow.reason ==
        "scope: a cancel goes to every office its alert reaches, and region:EU would miss "
        "RILO-AP (the alert's scope is global): leave scope out, a cancel goes no further than "
        "its alert");
  CHECK_FALSE(Journal::CancelOf(hub.db, alert, "RILO-WE")->has_value());
  cancel["scope"] = "global";
  CHECK(hub.Append("RILO-WE", cancel).verdict == Journal::Verdict::kNew);

  // Many offices missed: ten named, the others counted.
  for (int i = 0; i < 12; ++i)
    RequireOk(
        hub.registry.Allow({"AS-" + std::to_string(10 + i), cen::test::NewPublicKey(), "AS"}));
  const std::string wide = Uuid7::Generate();
  hub.Append("RILO-WE", ReachAlert("A-3", wide, 1, "global"));
  nlohmann::json eu_only = ReachAlert("A-3-C", Uuid7::Generate(), 1, "region:EU", wide);
  eu_only["msg_type"] = "cancel";
  CHECK(hub.Append("RILO-WE", eu_only).reason ==
        "scope: a cancel goes to every office its alert reaches, and region:EU would miss "
        "AS-10, AS-11, AS-12, AS-13, AS-14, AS-15, AS-16, AS-17, AS-18, AS-19 and 3 more (the "
        "alert's scope is global): leave scope out, a cancel goes no further than its alert");

  // Narrower in words, the same offices: journaled.
  const std::string eu = Uuid7::Generate();
  hub.Append("RILO-WE", ReachAlert("A-2", eu, 1, "region:EU"));
  nlohmann::json to_ncp = ReachAlert("A-2-C", Uuid7::Generate(), 1, "nodes:NCP-FR", eu);
  to_ncp["msg_type"] = "cancel";
  CHECK(hub.Append("RILO-WE", to_ncp).verdict == Journal::Verdict::kNew);
}

TEST_CASE("An NCP's cancel is measured against its alert's versions in force and waiting",
          "[hub][journal][scope][alerts]") {
  // A review: NCP-FR's cancel with its alert's own scope was refused (the
  // alert, accepted, reaches its RILO too, which the cancel does once
  // accepted); a narrower cancel passed while a wider version waited, and
  // was accepted after that version, leaving RILO-AP with the alert in force.
  ReachHub hub;
  auto cancel_of = [](const std::string& alert, const std::string& scope) {
    nlohmann::json c = ReachAlert("FR-C-" + scope, Uuid7::Generate(), 1, scope, alert);
    c["msg_type"] = "cancel";
    return c;
  };
  SECTION("the alert's own scope") {
    const std::string alert = Uuid7::Generate();
    REQUIRE(hub.Append("NCP-FR", ReachAlert("FR-A", alert, 1, "nodes:RILO-AP")).verdict ==
            Journal::Verdict::kNew);
    REQUIRE(hub.Append("RILO-WE", Decision("accept", alert, 1)).verdict == Journal::Verdict::kNew);
    const auto c = hub.Append("NCP-FR", cancel_of(alert, "nodes:RILO-AP"));
    INFO(c.reason);
    CHECK(c.verdict == Journal::Verdict::kNew);
  }
  SECTION("narrower than a version waiting for the RILO") {
    const std::string alert = Uuid7::Generate();
    hub.Append("NCP-FR", ReachAlert("FR-A", alert, 1, "region:EU"));
    hub.Append("RILO-WE", Decision("accept", alert, 1));
    hub.Append("NCP-FR", ReachAlert("FR-A", alert, 2, "global"));  // waits
    const auto c = hub.Append("NCP-FR", cancel_of(alert, "region:EU"));
    CHECK(c.verdict == Journal::Verdict::kRejected);
    CHECK(c.reason ==
          "scope: a cancel goes to every office its alert reaches, and region:EU would miss "
          "RILO-AP (the alert's scope is global): leave scope out, a cancel goes no further "
          "than its alert");
  }
  SECTION("an update or cancel accepted before its alert is refused") {
    // A trial: RILO-WE accepted NCP-FR's update (scope left out: global)
    // before its alert (region:EU); no version of the alert being in force,
    // the update reached RILO-AP, text and all.
    const std::string alert = Uuid7::Generate();
    hub.Append("NCP-FR", ReachAlert("FR-A", alert, 1, "region:EU"));
    nlohmann::json update = ReachAlert("FR-A-U", Uuid7::Generate(), 1, "global", alert);
    REQUIRE(hub.Append("NCP-FR", update).verdict == Journal::Verdict::kNew);
    nlohmann::json cancel = cancel_of(alert, "global");
    REQUIRE(hub.Append("NCP-FR", cancel).verdict == Journal::Verdict::kNew);
    for (const nlohmann::json* early : {&update, &cancel}) {
      const auto refused = hub.Append("RILO-WE", Decision("accept", (*early)["uuid"], 1));
      CHECK(refused.verdict == Journal::Verdict::kRejected);
      CHECK(refused.reason == "record: its alert " + alert +
                                  " is not in force yet (it waits for this node's decision, or "
                                  "was returned): accept the alert first");
    }
    REQUIRE(hub.Append("RILO-WE", Decision("accept", alert, 1)).verdict == Journal::Verdict::kNew);
    const auto accepted = hub.Append("RILO-WE", Decision("accept", update["uuid"], 1));
    REQUIRE(accepted.verdict == Journal::Verdict::kNew);
    const std::string_view follows[] = {alert};
    CHECK(hub.ServeWith(hub.journal.reaches(), "RILO-AP", accepted, "RILO-WE", follows) ==
          Serve::kWithdrawal);
  }
  SECTION("accepted after a wider version of its alert") {
    const std::string alert = Uuid7::Generate();
    hub.Append("NCP-FR", ReachAlert("FR-A", alert, 1, "region:EU"));
    hub.Append("RILO-WE", Decision("accept", alert, 1));
    nlohmann::json cancel = cancel_of(alert, "region:EU");
    REQUIRE(hub.Append("NCP-FR", cancel).verdict == Journal::Verdict::kNew);
    REQUIRE(hub.Append("NCP-FR", ReachAlert("FR-A", alert, 2, "global")).verdict ==
            Journal::Verdict::kNew);
    REQUIRE(hub.Append("RILO-WE", Decision("accept", alert, 2)).verdict == Journal::Verdict::kNew);
    const auto accepted = hub.Append("RILO-WE", Decision("accept", cancel["uuid"], 1));
    CHECK(accepted.verdict == Journal::Verdict::kRejected);
    CHECK_THAT(accepted.reason, Catch::StartsWith("record: scope: a cancel goes to every office") &&
                                    Catch::EndsWith("; return it"));
    CHECK_FALSE(Journal::CancelOf(hub.db, alert, "NCP-FR")->has_value());
    // The NCP's global cancel is taken.
    const auto global = hub.Append("NCP-FR", cancel_of(alert, "global"));
    INFO(global.reason);
    CHECK(global.verdict == Journal::Verdict::kNew);
  }
}

TEST_CASE("A reach history loaded again reads every row when the table was replaced",
          "[hub][journal][scope]") {
  // A cluster member installing a snapshot gets the leader's reach_changes
  // whole: as many rows under the same ids as it held, for other records,
  // must not leave it serving by the rows it held before.
  ReachHub hub;
  const std::string a = Uuid7::Generate();
  const std::string b = Uuid7::Generate();
  const auto a1 = hub.Append("RILO-WE", HubSeizure("WE-A", a, 1, "global"));
  const auto a2 = hub.Append("RILO-WE", HubSeizure("WE-A", a, 2, "region:EU"));
  const auto b1 = hub.Append("RILO-WE", HubSeizure("WE-B", b, 1, "global"));
  cen::common::Database second = cen::test::ReopenHubDb(hub.tmp);
  Journal reader(&second);
  RequireOk(reader.Load());
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", a2, "RILO-WE") == Serve::kWithdrawal);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", b1, "RILO-WE") == Serve::kRow);

  // The snapshot's table: B narrowed (its version 2 journaled later on the
  // leader), A never; two rows under ids 1 and 2, as before.
  const auto b2 = hub.Append("RILO-WE", HubSeizure("WE-B", b, 2, "region:EU"));
  RequireOk(
      second.Exec("DELETE FROM reach_changes; INSERT INTO reach_changes(id, gseq, record, "
                  "version, scope, origin) VALUES (1, " +
                  std::to_string(b1.gseq) + ", '" + b + "', 1, 'global', 'RILO-WE'), (2, " +
                  std::to_string(b2.gseq) + ", '" + b + "', 2, 'region:EU', 'RILO-WE')"));
  RequireOk(reader.Load());
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", a1, "RILO-WE") == Serve::kRow);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", a2, "RILO-WE") == Serve::kNothing);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", b1, "RILO-WE") == Serve::kNothing);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", b2, "RILO-WE") == Serve::kWithdrawal);
}

TEST_CASE("A narrowing amendment journaled before the version it amends still withdraws it",
          "[hub][journal][scope]") {
  // The office's outbox sends the priority lane first: an urgent version 2
  // can reach the hub before the bulk version 1 it amends.
  ReachHub hub;
  const std::string uuid = Uuid7::Generate();
  const auto v2 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 2, "region:EU"));
  const auto v1 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 1, "global"));
  REQUIRE(v1.verdict == Journal::Verdict::kNew);
  REQUIRE(v1.gseq > v2.gseq);
  CHECK(hub.ServeTo("RILO-AP", v1) == Serve::kNothing);
  CHECK(hub.ServeTo("RILO-AP", v2) == Serve::kWithdrawal);
  CHECK(hub.ServeTo("NCP-FR", v1) == Serve::kRow);  // kept in its history
  CHECK(hub.ServeTo("NCP-FR", v2) == Serve::kRow);
}

TEST_CASE("An update of a narrowed alert goes no further than the alert",
          "[hub][journal][scope][alerts]") {
  ReachHub hub;
  const std::string alert = Uuid7::Generate();
  auto alert_json = [&](int64_t version, const std::string& scope) {
    return ReachAlert("WE-A1", alert, version, scope);
  };
  hub.Append("RILO-WE", alert_json(1, "global"));
  const nlohmann::json update = ReachAlert("WE-A1-U1", Uuid7::Generate(), 1, "global", alert);
  const auto u1 = hub.Append("RILO-WE", update);
  REQUIRE(u1.verdict == Journal::Verdict::kNew);
  const std::vector<std::string_view> follows = {alert};
  CHECK(hub.ServeUpdate("RILO-AP", u1, follows) == Serve::kRow);
  hub.Append("RILO-WE", alert_json(2, "region:EU"));
  CHECK(hub.ServeUpdate("RILO-AP", u1, follows) == Serve::kWithdrawal);
  CHECK(hub.ServeUpdate("NCP-FR", u1, follows) == Serve::kRow);
  const nlohmann::json withdrawal = *MsgpackJson::Decode(
      hub.journal.reaches().Withdrawal(u1.gseq, update["uuid"].get<std::string>(), 1));
  CHECK(withdrawal["uuid"] == update["uuid"]);
}

TEST_CASE("An update of an alert scoped to one region from the start goes no further",
          "[hub][journal][scope][alerts]") {
  // A trial: an EU alert's update with the default scope (global) reached
  // Asia, text and all, and ran its hooks there.
  ReachHub hub;
  const std::string alert = Uuid7::Generate();
  const auto a1 = hub.Append("RILO-WE", ReachAlert("WE-A2", alert, 1, "region:EU"));
  const nlohmann::json update = ReachAlert("WE-A2-U1", Uuid7::Generate(), 1, "global", alert);
  const auto u1 = hub.Append("RILO-WE", update);
  REQUIRE(u1.verdict == Journal::Verdict::kNew);
  const std::vector<std::string_view> follows = {alert};
  CHECK(hub.ServeUpdate("RILO-AP", u1, follows) == Serve::kWithdrawal);
  CHECK(hub.ServeUpdate("NCP-FR", u1, follows) == Serve::kRow);
  // The alert itself is served as its scope says: no withdrawal for an
  // office that never could see it (it would learn the uuid).
  CHECK(hub.ServeTo("RILO-AP", a1) == Serve::kNothing);
  CHECK(hub.ServeTo("NCP-FR", a1) == Serve::kRow);
}

TEST_CASE("An office moved out of a record's region is told when the record is narrowed",
          "[hub][journal][scope]") {
  // RILO-AP (region AS) held version 1, scoped to AS, then moved to EU: it
  // may see no version now, and must still learn of version 2.
  ReachHub hub;
  const std::string uuid = Uuid7::Generate();
  const auto v1 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 1, "region:AS"));
  RequireOk(hub.registry.Allow({"RILO-AP", hub.registry.Find("RILO-AP")->pubkey, "EU"}));
  const auto v2 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 2, "nodes:NCP-FR"));
  CHECK(hub.ServeTo("RILO-AP", v1) == Serve::kWithdrawal);
  CHECK(hub.ServeTo("RILO-AP", v2) == Serve::kWithdrawal);
  CHECK(hub.ServeTo("NCP-FR", v1) == Serve::kWithdrawal);  // never held it: learns the uuid
  CHECK(hub.ServeTo("NCP-FR", v2) == Serve::kRow);
}

TEST_CASE("An NCP's record accepted with a narrower scope is withdrawn at the acceptance",
          "[hub][journal][scope][validation]") {
  ReachHub hub;
  const std::string uuid = Uuid7::Generate();
  const auto p1 = hub.Append("NCP-FR", HubSeizure("FR-1", uuid, 1, "global"));
  const auto a1 = hub.Append("RILO-WE", Decision("accept", uuid, 1));
  REQUIRE(a1.verdict == Journal::Verdict::kNew);
  CHECK(hub.ServeTo("RILO-AP", a1) == Serve::kRow);
  // The amendment waiting for RILO-WE changes nothing at RILO-AP yet.
  const auto p2 = hub.Append("NCP-FR", HubSeizure("FR-1", uuid, 2, "region:EU"));
  CHECK(hub.ServeTo("RILO-AP", a1) == Serve::kRow);
  CHECK(hub.ServeTo("RILO-AP", p2, "NCP-FR") == Serve::kNothing);
  const auto a2 = hub.Append("RILO-WE", Decision("accept", uuid, 2));
  REQUIRE(a2.verdict == Journal::Verdict::kNew);
  CHECK(hub.ServeTo("RILO-AP", a1) == Serve::kNothing);
  CHECK(hub.ServeTo("RILO-AP", a2) == Serve::kWithdrawal);
  // For the record and version accepted, not the decision's.
  const nlohmann::json withdrawal =
      *MsgpackJson::Decode(hub.journal.reaches().Withdrawal(a2.gseq, "decision-uuid", 1));
  CHECK(withdrawal["uuid"] == uuid);
  CHECK(withdrawal["version"] == 2);
  // The NCP and its RILO see every version, pending rows as before.
  for (const auto* o : {&p1, &p2}) CHECK(hub.ServeTo("RILO-WE", *o, "NCP-FR") == Serve::kRow);
  for (const auto* o : {&a1, &a2}) CHECK(hub.ServeTo("NCP-FR", *o) == Serve::kRow);
}

TEST_CASE("A hub.db of schema 7 is upgraded with the records narrowed before",
          "[hub][journal][scope]") {
  ReachHub hub;
  const std::string uuid = Uuid7::Generate();
  const auto v1 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 1, "global"));
  const auto v2 = hub.Append("RILO-WE", HubSeizure("WE-1", uuid, 2, "region:EU"));
  hub.Append("RILO-WE", HubSeizure("WE-2", Uuid7::Generate(), 1, "global"));
  RequireOk(hub.db.Exec(
      "DROP TABLE reach_changes; UPDATE meta SET value = '7' WHERE key = 'hub_schema'"));
  cen::common::Database upgraded = cen::test::ReopenHubDb(hub.tmp);
  CHECK(cen::test::QueryNumber(upgraded, "SELECT count(*) FROM reach_changes") == 2);
  Journal reader(&upgraded);
  RequireOk(reader.Load());
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", v1, "RILO-WE") == Serve::kNothing);
  CHECK(hub.ServeWith(reader.reaches(), "RILO-AP", v2, "RILO-WE") == Serve::kWithdrawal);
}

TEST_CASE("An NCP's update its RILO accepts goes no further than the alert",
          "[hub][journal][scope][validation][alerts]") {
  // A review: an accepted update reaches offices in a decision row (kind
  // decision, the update under "accepted"), which carried no references.
  ReachHub hub;
  const std::string alert = Uuid7::Generate();
  hub.Append("NCP-FR", ReachAlert("FR-A1", alert, 1, "region:EU"));
  REQUIRE(hub.Append("RILO-WE", Decision("accept", alert, 1)).verdict == Journal::Verdict::kNew);
  const std::string update = Uuid7::Generate();
  const nlohmann::json u = ReachAlert("FR-A1-U1", update, 1, "global", alert);
  hub.Append("NCP-FR", u);
  const auto accepted = hub.Append("RILO-WE", Decision("accept", update, 1));
  REQUIRE(accepted.verdict == Journal::Verdict::kNew);
  ReachHistory::Named named;
  hub.journal.reaches().ReadNamed("decision", accepted.body, &named);
  REQUIRE(named.alerts.size() == 1);
  CHECK(named.alerts[0] == alert);
  CHECK(named.uuid == update);
  CHECK(hub.ServeUpdate("RILO-AP", accepted, named.alerts) == Serve::kWithdrawal);
  CHECK(hub.ServeUpdate("RILO-WE", accepted, named.alerts) == Serve::kRow);
  const nlohmann::json withdrawal = *MsgpackJson::Decode(
      hub.journal.reaches().Withdrawal(accepted.gseq, named.uuid, named.version));
  CHECK(withdrawal["uuid"] == update);  // the update's, not the decision's
}

TEST_CASE("A cancel takes its alert back from an office that left the alert's scope",
          "[hub][journal][scope][alerts]") {
  // A trial: an office taken out of a group kept the group's high alert,
  // and the cancel that followed went to the group alone: the alert stayed
  // in force there, cancelled everywhere else.
  ReachHub hub;
  RequireOk(hub.registry.Allow({"EU-X", cen::test::NewPublicKey(), "EU"}));
  // An EU alert EU-X receives; EU-X moves to Asia (it keeps what it held),
  // then the alert is cancelled with `scope`.
  auto cancel_after_move = [&](const std::string& ref, const std::string& alert,
                               const std::string& scope) {
    RequireOk(hub.registry.Allow({"EU-X", hub.registry.Find("EU-X")->pubkey, "EU"}));
    const auto a = hub.Append("RILO-WE", ReachAlert(ref, alert, 1, "region:EU"));
    REQUIRE(a.verdict == Journal::Verdict::kNew);
    CHECK(hub.ServeTo("EU-X", a) == Serve::kRow);
    RequireOk(hub.registry.Allow({"EU-X", hub.registry.Find("EU-X")->pubkey, "AS"}));
    nlohmann::json cancel = ReachAlert(ref + "-C", Uuid7::Generate(), 1, scope, alert);
    cancel["msg_type"] = "cancel";
    const auto c = hub.Append("RILO-WE", cancel);
    REQUIRE(c.verdict == Journal::Verdict::kNew);
    return std::make_pair(cancel, c);
  };
  const std::string alert = Uuid7::Generate();
  const auto [cancel, c1] = cancel_after_move("X-1", alert, "region:EU");

  const std::vector<std::string_view> follows = {alert};
  // What `node` gets of cancel `c` of the alerts `names`.
  auto serve = [&](const std::string& node, const Journal::Outcome& c,
                   const std::vector<std::string_view>& names) {
    const cen::hub::NodeInfo* info = hub.registry.Find(node);
    const ReachHistory::MaySee may_see = [&](std::string_view scope, std::string_view from) {
      return hub.policy.MaySee(*info, scope, from);
    };
    const ReachHistory& reaches = hub.journal.reaches();
    std::vector<nlohmann::json> got;
    switch (reaches.ServeTo(c.gseq, c.scope, "RILO-WE", may_see, names, /*cancel=*/true)) {
      case Serve::kRow:
        got.push_back("row");
        break;
      case Serve::kAlertWithdrawals:
        if (auto body = reaches.AlertWithdrawal(c.gseq, names, may_see))
          got.push_back(*MsgpackJson::Decode(*body));
        break;
      default:
        got.push_back("other");
    }
    return got;
  };
  CHECK(serve("NCP-FR", c1, follows) == std::vector<nlohmann::json>{"row"});
  const std::vector<nlohmann::json> moved = serve("EU-X", c1, follows);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0]["kind"] == "withdrawal");
  CHECK(moved[0]["uuid"] == alert);
  CHECK(moved[0]["version"] == 1);
  CHECK(moved[0]["gseq"] == c1.gseq);
  // An office that never held it is told too (who held it cannot be told).
  CHECK(serve("RILO-AP", c1, follows) == moved);

  // FETCH serves the same to the office that moved.
  FetchServer fetch(&hub.journal, &hub.policy);
  std::vector<nlohmann::json> served;
  RequireOk(fetch.Answer(*hub.registry.Find("EU-X"),
                         {{"t", "FETCH"}, {"from", c1.gseq}, {"max", 10}},
                         [&](const std::string& bytes) {
                           auto frame = cen::common::WireFrame::Decode(bytes);
                           REQUIRE(frame.ok());
                           if ((*frame)["t"] != "RECORDS") return;
                           for (const auto& r : (*frame)["records"]) served.push_back(r);
                         }));
  CHECK(served == moved);

  // And so does the feed, as the cancel is journaled.
  std::map<std::string, std::vector<nlohmann::json>> fed;
  cen::hub::FeedFanout fanout(&hub.registry, &hub.policy, &hub.journal.reaches(),
                              [&](const std::string& topic, const auto& bytes) {
                                auto frame = cen::common::WireFrame::Decode(*bytes);
                                REQUIRE(frame.ok());
                                for (const auto& r : (*frame)["records"]) fed[topic].push_back(r);
                              });
  const std::vector<Journal::Candidate> candidates = {{"RILO-WE", cancel}};
  fanout.Commit("e1", candidates, std::vector<Journal::Outcome>{c1});
  CHECK(fed[cen::common::WireFrame::FeedTopic("EU-X")] == moved);
  REQUIRE(fed[cen::common::WireFrame::FeedTopic("NCP-FR")].size() == 1);
  CHECK(fed[cen::common::WireFrame::FeedTopic("NCP-FR")][0]["uuid"] == cancel["uuid"]);

  // A cancel without a scope is global: wider than its alert, it takes the
  // alert back from the office that left the alert's scope all the same.
  const std::string second = Uuid7::Generate();
  const Journal::Outcome c2 = cancel_after_move("X-2", second, "global").second;
  const std::vector<std::string_view> names_second = {second};
  const std::vector<nlohmann::json> second_back = serve("EU-X", c2, names_second);
  REQUIRE(second_back.size() == 1);
  CHECK(second_back[0]["uuid"] == second);
  // An update wider than its alert still gives its own withdrawal.
  CHECK(hub.ServeUpdate("EU-X", c2, names_second) == Serve::kWithdrawal);
  CHECK(hub.ServeUpdate("NCP-FR", c2, names_second) == Serve::kRow);

  // One cancel of three alerts: one record for its gseq (a replica takes
  // one per gseq), naming the alerts the office may not see; an office
  // that may see one of them gets the cancel itself, which cancels every
  // one it holds; an alert only ever sent to named offices is no news to
  // the others.
  RequireOk(hub.registry.Allow({"EU-X", hub.registry.Find("EU-X")->pubkey, "EU"}));
  const std::string a = Uuid7::Generate(), b = Uuid7::Generate(), g = Uuid7::Generate(),
                    n = Uuid7::Generate();
  hub.Append("RILO-WE", ReachAlert("X-3", a, 1, "region:EU"));
  hub.Append("RILO-WE", ReachAlert("X-4", b, 1, "region:EU"));
  hub.Append("RILO-WE", ReachAlert("X-5", g, 1, "global"));
  hub.Append("RILO-WE", ReachAlert("X-6", n, 1, "nodes:NCP-FR"));
  RequireOk(hub.registry.Allow({"EU-X", hub.registry.Find("EU-X")->pubkey, "AS"}));
  nlohmann::json several = ReachAlert("X-3-C", Uuid7::Generate(), 1, "global", a);
  several["msg_type"] = "cancel";
  several["references"] = {a, b, n};
  const auto c3 = hub.Append("RILO-WE", several);
  REQUIRE(c3.verdict == Journal::Verdict::kNew);
  const std::vector<std::string_view> three = {a, b, n};
  const std::vector<nlohmann::json> both = serve("EU-X", c3, three);
  REQUIRE(both.size() == 1);
  CHECK(both[0]["uuid"] == a);
  CHECK(both[0]["also"] == nlohmann::json::array({{{"uuid", b}, {"version", 1}}}));
  const std::string a2 = Uuid7::Generate();
  hub.Append("RILO-WE", ReachAlert("X-7", a2, 1, "region:EU"));
  several["references"] = {a2, g};
  several["uuid"] = Uuid7::Generate();
  several["ref"] = "X-5-C";
  const auto c4 = hub.Append("RILO-WE", several);
  REQUIRE(c4.verdict == Journal::Verdict::kNew);
  CHECK(serve("EU-X", c4, {a2, g}) == std::vector<nlohmann::json>{"row"});
}
