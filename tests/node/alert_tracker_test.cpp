#include "node/agent/alert_tracker.h"

#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "node/agent/feed_applier.h"
#include "node/agent/replica.h"
#include "node/query/alert_book.h"
#include "node/query/alert_queries.h"
#include "node/store/outbox.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::Uuid7;
using cen::node::AlertBook;
using cen::node::AlertTracker;
using cen::node::FeedApplier;
using cen::node::Outbox;
using cen::node::Replica;
using cen::test::CountRows;
using cen::test::CreateNodeDb;
using cen::test::Packed;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;

namespace {

// A node "AS" whose replica reacts through an AlertTracker, as the agent wires it.
struct AlertTrackerNode {
  explicit AlertTrackerNode(AlertTracker::Hooks hooks = {true, true})
      : db(CreateNodeDb(tmp, "AS")), outbox(&db), replica(&db), tracker(&db, "AS", &outbox, hooks) {
    RequireOk(replica.Load());
    replica.set_observer([this](const cen::common::MsgpackMap& r, bool in_order) {
      return tracker.OnApplied(r, in_order);
    });
    replica.set_cursor_observer([this](int64_t cursor) { return tracker.OnCursor(cursor); });
    replica.set_pending_observer([this](std::string_view uuid, int64_t version) {
      return tracker.OnPending(uuid, version);
    });
  }

  // `record` as the hub sends it: from `origin`, journaled at `at`.
  static json Journaled(json record, const std::string& origin, int64_t at) {
    if (!record.contains("uuid")) record["uuid"] = Uuid7::Generate();
    record["version"] = record.value("version", 1);
    record["origin"] = origin;
    record["gseq"] = at;
    record["received_at"] = cen::common::Clock::NowRfc3339();
    record["scope"] = record.value("scope", "global");
    return record;
  }

  // Applies `record` from `origin` at the next gseq, in order.
  std::string Apply(json record, const std::string& origin) {
    record = Journaled(std::move(record), origin, ++gseq);
    RequireOk(replica.Apply(Packed({record}), gseq));
    return record["uuid"];
  }

  // Applies `record` from `origin` at `gseq` ahead of the cursor (the priority lane).
  void ApplyEarly(json record, const std::string& origin, int64_t at) {
    if (!record.contains("uuid")) record["uuid"] = Uuid7::Generate();
    record["version"] = record.value("version", 1);
    record["origin"] = origin;
    record["gseq"] = at;
    record["received_at"] = "2026-11-30T10:00:00Z";
    record["scope"] = record.value("scope", "global");
    auto applied = replica.ApplyEarly(Packed({record}));
    REQUIRE(applied.ok());
  }

  // The receipts queued in the outbox, as they will go to the hub.
  std::vector<json> Queued() {
    auto pending = outbox.Pending(0, 1000);
    REQUIRE(pending.ok());
    std::vector<json> out;
    for (const auto& e : *pending) {
      auto decoded = cen::common::MsgpackJson::Decode(e.body);
      REQUIRE(decoded.ok());
      out.push_back(*decoded);
    }
    return out;
  }

  std::vector<std::string> Hits() {
    auto stmt = db.Prepare("SELECT source, indicator, value FROM hits ORDER BY id");
    REQUIRE(stmt.ok());
    std::vector<std::string> out;
    while (*stmt->Step()) {
      out.push_back(stmt->ColumnText(0) + " " + stmt->ColumnText(1) + " " + stmt->ColumnText(2));
    }
    return out;
  }

  // An analyst adds the watch "tobacco" through another connection, as
  // cen-query does.
  void WatchTobaccoFromAnotherConnection() {
    auto other = Database::Open(db.path(), Database::Mode::kReadWrite);
    REQUIRE(other.ok());
    RequireOk(other->Exec(
        "INSERT INTO watches(name, filter, created_at, created_by) VALUES "
        "('tobacco', '{\"commodities\":[\"tobacco\"]}', '2026-11-30T10:00:00Z', 'analyst')"));
  }
  void ScanAll() {
    for (int i = 0; i < 100; ++i) {
      auto more = tracker.ScanHistory(std::chrono::steady_clock::now() + std::chrono::seconds(1));
      REQUIRE(more.ok());
      if (!*more) return;
    }
    FAIL("the history scan did not finish");
  }

  TempDir tmp;
  Database db;
  Outbox outbox;
  Replica replica;
  AlertTracker tracker;
  int64_t gseq = 0;
};

json AlertTrackerSeizure(const std::string& ref, const json& extra) {
  json s = cen::test::SampleSeizure(ref);
  s.update(extra);
  return s;
}

json AlertTrackerAlert(const std::string& ref, const json& extra = json::object()) {
  json a = cen::test::SampleAlert(ref);
  a["msg_type"] = "alert";
  a.update(extra);
  return a;
}

const json kIndicators = {{"indicators",
                           {{"containers", {"CSQU3054383"}},
                            {"vessel_imo", {"9074729"}},
                            {"companies", {"Frutas del Pacifico"}},
                            {"routes", json::array({json::array({"EC", "NL"})})},
                            {"hs_codes", {"293972"}}}}};

// Seizures AF-0.. that no indicator of kIndicators matches.
std::vector<json> AlertTrackerSeizures(int count) {
  std::vector<json> out;
  for (int i = 0; i < count; ++i)
    out.push_back(AlertTrackerSeizure("AF-" + std::to_string(i), json::object()));
  return out;
}

// Buffers `records` (from AF) after the node's cursor and applies a slice of
// them that an urgent alert with kIndicators, arriving on the slice's third
// question, rolls back; then applies that alert ahead of them, telling the
// tracker how each transaction ended, as the agent does.
void CutSlice(AlertTrackerNode* node, FeedApplier* applier, std::vector<json> records) {
  const int64_t first = node->gseq + 1;
  std::vector<json> journaled;
  for (json& r : records)
    journaled.push_back(AlertTrackerNode::Journaled(std::move(r), "AF", ++node->gseq));
  applier->AddRange(first, node->gseq, Packed(journaled));
  // The priority lane runs ahead of the backlog.
  const int64_t urgent_gseq = node->gseq + 1000000;
  int asked = 0;
  auto n = applier->ApplySlice(std::chrono::steady_clock::time_point::max(), [&] {
    if (++asked < 3) return false;
    applier->AddPriority(Packed({AlertTrackerNode::Journaled(
        AlertTrackerAlert("URGENT-" + std::to_string(urgent_gseq), kIndicators), "EU",
        urgent_gseq)}));
    return true;
  });
  REQUIRE(n.ok());
  REQUIRE(applier->preempted());
  node->tracker.RolledBack();
  REQUIRE(applier->ApplyPriority().ok());
  node->tracker.Committed();
}

}  // namespace

TEST_CASE("An alert from another office is receipted once, through the outbox",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1"), "EU");
  auto queued = node.Queued();
  REQUIRE(queued.size() == 1);
  CHECK(queued[0]["kind"] == "receipt");
  CHECK(queued[0]["action"] == "delivered");
  CHECK(queued[0]["alert"] == alert);
  CHECK(queued[0]["scope"] == "nodes:EU");
  CHECK(queued[0]["ref"] == "delivered:" + alert);
  CHECK(node.tracker.TakeQueued());
  CHECK_FALSE(node.tracker.TakeQueued());
  CHECK(CountRows(node.db, "hook_events") == 1);

  SECTION("an amendment is a new alert event but not a second delivery") {
    json amended = AlertTrackerAlert("EU-1", {{"uuid", alert}, {"version", 2}});
    node.Apply(amended, "EU");
    CHECK(node.Queued().size() == 1);
    CHECK(CountRows(node.db, "hook_events") == 2);
  }
  SECTION("a rebuilt replica applies it again without a second reaction") {
    RequireOk(node.replica.Reset("e2"));
    node.gseq = 0;
    node.Apply(AlertTrackerAlert("EU-1", {{"uuid", alert}}), "EU");
    CHECK(node.Queued().size() == 1);
    CHECK(CountRows(node.db, "hook_events") == 1);
  }
  SECTION("an own alert gets no receipt and no hook") {
    node.Apply(AlertTrackerAlert("AS-1"), "AS");
    CHECK(node.Queued().size() == 1);
    CHECK(CountRows(node.db, "hook_events") == 1);
  }
}

TEST_CASE("An alert escalated to urgent by an update is receipted again, for the update",
          "[node][alert_tracker]") {
  // A trial: the hub and the origin said an urgent escalation had reached
  // every office while it had reached none (the receipts were the alert's).
  AlertTrackerNode node;
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1", {{"priority", "high"}}), "EU");
  REQUIRE(node.Queued().size() == 1);
  node.Apply(AlertTrackerAlert(
                 "EU-1-U", {{"msg_type", "update"}, {"references", {alert}}, {"priority", "high"}}),
             "EU");
  CHECK(node.Queued().size() == 1);  // an update of the same priority is the alert's story
  const std::string escalation = node.Apply(
      AlertTrackerAlert("EU-1-URGENT",
                        {{"msg_type", "update"}, {"references", {alert}}, {"priority", "urgent"}}),
      "EU");
  const auto queued = node.Queued();
  REQUIRE(queued.size() == 2);
  CHECK(queued[1]["action"] == "delivered");
  CHECK(queued[1]["alert"] == escalation);
  CHECK(queued[1]["ref"] == "delivered:" + escalation);

  SECTION("an update made urgent by its amendment is receipted once") {
    const std::string update = node.Apply(
        AlertTrackerAlert(
            "EU-1-U2", {{"msg_type", "update"}, {"references", {alert}}, {"priority", "normal"}}),
        "EU");
    CHECK(node.Queued().size() == 2);
    json urgent_now = AlertTrackerAlert("EU-1-U2", {{"msg_type", "update"},
                                                    {"references", {alert}},
                                                    {"priority", "urgent"},
                                                    {"uuid", update},
                                                    {"version", 2}});
    node.Apply(urgent_now, "EU");
    REQUIRE(node.Queued().size() == 3);
    CHECK(node.Queued()[2]["ref"] == "delivered:" + update);
    urgent_now["version"] = 3;
    node.Apply(urgent_now, "EU");
    CHECK(node.Queued().size() == 3);
  }
}

TEST_CASE("Hooks are queued only when a command is configured", "[node][alert_tracker]") {
  AlertTrackerNode node({false, false});
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  node.Apply(AlertTrackerSeizure("AF-1", {{"containers", {"CSQU3054383"}}}), "AF");
  CHECK(node.Hits().size() == 1);
  CHECK(CountRows(node.db, "hook_events") == 0);
  CHECK(node.Queued().size() == 2);  // delivered, and the hit
  (void)alert;
}

TEST_CASE("Seizures applied after an alert are matched on every indicator",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  node.Apply(AlertTrackerSeizure("AF-1", {{"containers", {"CSQU3054383"}}}), "AF");
  node.Apply(AlertTrackerSeizure("AF-2", {{"vessel_imo", "9074729"}}), "AF");
  node.Apply(AlertTrackerSeizure("AF-3", {{"description", "shipped by FRUTAS DEL PACIFICO S.A."}}),
             "AF");
  node.Apply(AlertTrackerSeizure("AF-4",
                                 {{"departure", "EC"}, {"transit", {"PA"}}, {"destination", "NL"}}),
             "AF");
  node.Apply(AlertTrackerSeizure("AF-5", {{"hs_code", "29397200"}}), "AF");
  node.Apply(AlertTrackerSeizure(
                 "AF-6", {{"hs_code", "24022000"}, {"departure", "NL"}, {"destination", "EC"}}),
             "AF");
  CHECK(node.Hits() ==
        std::vector<std::string>{alert + " containers CSQU3054383", alert + " vessel_imo 9074729",
                                 alert + " companies Frutas del Pacifico", alert + " routes EC>NL",
                                 alert + " hs_codes 293972"});
  // Each hit goes to EU as a receipt, after the delivery receipt.
  const auto queued = node.Queued();
  REQUIRE(queued.size() == 6);
  for (size_t i = 1; i < queued.size(); ++i) {
    CHECK(queued[i]["action"] == "hit");
    CHECK(queued[i]["scope"] == "nodes:EU");
  }
  CHECK(queued[1]["hit"]["indicator"] == "containers");
  // A hit event per hit, after the alert event.
  CHECK(CountRows(node.db, "hook_events") == 6);

  SECTION("a hit is found once even when the seizure is applied again or amended") {
    const auto before = node.Hits().size();
    auto stmt = node.db.Prepare("SELECT uuid FROM records WHERE ref = 'AF-1'");
    REQUIRE(*stmt->Step());
    node.Apply(AlertTrackerSeizure("AF-1", {{"uuid", stmt->ColumnText(0)},
                                            {"version", 2},
                                            {"containers", {"CSQU3054383"}},
                                            {"quantity", 2}}),
               "AF");
    CHECK(node.Hits().size() == before);
  }
}

TEST_CASE("A new alert is matched against the records already held", "[node][alert_tracker]") {
  AlertTrackerNode node;
  for (int i = 0; i < 30; ++i) {
    node.Apply(AlertTrackerSeizure("OLD-" + std::to_string(i),
                                   {{"hs_code", i % 10 == 0 ? "29397200" : "24022000"}}),
               "AF");
  }
  node.Apply(AlertTrackerSeizure("OLD-C", {{"containers", {"CSQU3054383"}}}), "AF");
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  CHECK(node.Hits().empty());  // found by the scan, not inside the apply
  node.ScanAll();
  CHECK(node.Hits().size() == 4);  // three HS code matches and the container
  CHECK(CountRows(node.db, "hit_scans") == 0);
  node.ScanAll();  // nothing left: no duplicates
  CHECK(node.Hits().size() == 4);

  SECTION("a cancelled alert is not scanned") {
    const std::string other = node.Apply(AlertTrackerAlert("EU-2", kIndicators), "EU");
    node.Apply(AlertTrackerAlert("EU-2-C", {{"msg_type", "cancel"}, {"references", {other}}}),
               "EU");
    node.ScanAll();
    CHECK(node.Hits().size() == 4);
  }
  (void)alert;
}

// ISO 6346 container number `serial` of owner CSQU, with its check digit.
std::string Container(int serial) {
  std::string number = "CSQU" + std::to_string(1000000 + serial).substr(1);
  static const int kLetter[] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};
  int sum = 0;
  for (size_t i = 0; i < number.size(); ++i) {
    const char c = number[i];
    const int value = c >= 'A' ? kLetter[c - 'A'] : c - '0';
    sum += value << i;
  }
  return number + std::to_string(sum % 11 % 10);
}

TEST_CASE("An alert naming a thousand containers is matched against the records already held",
          "[node][alert_tracker]") {
  // Its history scan asked SQLite for one OR term per container: "Expression
  // tree is too large (maximum depth 1000)", taken for a node.db failure,
  // held every office's apply for good.
  AlertTrackerNode node;
  CHECK(Container(305438) == "CSQU3054383");  // the standard's own example
  for (int i = 0; i < 20; ++i)
    node.Apply(AlertTrackerSeizure("OLD-" + std::to_string(i),
                                   {{"containers", {Container(500000 + i * 37)}}}),
               "AF");
  json containers = json::array();
  for (int i = 0; i < 1100; ++i) containers.push_back(Container(600000 + i));
  containers.push_back(Container(500000 + 7 * 37));  // OLD-7's
  node.Apply(AlertTrackerAlert("EU-BIG", {{"indicators", {{"containers", containers}}}}), "EU");
  node.ScanAll();
  REQUIRE(node.Hits().size() == 1);
  CHECK_THAT(node.Hits()[0], Catch::EndsWith("containers " + Container(500000 + 7 * 37)));
}

TEST_CASE("Asking for a history scan with none pending reads nothing from node.db",
          "[node][alert_tracker]") {
  // The agent asks at every idle turn of its loop (about a thousand a
  // second while records flow): each read would begin and end a read
  // transaction, two file locks.
  AlertTrackerNode node;
  node.Apply(AlertTrackerSeizure("OLD-C", {{"containers", {"CSQU3054383"}}}), "AF");
  node.ScanAll();
  const int64_t runs = node.db.StatementRuns();
  for (int i = 0; i < 5; ++i) {
    auto more =
        node.tracker.ScanHistory(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    REQUIRE(more.ok());
    CHECK_FALSE(*more);
  }
  CHECK(node.db.StatementRuns() == runs);

  // A new alert makes it look again, and finds the record held.
  node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  node.ScanAll();
  CHECK(node.Hits().size() == 1);
}

TEST_CASE("An own alert's hits stay local, receipts go only to other offices",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.Apply(AlertTrackerAlert("AS-1", kIndicators), "AS");
  node.Apply(AlertTrackerSeizure("AF-1", {{"containers", {"CSQU3054383"}}}), "AF");
  CHECK(node.Hits().size() == 1);
  CHECK(node.Queued().empty());
}

TEST_CASE("Watch lists turn matching records into hits", "[node][alert_tracker]") {
  AlertTrackerNode node;
  RequireOk(node.db.Exec(
      "INSERT INTO watches(name, filter, created_at, created_by) VALUES "
      "('tobacco-th', '{\"commodities\":[\"tobacco\"],\"reporting_countries\":[\"TH\"]}', "
      "'2026-11-30T10:00:00Z', 'analyst')"));
  node.Apply(AlertTrackerSeizure("AF-1", {{"commodity", "tobacco"}, {"reporting_country", "TH"}}),
             "AF");
  node.Apply(AlertTrackerSeizure("AF-2", {{"commodity", "tobacco"}, {"reporting_country", "FR"}}),
             "AF");
  node.Apply(AlertTrackerSeizure("AF-3", {{"commodity", "drugs"}, {"reporting_country", "TH"}}),
             "AF");
  CHECK(node.Hits() == std::vector<std::string>{"watch:tobacco-th watch tobacco-th"});
  CHECK(node.Queued().empty());  // a watch is this office's own business

  SECTION("a watch with a bad filter is left out, not fatal") {
    RequireOk(
        node.db.Exec("INSERT INTO watches(name, filter, created_at, created_by) VALUES "
                     "('broken', '{\"kinds\":[\"ships\"]}', '2026-11-30T10:00:00Z', 'analyst')"));
    node.Apply(AlertTrackerSeizure("AF-4", {{"commodity", "tobacco"}, {"reporting_country", "TH"}}),
               "AF");
    CHECK(node.Hits().size() == 2);
  }
}

TEST_CASE(
    "A watch added between two transactions counts from the next, data_version read once in each",
    "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.Apply(AlertTrackerSeizure("AF-0", {{"commodity", "tobacco"}}), "AF");
  node.tracker.Committed();
  node.WatchTobaccoFromAnotherConnection();
  // Each PRAGMA data_version this connection runs, counted as SQLite starts it.
  int pragmas = 0;
  sqlite3_trace_v2(
      node.db.handle(), SQLITE_TRACE_STMT,
      [](unsigned, void* counter, void* stmt, void*) -> int {
        const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
        if (sql != nullptr && std::string_view(sql).find("data_version") != std::string_view::npos)
          ++*static_cast<int*>(counter);
        return 0;
      },
      &pragmas);
  // One transaction of five records, each a match: the first sees the watch,
  // and data_version is read once in it, not once per record (within an
  // IMMEDIATE transaction no other connection commits).
  std::vector<json> batch;
  for (int i = 1; i <= 5; ++i) {
    batch.push_back(AlertTrackerNode::Journaled(
        AlertTrackerSeizure("AF-" + std::to_string(i), {{"commodity", "tobacco"}}), "AF",
        node.gseq + i));
  }
  RequireOk(node.replica.Apply(Packed(batch), node.gseq + 5));
  node.gseq += 5;
  node.tracker.Committed();
  CHECK(node.Hits().size() == 5);
  CHECK(pragmas == 1);
  // The next transaction reads it again.
  node.Apply(AlertTrackerSeizure("AF-6", {{"commodity", "tobacco"}}), "AF");
  CHECK(pragmas == 2);
  CHECK(node.Hits().size() == 6);
  sqlite3_trace_v2(node.db.handle(), 0, nullptr, nullptr);
}

TEST_CASE("Watch lists are matched without compiling a statement again per record",
          "[node][alert_tracker]") {
  // A statement whose plan hangs on a bound value (a GLOB pattern, say) is
  // compiled again at every binding: watches run for every applied record.
  AlertTrackerNode node;
  RequireOk(node.db.Exec(
      "INSERT INTO watches(name, filter, created_at, created_by) VALUES "
      "('cigarettes', '{\"hs_prefixes\":[\"2402\"]}', '2026-11-30T10:00:00Z', 'analyst'), "
      "('cites-nl', '{\"commodities\":[\"cites\"],\"reporting_countries\":[\"NL\"]}', "
      "'2026-11-30T10:00:00Z', 'analyst')"));
  node.Apply(AlertTrackerSeizure("AF-0", {{"hs_code", "240220"}}), "AF");
  const int64_t compiled = node.db.Reprepares();
  for (int i = 1; i <= 6; ++i) {
    node.Apply(AlertTrackerSeizure("AF-" + std::to_string(i),
                                   {{"hs_code", i % 2 == 0 ? "240220" : "030389"},
                                    {"commodity", i % 3 == 0 ? "cites" : "tobacco"},
                                    {"reporting_country", i % 2 == 0 ? "NL" : "TH"}}),
               "AF");
  }
  CHECK(node.Hits().size() == 5);  // AF-0, 2, 4, 6 by HS code; AF-6 as CITES in NL
  CHECK(node.db.Reprepares() == compiled);
}

TEST_CASE("A watch list with --text matches each record's own words as it is applied",
          "[node][alert_tracker]") {
  // The record is not in text.db yet when the watch looks at it: the words
  // are matched on the record itself (RecordTextMatcher).
  AlertTrackerNode node;
  RequireOk(
      node.db.Exec("INSERT INTO watches(name, filter, created_at, created_by) VALUES "
                   "('reefer-th', '{\"text\":\"\\\"reefer container\\\" OR тайник*\","
                   "\"reporting_countries\":[\"TH\"]}', '2026-11-30T10:00:00Z', 'analyst'), "
                   "('bananas', '{\"text\":\"bananas\"}', '2026-11-30T10:00:00Z', 'analyst')"));
  const std::string phrase = node.Apply(
      AlertTrackerSeizure("AF-1", {{"reporting_country", "TH"},
                                   {"description", "Cocaine in a REEFER container of bananas"}}),
      "AF");
  node.Apply(AlertTrackerSeizure("AF-2", {{"reporting_country", "TH"},
                                          {"description", "reefer lorry; container seal broken"}}),
             "AF");
  node.Apply(AlertTrackerSeizure("AF-3", {{"reporting_country", "FR"},
                                          {"description", "Cocaine in a reefer container"}}),
             "AF");
  const std::string prefix = node.Apply(
      AlertTrackerSeizure("AF-4", {{"reporting_country", "TH"}, {"concealment", "Тайники в полу"}}),
      "AF");
  auto records = [&] {
    auto stmt =
        node.db.Prepare("SELECT record FROM hits WHERE source = 'watch:reefer-th' ORDER BY id");
    REQUIRE(stmt.ok());
    std::vector<std::string> out;
    while (*stmt->Step()) out.push_back(stmt->ColumnText(0));
    return out;
  };
  CHECK(records() == std::vector<std::string>{phrase, prefix});
  // Two watches with words look at the same record's text.
  auto bananas = node.db.QueryInt("SELECT count(*) FROM hits WHERE source = 'watch:bananas'");
  REQUIRE(bananas.ok());
  CHECK(bananas->value_or(0) == 1);

  SECTION("a watch whose words are not a valid query is left out, not fatal") {
    RequireOk(node.db.Exec(
        "INSERT INTO watches(name, filter, created_at, created_by) VALUES "
        "('broken', '{\"text\":\"\\\"unclosed\"}', '2026-11-30T10:00:00Z', 'analyst')"));
    node.Apply(
        AlertTrackerSeizure("AF-5", {{"reporting_country", "TH"}, {"title", "reefer container"}}),
        "AF");
    CHECK(node.Hits().size() == 4);
  }
}

TEST_CASE("A refused decision goes again when its record is held waiting again",
          "[node][alert_tracker]") {
  // After a hub restore, the NCP's record comes back after the RILO's
  // decision on it was refused: applying the record waiting again queues
  // the decision again (the agent's wiring of Replica and AlertTracker).
  AlertTrackerNode node;
  const std::string record = Uuid7::Generate();
  auto queued = node.outbox.Enqueue({json{{"kind", "decision"},
                                          {"ref", "accept:" + record + ":1"},
                                          {"scope", "nodes:NCP-FR"},
                                          {"handling", "H0"},
                                          {"decision", "accept"},
                                          {"record", record},
                                          {"record_version", 1},
                                          {"decided_at", "2026-12-07T10:00:00Z"}}});
  REQUIRE(queued.ok());
  RequireOk(node.outbox.Acknowledge(
      {{(*queued)[0].uuid, 1, false, 0,
        "record: no record " + record + " waits for this node's decision"}}));
  REQUIRE(node.Queued().empty());
  json pending = AlertTrackerSeizure("FR-1", {{"uuid", record}, {"validation", "pending"}});
  node.Apply(pending, "NCP-FR");
  const auto again = node.Queued();
  REQUIRE(again.size() == 1);
  CHECK(again[0]["kind"] == "decision");
  CHECK(again[0]["record"] == record);
  CHECK(node.tracker.TakeQueued());
}

TEST_CASE("AlertBook applies updates, a cancel and expiry", "[node][alert_book]") {
  AlertTrackerNode node;
  const int64_t now = cen::common::Clock::NowMillis();
  const std::string a = node.Apply(AlertTrackerAlert("EU-1", {{"priority", "normal"}}), "EU");
  const std::string b = node.Apply(AlertTrackerAlert("EU-2", {{"priority", "high"}}), "EU");
  const std::string c = node.Apply(AlertTrackerAlert("EU-3", {{"priority", "normal"}}), "EU");
  node.Apply(AlertTrackerAlert("EU-1-U", {{"msg_type", "update"},
                                          {"references", {a}},
                                          {"title", "New title"},
                                          {"priority", "urgent"}}),
             "EU");
  node.Apply(AlertTrackerAlert("EU-2-C", {{"msg_type", "cancel"}, {"references", {b}}}), "EU");
  node.Apply(AlertTrackerAlert("EU-3-U", {{"msg_type", "update"},
                                          {"references", {c}},
                                          {"issued_at", "2026-01-01T00:00:00Z"},
                                          {"expires_at", "2026-01-02T00:00:00Z"}}),
             "EU");
  // From another office: ignored.
  node.Apply(AlertTrackerAlert("AF-C", {{"msg_type", "cancel"}, {"references", {a}}}), "AF");

  auto book = AlertBook::Load(node.db, now);
  REQUIRE(book.ok());
  REQUIRE(book->alerts().size() == 3);
  const auto& first = book->alerts()[0];  // urgent after its update
  CHECK(first.uuid == a);
  CHECK(first.state == AlertBook::State::kActive);
  CHECK(first.Text("title") == "New title");
  CHECK(first.chain.size() == 1);
  CHECK(book->Find(b)->state == AlertBook::State::kCancelled);
  CHECK(book->Find(c)->state == AlertBook::State::kExpired);
  CHECK(book->RootOf(first.chain[0]) == a);

  SECTION("an amendment of the alert written after an update is its newest word") {
    // A trial: offices that had the update showed its title over the
    // origin's later amendment; offices that never got it, the amendment's.
    // The update says it was written against version 1 (its origin's outbox
    // stamps alert_versions); version 2 came after it. One that does not say
    // (an older node's) counts in gseq order, as before.
    const std::string d = node.Apply(AlertTrackerAlert("EU-5"), "EU");
    node.Apply(AlertTrackerAlert("EU-5-U", {{"msg_type", "update"},
                                            {"references", {d}},
                                            {"alert_versions", {{d, 1}}},
                                            {"title", "Second title"}}),
               "EU");
    node.Apply(AlertTrackerAlert("EU-5", {{"uuid", d}, {"version", 2}, {"title", "Amended"}}),
               "EU");
    auto again = AlertBook::Load(node.db, now);
    REQUIRE(again.ok());
    CHECK(again->Find(d)->Text("title") == "Amended");
    CHECK(again->Find(d)->chain.size() == 1);  // the update stays in its history
    CHECK(again->Find(a)->Text("title") == "New title");

    node.Apply(AlertTrackerAlert("EU-1", {{"uuid", a}, {"version", 2}, {"title", "Amended"}}),
               "EU");
    auto unstamped = AlertBook::Load(node.db, now);
    REQUIRE(unstamped.ok());
    CHECK(unstamped->Find(a)->Text("title") == "New title");
  }

  SECTION("an amendment written after an update leaves the fields it did not change") {
    // A review: a drop file dropped again with its alert's text corrected,
    // its escalation row unchanged, took the escalation back everywhere.
    const std::string d = node.Apply(AlertTrackerAlert("EU-5", {{"priority", "high"}}), "EU");
    node.Apply(AlertTrackerAlert("EU-5-U", {{"msg_type", "update"},
                                            {"references", {d}},
                                            {"alert_versions", {{d, 1}}},
                                            {"priority", "urgent"},
                                            {"title", "Escalated"}}),
               "EU");
    node.Apply(AlertTrackerAlert("EU-5", {{"uuid", d},
                                          {"version", 2},
                                          {"priority", "high"},
                                          {"body", "Text corrected."},
                                          {"title", "Corrected title"}}),
               "EU");
    auto again = AlertBook::Load(node.db, now);
    REQUIRE(again.ok());
    CHECK(again->Find(d)->Text("priority") == "urgent");
    CHECK(again->Find(d)->Text("body") == "Text corrected.");
    CHECK(again->Find(d)->Text("title") == "Corrected title");
  }

  SECTION("an update written against the amendment counts, whatever the gseq order") {
    // An urgent update overtakes the bulk amendment it was written after:
    // journaled first, it must not be taken for an older word.
    const std::string d = node.Apply(AlertTrackerAlert("EU-5"), "EU");
    node.Apply(AlertTrackerAlert("EU-5-U", {{"msg_type", "update"},
                                            {"references", {d}},
                                            {"alert_versions", {{d, 2}}},
                                            {"title", "Written after the amendment"}}),
               "EU");
    auto before = AlertBook::Load(node.db, now);
    REQUIRE(before.ok());
    CHECK(before->Find(d)->Text("title") == "Written after the amendment");
    node.Apply(AlertTrackerAlert("EU-5", {{"uuid", d}, {"version", 2}, {"title", "Amended"}}),
               "EU");
    auto again = AlertBook::Load(node.db, now);
    REQUIRE(again.ok());
    CHECK(again->Find(d)->Text("title") == "Written after the amendment");
  }

  SECTION("a cancel applied before its alert (the priority lane) is in force when it arrives") {
    const std::string late = Uuid7::Generate();
    node.ApplyEarly(AlertTrackerAlert("EU-9-C", {{"msg_type", "cancel"}, {"references", {late}}}),
                    "EU", 100);
    node.Apply(AlertTrackerAlert("EU-9", {{"uuid", late}}), "EU");
    auto again = AlertBook::Load(node.db, now);
    REQUIRE(again.ok());
    CHECK(again->Find(late)->state == AlertBook::State::kCancelled);
  }
}

TEST_CASE("AlertBook lists alerts of one priority newest issued first, whatever the gseq order",
          "[node][alert_book]") {
  // An urgent alert overtakes the office's other records (the urgent lane):
  // listed by gseq, the one issued 35 days ago came above yesterday's.
  AlertTrackerNode node;
  const std::string yesterday = node.Apply(
      AlertTrackerAlert("EU-NEW", {{"priority", "urgent"}, {"issued_at", "2026-12-05T10:00:00Z"}}),
      "EU");
  const std::string older = node.Apply(
      AlertTrackerAlert("EU-OLD", {{"priority", "urgent"}, {"issued_at", "2026-11-01T09:00:00Z"}}),
      "EU");
  auto book = AlertBook::Load(node.db, cen::common::Clock::NowMillis());
  REQUIRE(book.ok());
  REQUIRE(book->alerts().size() == 2);
  CHECK(book->alerts()[0].uuid == yesterday);
  CHECK(book->alerts()[1].uuid == older);

  SECTION("an alert without issued_at counts from when the hub received it") {
    // It ranked as issued in 1970: below one issued 9 hours earlier (user trial).
    const std::string unstamped =
        node.Apply(AlertTrackerAlert("EU-NOW", {{"priority", "urgent"}}), "EU");
    auto again = AlertBook::Load(node.db, cen::common::Clock::NowMillis());
    REQUIRE(again.ok());
    REQUIRE(again->alerts().size() == 3);
    CHECK(again->alerts()[0].uuid == unstamped);
  }
}

TEST_CASE("An alert's age counts from its first version, not its amendment", "[node][alert_book]") {
  // A trial: an alert without issued_at amended 16 s after it was issued
  // showed AGE 49s a minute later.
  AlertTrackerNode node;
  json first = AlertTrackerNode::Journaled(AlertTrackerAlert("EU-AGE"), "EU", ++node.gseq);
  first.erase("issued_at");
  first["received_at"] = "2026-01-01T00:00:00.000Z";
  RequireOk(node.replica.Apply(Packed({first}), node.gseq));
  json amended = first;
  amended["version"] = 2;
  amended["title"] = "Amended";
  amended["gseq"] = ++node.gseq;
  amended["received_at"] = cen::common::Clock::NowRfc3339();
  RequireOk(node.replica.Apply(Packed({amended}), node.gseq));
  auto book = AlertBook::Load(node.db, cen::common::Clock::NowMillis());
  REQUIRE(book.ok());
  const AlertBook::Alert* a = book->Find(first["uuid"]);
  REQUIRE(a != nullptr);
  CHECK(a->Text("title") == "Amended");
  CHECK(a->first_received_at == "2026-01-01T00:00:00.000Z");
  cen::node::QueryOptions o;
  o.format = "table";
  o.all = true;
  o.width = 200;
  std::ostringstream out;
  REQUIRE(cen::node::AlertQueries::Alerts(node.db, o, out, out).ok());
  CHECK_THAT(out.str(), Catch::Matches(R"((.|\n)* [0-9]{3}d (.|\n)*)"));
}

TEST_CASE("receipts counts an office that joined after the ACK, not one withdrawn before",
          "[node][alert_book]") {
  // A review: the ACK's audience is who may see the alert at the time of
  // the ACK; an office registered (or added to the group) later that
  // received the alert was shown as "outside its scope now: withdrawn".
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "EU");
  Replica replica(&db);
  RequireOk(replica.Load());
  const std::string alert = Uuid7::Generate();
  json stored = AlertTrackerNode::Journaled(AlertTrackerAlert("EU-1"), "EU", 1);
  stored["uuid"] = alert;
  stored["received_at"] = "2026-12-01T10:00:00.000Z";
  RequireOk(replica.Apply(Packed({stored}), 1));
  RequireOk(db.Exec("INSERT INTO alert_audience(alert, office) VALUES ('" + alert + "', ''), ('" +
                    alert + "', 'FR')"));
  int n = 0;
  for (const auto& [office, at] : std::vector<std::pair<std::string, std::string>>{
           {"FR", "2026-12-01T10:00:05.000Z"},
           {"AS", "2026-11-30T09:00:00.000Z"},     // an earlier version, withdrawn since
           {"DE", "2026-12-01T11:00:00.000Z"}}) {  // joined after the ACK
    ++n;
    RequireOk(
        db.Exec("INSERT INTO receipts(uuid, version, gseq, alert, office, action, at) "
                "VALUES ('r" +
                std::to_string(n) + "', 1, " + std::to_string(10 + n) + ", '" + alert + "', '" +
                office + "', 'delivered', '" + at + "')"));
  }
  cen::node::QueryOptions o;
  o.format = "json";
  o.uuid = alert;
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(cen::node::AlertQueries::Receipts(db, o, out, err).ok());
  std::map<std::string, bool> in_scope;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    const json r = json::parse(line);
    in_scope[r["office"]] = r["in_scope"];
  }
  CHECK(in_scope == std::map<std::string, bool>{{"AS", false}, {"DE", true}, {"FR", true}});
}

TEST_CASE("AlertBook names the alerts an ambiguous uuid prefix matches", "[node][alert_book]") {
  // "UUID: 01a24ca7 names more than one alert" (a user trial): uuids made in
  // one second share their first 13 characters, so 8 rarely name one alert.
  AlertTrackerNode node;
  const std::string first = node.Apply(AlertTrackerAlert("EU-ONE"), "EU");
  const std::string second = node.Apply(AlertTrackerAlert("EU-TWO"), "EU");
  size_t shared = 0;
  while (shared < first.size() && first[shared] == second[shared]) ++shared;
  REQUIRE(shared >= 8);
  auto book = AlertBook::Load(node.db, cen::common::Clock::NowMillis());
  REQUIRE(book.ok());
  auto named = book->Named(first.substr(0, 8));
  REQUIRE_FALSE(named.ok());
  CHECK(named.status().code() == cen::common::StatusCode::kUsage);
  CHECK_THAT(named.status().message(),
             Catch::Contains(first + " (EU-ONE, EU)") && Catch::Contains(second + " (EU-TWO, EU)"));
  auto one = book->Named(second.substr(0, shared + 1));
  REQUIRE(one.ok());
  CHECK((*one)->uuid == second);

  // A prefix of an update's uuid names its alert, as the whole uuid does (a
  // trial: "no alert 01a2502c-3f6a in this node's replica").
  const std::string update = node.Apply(
      AlertTrackerAlert("EU-ONE-U", {{"msg_type", "update"}, {"references", {first}}}), "EU");
  auto with_update = AlertBook::Load(node.db, cen::common::Clock::NowMillis());
  REQUIRE(with_update.ok());
  auto by_update = with_update->Named(update.substr(0, 30));
  REQUIRE(by_update.ok());
  CHECK((*by_update)->uuid == first);
}

TEST_CASE("alerts --all says a past expiry is ago, beside a future one's in",
          "[node][alert_book]") {
  // A bare "673d" for an alert expired 673 days ago read as time left.
  AlertTrackerNode node;
  node.Apply(AlertTrackerAlert("EU-OLD", {{"issued_at", "2026-01-01T00:00:00Z"},
                                          {"expires_at", "2026-01-02T00:00:00Z"}}),
             "EU");
  node.Apply(AlertTrackerAlert("EU-NEW", {{"issued_at", "2026-12-01T00:00:00Z"},
                                          {"expires_at", "2099-01-01T00:00:00Z"}}),
             "EU");
  cen::node::QueryOptions o;
  o.format = "table";
  o.all = true;
  o.width = 200;
  std::ostringstream out;
  auto listed = cen::node::AlertQueries::Alerts(node.db, o, out, out);
  REQUIRE(listed.ok());
  CHECK_THAT(out.str(), Catch::Matches(R"((.|\n)*expired +[0-9]+d +[0-9]+d ago(.|\n)*)"));
  CHECK_THAT(out.str(), Catch::Matches(R"((.|\n)*active +[0-9]+d +in [0-9]+d(.|\n)*)"));
}

TEST_CASE("An alert already ended when it arrives gets no receipt and no hook",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.Apply(AlertTrackerAlert("EU-OLD", {{"issued_at", "2026-01-01T00:00:00Z"},
                                          {"expires_at", "2026-01-02T00:00:00Z"}}),
             "EU");
  CHECK(node.Queued().empty());
  CHECK(CountRows(node.db, "hook_events") == 0);
}

// The refs of the alerts whose hook events are queued, in queue order.
std::vector<std::string> HookedRefs(Database& db) {
  auto stmt = db.Prepare("SELECT payload FROM hook_events WHERE hook = 'alert' ORDER BY id");
  REQUIRE(stmt.ok());
  std::vector<std::string> out;
  while (*stmt->Step()) out.push_back(json::parse(stmt->ColumnText(0)).value("ref", ""));
  return out;
}

TEST_CASE("An office catching up is not paged for an alert cancelled later in the journal",
          "[node][alert_tracker]") {
  // PROTOCOL.md section 4.2: an office catching up on the history is not told
  // old news. Applying in gseq order, the alert comes before its cancel.
  AlertTrackerNode node;
  node.tracker.set_hub_head(node.gseq + 5);  // the hub holds five records this node lacks
  const std::string ended = node.Apply(AlertTrackerAlert("EU-OLD"), "EU");
  node.Apply(AlertTrackerSeizure("AF-1", json::object()), "AF");
  node.Apply(AlertTrackerAlert("EU-OLD-C", {{"msg_type", "cancel"}, {"references", {ended}}}),
             "EU");
  const std::string live = node.Apply(AlertTrackerAlert("EU-NEW"), "EU");
  CHECK(HookedRefs(node.db).empty());  // not yet: the hub has more, a cancel may follow
  CHECK(node.Queued().empty());

  SECTION("once the replica reaches the hub's head, only the alert still in force pages") {
    node.Apply(AlertTrackerSeizure("AF-2", json::object()), "AF");
    CHECK(HookedRefs(node.db) == std::vector<std::string>{"EU-NEW"});
    const auto queued = node.Queued();
    REQUIRE(queued.size() == 1);
    CHECK(queued[0]["action"] == "delivered");
    CHECK(queued[0]["alert"] == live);
  }
  SECTION("what waits is kept across a restart of the agent") {
    AlertTracker restarted(&node.db, "AS", &node.outbox, {true, true});
    restarted.set_hub_head(node.gseq + 1);
    node.replica.set_observer([&](const cen::common::MsgpackMap& r, bool in_order) {
      return restarted.OnApplied(r, in_order);
    });
    node.replica.set_cursor_observer([&](int64_t cursor) { return restarted.OnCursor(cursor); });
    node.Apply(AlertTrackerSeizure("AF-2", json::object()), "AF");
    CHECK(HookedRefs(node.db) == std::vector<std::string>{"EU-NEW"});
    CHECK(node.Queued().size() == 1);
  }
  SECTION("a later update of the ended alert pages nobody either") {
    node.tracker.set_hub_head(node.gseq + 2);
    node.Apply(AlertTrackerAlert("EU-OLD-U", {{"msg_type", "update"}, {"references", {ended}}}),
               "EU");
    node.Apply(AlertTrackerSeizure("AF-2", json::object()), "AF");
    CHECK(HookedRefs(node.db) == std::vector<std::string>{"EU-NEW"});
  }
}

TEST_CASE("An urgent alert from the priority lane pages at once while the office catches up",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.tracker.set_hub_head(1000);
  node.ApplyEarly(AlertTrackerAlert("EU-NOW"), "EU", 999);
  CHECK(HookedRefs(node.db) == std::vector<std::string>{"EU-NOW"});
  CHECK(node.Queued().size() == 1);
}

TEST_CASE(
    "The urgent alerts an office missed page it once the priority lane has fetched them all, "
    "unless cancelled",
    "[node][alert_tracker]") {
  // After a WELCOME the agent fetches the urgent and high records it missed
  // ahead of its cursor (FETCH lane "priority"): an alert and its cancel may
  // come in one answer, or in two.
  AlertTrackerNode node;
  node.tracker.set_hub_head(1000, /*priority_catch_up=*/true);
  const std::string ended = Uuid7::Generate();
  node.ApplyEarly(AlertTrackerAlert("EU-OLD", {{"uuid", ended}}), "EU", 10);
  node.ApplyEarly(AlertTrackerAlert("EU-NEW"), "EU", 20);
  CHECK(HookedRefs(node.db).empty());
  node.ApplyEarly(AlertTrackerAlert("EU-OLD-C", {{"msg_type", "cancel"}, {"references", {ended}}}),
                  "EU", 30);
  CHECK(HookedRefs(node.db).empty());
  CHECK(node.Queued().empty());

  // The last answer reached the hub's head: the next transaction pages.
  node.tracker.set_hub_head(1000, /*priority_catch_up=*/false);
  node.ApplyEarly(AlertTrackerAlert("EU-LIVE"), "EU", 1001);
  CHECK(HookedRefs(node.db) == std::vector<std::string>{"EU-NEW", "EU-LIVE"});
  CHECK(node.Queued().size() == 2);
}

TEST_CASE("A cancel the priority lane brings ahead of its alert waits for the alert's decision",
          "[node][alert_tracker]") {
  // A normal alert, its urgent cancel: the cancel is applied early, while the
  // alert waits for the journal after it. Decided alone, the cancel paged
  // for an alert this office never heard of (the review of this change).
  AlertTrackerNode node;
  node.tracker.set_hub_head(4);
  const std::string alert =
      node.Apply(AlertTrackerAlert("EU-N", {{"priority", "normal"}}), "EU");  // gseq 1
  const json cancel = AlertTrackerNode::Journaled(
      AlertTrackerAlert("EU-N-C", {{"msg_type", "cancel"}, {"references", {alert}}}), "EU", 3);
  auto early = node.replica.ApplyEarly(Packed({cancel}));
  REQUIRE(early.ok());
  CHECK(HookedRefs(node.db).empty());
  node.Apply(AlertTrackerSeizure("AF-1", json::object()), "AF");  // gseq 2
  RequireOk(node.replica.Apply(Packed({cancel}), 3));
  node.gseq = 3;
  node.Apply(AlertTrackerSeizure("AF-2", json::object()), "AF");  // gseq 4: the head
  CHECK(HookedRefs(node.db).empty());
  CHECK(node.Queued().empty());
  CHECK(CountRows(node.db, "alerts_held") == 0);
}

TEST_CASE("An alert and its cancel applied in one transaction page nobody",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  const std::string alert = Uuid7::Generate();
  json a = AlertTrackerNode::Journaled(AlertTrackerAlert("EU-1", {{"uuid", alert}}), "EU", 1);
  json c = AlertTrackerNode::Journaled(
      AlertTrackerAlert("EU-1-C", {{"msg_type", "cancel"}, {"references", {alert}}}), "EU", 2);
  node.gseq = 2;
  RequireOk(node.replica.Apply(Packed({a, c}), 2));
  CHECK(HookedRefs(node.db).empty());
  CHECK(node.Queued().empty());
}

TEST_CASE("An update or a second cancel of a cancelled alert pages nobody",
          "[node][alert_tracker]") {
  // The hub journals them (it keeps no list of ended alerts); each ran the
  // --on-alert hook, as news, for an alert no longer in force.
  AlertTrackerNode node;
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1"), "EU");
  const auto after_alert = CountRows(node.db, "hook_events");
  REQUIRE(after_alert == 1);
  node.Apply(AlertTrackerAlert("EU-1-C", {{"msg_type", "cancel"}, {"references", {alert}}}), "EU");
  CHECK(CountRows(node.db, "hook_events") == after_alert + 1);  // the cancel is news

  node.Apply(AlertTrackerAlert("EU-1-U", {{"msg_type", "update"}, {"references", {alert}}}), "EU");
  node.Apply(AlertTrackerAlert("EU-1-C2", {{"msg_type", "cancel"}, {"references", {alert}}}),
             "HUB");
  CHECK(CountRows(node.db, "hook_events") == after_alert + 1);

  SECTION("an update of an alert in force still pages") {
    const std::string other = node.Apply(AlertTrackerAlert("EU-2"), "EU");
    const auto before = CountRows(node.db, "hook_events");
    node.Apply(AlertTrackerAlert("EU-2-U", {{"msg_type", "update"}, {"references", {other}}}),
               "EU");
    CHECK(CountRows(node.db, "hook_events") == before + 1);
  }
}

TEST_CASE("Changes that overtook their alert count when it arrives", "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.Apply(AlertTrackerSeizure("AF-1", {{"containers", {"CSQU3054383"}}}), "AF");
  const std::string alert = Uuid7::Generate();

  SECTION("an update with indicators: the history is matched once the alert is there") {
    json update = AlertTrackerAlert("EU-1-U", {{"msg_type", "update"}, {"references", {alert}}});
    update.update(kIndicators);
    node.ApplyEarly(update, "EU", 100);
    node.ScanAll();  // the alert is not there yet: nothing to match
    node.Apply(AlertTrackerAlert("EU-1", {{"uuid", alert}}), "EU");  // no indicators of its own
    node.ScanAll();
    CHECK(node.Hits() == std::vector<std::string>{alert + " containers CSQU3054383"});
  }
  SECTION("a cancel: no receipt, no hook for a cancelled alert") {
    node.ApplyEarly(AlertTrackerAlert("EU-1-C", {{"msg_type", "cancel"}, {"references", {alert}}}),
                    "EU", 100);
    const auto events = CountRows(node.db, "hook_events");  // the cancel's own
    node.Apply(AlertTrackerAlert("EU-1", {{"uuid", alert}}), "EU");
    CHECK(node.Queued().empty());
    CHECK(CountRows(node.db, "hook_events") == events);
  }
}

TEST_CASE("An older version arriving after a newer one changes nothing the tracker keeps",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  const std::string alert = Uuid7::Generate();
  json v2 = AlertTrackerAlert("EU-1", {{"uuid", alert}, {"version", 2}});
  v2.update(kIndicators);
  node.ApplyEarly(v2, "EU", 50);
  const auto events = CountRows(node.db, "hook_events");
  node.Apply(AlertTrackerAlert("EU-1", {{"uuid", alert}}), "EU");  // v1, no indicators, late
  CHECK(CountRows(node.db, "hook_events") == events);
  node.Apply(AlertTrackerSeizure("AF-1", {{"containers", {"CSQU3054383"}}}), "AF");
  CHECK(node.Hits() == std::vector<std::string>{alert + " containers CSQU3054383"});
}

TEST_CASE(
    "A slice rolled back for an urgent alert makes the tracker read the alerts again only "
    "when it applied an alert",
    "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  node.tracker.Committed();
  FeedApplier applier(&node.replica);
  std::vector<json> records = AlertTrackerSeizures(40);
  const int64_t reloads = node.tracker.reloads();

  SECTION("a slice of seizures only: the alerts in force stand") {
    CutSlice(&node, &applier, records);
    CHECK(node.tracker.reloads() == reloads);
    // And they still match: the rolled-back seizures, applied again, and a
    // matching one after them.
    RequireOk(applier.ApplySlice(std::chrono::steady_clock::time_point::max()).status());
    node.tracker.Committed();
    node.Apply(AlertTrackerSeizure("AF-HIT", {{"containers", {"CSQU3054383"}}}), "AF");
    CHECK(node.Hits().size() == 2);  // EU-1 and the urgent alert
    CHECK(node.tracker.reloads() == reloads);
  }
  SECTION("a slice that applied an alert: they are read again, without that alert") {
    records.insert(records.begin(),
                   AlertTrackerAlert("EU-2", {{"indicators", {{"vessel_imo", {"9321483"}}}}}));
    const int64_t first = node.gseq + 1;
    CutSlice(&node, &applier, records);
    CHECK(node.tracker.reloads() == reloads + 1);  // when the urgent alert was applied
    // EU-2 is not in force: a seizure of its vessel applied in its place
    // (only a test does that) hits nothing.
    node.gseq = first - 1;
    node.Apply(AlertTrackerSeizure("AF-VESSEL", {{"vessel_imo", "9321483"}}), "AF");
    CHECK(node.Hits().empty());
  }
}

TEST_CASE("A rolled-back slice in which the tracker read the alerts again makes it read them again",
          "[node][alert_tracker]") {
  AlertTrackerNode node;
  const std::string alert = node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  node.tracker.Committed();
  // An analyst adds a watch: the next record applied reads the alerts in
  // force again.
  node.WatchTobaccoFromAnotherConnection();
  // First in the slice, EU-1's version 2 arrives waiting for validation: it
  // takes the place of version 1 and is out of force until accepted. So the
  // alerts read again in the slice lack EU-1; then the slice is rolled back.
  FeedApplier applier(&node.replica);
  std::vector<json> records = AlertTrackerSeizures(40);
  json pending = AlertTrackerAlert("EU-1", kIndicators);
  pending.update({{"uuid", alert}, {"version", 2}, {"validation", "pending"}});
  records.insert(records.begin(), pending);
  const int64_t first = node.gseq + 1;
  CutSlice(&node, &applier, records);
  // Version 1 is in force again, and its container is matched.
  node.gseq = first - 1;  // in the place of the rolled-back records (only a test does that)
  node.Apply(AlertTrackerSeizure("AF-CONTAINER", {{"containers", {"CSQU3054383"}}}), "AF");
  const std::vector<std::string> hits = node.Hits();
  CHECK(std::count(hits.begin(), hits.end(), alert + " containers CSQU3054383") == 1);
}

TEST_CASE("A replica rebuilt from nothing leaves no alert in force", "[node][alert_tracker]") {
  AlertTrackerNode node;
  node.Apply(AlertTrackerAlert("EU-1", kIndicators), "EU");
  RequireOk(node.replica.Reset("epoch-2"));
  node.tracker.Forget();  // as the agent does after a WELCOME that rebuilt the replica
  node.gseq = 0;
  node.Apply(AlertTrackerSeizure("AF-CONTAINER", {{"containers", {"CSQU3054383"}}}), "AF");
  CHECK(node.Hits().empty());
}
TEST_CASE("A history scan cut short by its deadline still finds every match",
          "[node][alert_tracker]") {
  // A trial: a new alert on HS 240220 found 49 to 83 of the 96 seizures each
  // office held, a different run of gseqs missing at each. The prefilter was
  // appended after ORDER BY (sorting by "matches or not"), so a slice cut at
  // a non-matching record's gseq skipped the matches sorted after it.
  AlertTrackerNode node;
  int expected = 0;
  for (int i = 0; i < 1200; ++i) {
    const bool match = i % 7 == 3;
    expected += match ? 1 : 0;
    node.Apply(
        AlertTrackerSeizure("OLD-" + std::to_string(i), {{"hs_code", match ? "240220" : "220830"}}),
        "AF");
  }
  node.Apply(AlertTrackerAlert("EU-1", {{"indicators", {{"hs_codes", {"240220"}}}}}), "EU");
  // Slices of a fraction of a millisecond: cut after a few records each.
  for (int i = 0; i < 100000; ++i) {
    auto more =
        node.tracker.ScanHistory(std::chrono::steady_clock::now() + std::chrono::microseconds(200));
    RequireOk(more.status());
    if (!*more) break;
  }
  CHECK(CountRows(node.db, "hit_scans") == 0);
  CHECK(node.Hits().size() == static_cast<size_t>(expected));
}
