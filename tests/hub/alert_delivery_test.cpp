#include "hub/alert_delivery.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/uuid7.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::Uuid7;
using cen::hub::AlertDelivery;
using cen::hub::Journal;
using cen::hub::NodeRegistry;
using cen::test::CreateHubDb;
using cen::test::NewPublicKey;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;

namespace {

json AlertDeliveryAlert(const std::string& ref, const std::string& uuid,
                        const std::string& priority, const json& extra = json::object()) {
  json a = cen::test::WireAlert(ref, uuid, 1, priority);
  a["scope"] = "global";
  a["handling"] = "H0";
  a["msg_type"] = "alert";
  a.update(extra);
  return a;
}

json AlertDeliveryReceipt(const std::string& alert, const std::string& action) {
  return {{"kind", "receipt"},
          {"ref", action + ":" + alert},
          {"uuid", Uuid7::Generate()},
          {"version", 1},
          {"scope", "nodes:EU"},
          {"handling", "H0"},
          {"alert", alert},
          {"action", action},
          {"at", "2026-11-30T10:00:00Z"}};
}

std::vector<std::string> Pairs(Database& db) {
  auto pending = AlertDelivery::UndeliveredUrgent(db, cen::common::Clock::NowMillis());
  REQUIRE(pending.ok());
  std::vector<std::string> out;
  for (const auto& p : *pending) out.push_back(p.office + " " + p.alert);
  return out;
}

// A hub.db with offices EU, AF and AS (each its own region), journal loaded.
struct DeliveryHub {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  NodeRegistry registry{&db};
  Journal journal{&db};

  DeliveryHub() {
    for (const char* id : {"EU", "AF", "AS"}) RequireOk(registry.Allow({id, NewPublicKey(), id}));
    RequireOk(journal.Load());
  }
};

}  // namespace

TEST_CASE("cen-hub status names the offices an urgent alert in force has not reached",
          "[hub][alert_delivery]") {
  DeliveryHub hub;
  Database& db = hub.db;
  NodeRegistry& registry = hub.registry;
  Journal& journal = hub.journal;
  const std::string urgent = Uuid7::Generate();
  const std::string high = Uuid7::Generate();
  const std::string cancelled = Uuid7::Generate();
  const std::string expired = Uuid7::Generate();
  std::vector<Journal::Candidate> batch = {
      {"EU", AlertDeliveryAlert("U-1", urgent, "urgent")},
      {"EU", AlertDeliveryAlert("H-1", high, "high")},
      {"EU", AlertDeliveryAlert("U-2", cancelled, "urgent")},
      {"EU", AlertDeliveryAlert(
                 "U-3", expired, "urgent",
                 {{"issued_at", "2026-01-01T00:00:00Z"}, {"expires_at", "2026-01-02T00:00:00Z"}})}};
  std::vector<Journal::Outcome> out;
  RequireOk(journal.Append(batch, &out));
  CHECK(Pairs(db) == std::vector<std::string>{"AF " + urgent, "AF " + cancelled, "AS " + urgent,
                                              "AS " + cancelled});

  std::vector<Journal::Candidate> more = {
      {"AF", AlertDeliveryReceipt(urgent, "delivered")},
      {"AS", AlertDeliveryReceipt(urgent, "seen")},  // an action receipt says it arrived too
      {"EU", AlertDeliveryAlert("U-2-C", Uuid7::Generate(), "normal",
                                {{"msg_type", "cancel"}, {"references", {cancelled}}})}};
  RequireOk(journal.Append(more, &out));
  for (const auto& o : out) CHECK(o.verdict == Journal::Verdict::kNew);
  CHECK(Pairs(db).empty());

  SECTION("a revoked office is not waited for") {
    const std::string another = Uuid7::Generate();
    std::vector<Journal::Candidate> one = {{"EU", AlertDeliveryAlert("U-4", another, "urgent")}};
    RequireOk(journal.Append(one, &out));
    RequireOk(registry.Revoke("AS"));
    CHECK(Pairs(db) == std::vector<std::string>{"AF " + another});
  }
}

TEST_CASE("An NCP's urgent alert waiting for its RILO is not undelivered",
          "[hub][alert_delivery]") {
  // The RILO held it in its pending queue, and cen-hub status listed it
  // under "urgent alerts not yet received": a delivery failure that was none.
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  NodeRegistry registry(&db);
  for (const char* id : {"EU", "AF", "NCP-C"}) RequireOk(registry.Allow({id, NewPublicKey(), id}));
  RequireOk(registry.SetRole("NCP-C", cen::hub::NodeRole::kNcp, "EU"));
  Journal journal(&db);
  journal.set_validator_of(
      [](std::string_view origin) { return origin == "NCP-C" ? std::string("EU") : ""; });
  RequireOk(journal.Load());
  const std::string pending = Uuid7::Generate();
  std::vector<Journal::Candidate> batch = {
      {"NCP-C", AlertDeliveryAlert("C-U-1", pending, "urgent")}};
  std::vector<Journal::Outcome> out;
  RequireOk(journal.Append(batch, &out));
  REQUIRE(out[0].verdict == Journal::Verdict::kNew);
  REQUIRE(out[0].scope == "nodes:EU");
  CHECK(Pairs(db).empty());
}

TEST_CASE("An alert escalated to urgent is undelivered until its update reaches every office",
          "[hub][alert_delivery]") {
  // A trial: cen-hub status said "every urgent alert in force has reached
  // every office" of a high alert made urgent by an update that had reached
  // none (the receipts were the alert's).
  DeliveryHub hub;
  Database& db = hub.db;
  Journal& journal = hub.journal;
  const std::string high = Uuid7::Generate();
  const std::string escalation = Uuid7::Generate();
  std::vector<Journal::Outcome> out;
  std::vector<Journal::Candidate> first = {{"EU", AlertDeliveryAlert("H-1", high, "high")},
                                           {"AF", AlertDeliveryReceipt(high, "delivered")},
                                           {"AS", AlertDeliveryReceipt(high, "delivered")}};
  RequireOk(journal.Append(first, &out));
  CHECK(Pairs(db).empty());  // a high alert is not waited for
  std::vector<Journal::Candidate> escalate = {
      {"EU", AlertDeliveryAlert("H-1-U", escalation, "urgent",
                                {{"msg_type", "update"}, {"references", {high}}})}};
  RequireOk(journal.Append(escalate, &out));
  REQUIRE(out.at(0).verdict == Journal::Verdict::kNew);
  CHECK(Pairs(db) == std::vector<std::string>{"AF " + escalation, "AS " + escalation});
  std::vector<Journal::Candidate> received = {
      {"AF", AlertDeliveryReceipt(escalation, "delivered")}};
  RequireOk(journal.Append(received, &out));
  CHECK(Pairs(db) == std::vector<std::string>{"AS " + escalation});
  // Cancelled, the alert and its escalation are in force nowhere.
  std::vector<Journal::Candidate> cancel = {
      {"EU", AlertDeliveryAlert("H-1-C", Uuid7::Generate(), "normal",
                                {{"msg_type", "cancel"}, {"references", {high}}})}};
  RequireOk(journal.Append(cancel, &out));
  CHECK(Pairs(db).empty());
}

TEST_CASE("Only an update that is urgent itself is waited for, and not once its alert expired",
          "[hub][alert_delivery]") {
  // A review: an update takes its alert's lane, so every update of an urgent
  // alert (a de-escalation to high too) was waited for, and agents receipt
  // only the urgent ones: those offices stayed "not reached" for good.
  DeliveryHub hub;
  Database& db = hub.db;
  Journal& journal = hub.journal;
  const std::string urgent = Uuid7::Generate();
  const std::string lowered = Uuid7::Generate();
  std::vector<Journal::Outcome> out;
  std::vector<Journal::Candidate> first = {
      {"EU", AlertDeliveryAlert("U-1", urgent, "urgent")},
      {"AF", AlertDeliveryReceipt(urgent, "delivered")},
      {"AS", AlertDeliveryReceipt(urgent, "delivered")},
      {"EU", AlertDeliveryAlert("U-1-U", lowered, "high",
                                {{"msg_type", "update"}, {"references", {urgent}}})}};
  RequireOk(journal.Append(first, &out));
  CHECK(Pairs(db).empty());

  // An urgent update of an alert that has expired is in force nowhere.
  const std::string old = Uuid7::Generate();
  std::vector<Journal::Candidate> expired = {
      {"EU", AlertDeliveryAlert(
                 "H-OLD", old, "high",
                 {{"issued_at", "2026-01-01T00:00:00Z"}, {"expires_at", "2026-01-02T00:00:00Z"}})},
      {"EU", AlertDeliveryAlert("H-OLD-U", Uuid7::Generate(), "urgent",
                                {{"msg_type", "update"}, {"references", {old}}})}};
  RequireOk(journal.Append(expired, &out));
  CHECK(Pairs(db).empty());
}

TEST_CASE("An urgent update of an alert is waited for only where the alert's newest version goes",
          "[hub][alert_delivery][scope]") {
  // A trial: cen-hub status listed AF and AS for an urgent update of an
  // alert scoped to EU and AF, then narrowed to EU (in the high lane): they
  // may receive neither.
  DeliveryHub hub;
  Journal& journal = hub.journal;
  const std::string alert = Uuid7::Generate();
  const std::string update = Uuid7::Generate();
  std::vector<Journal::Outcome> out;
  std::vector<Journal::Candidate> first = {
      {"EU", AlertDeliveryAlert("R-1", alert, "urgent", {{"scope", "nodes:EU,AF"}})},
      {"EU", AlertDeliveryAlert("R-1-U", update, "urgent",
                                {{"msg_type", "update"}, {"references", {alert}}})}};
  RequireOk(journal.Append(first, &out));
  CHECK(Pairs(hub.db) == std::vector<std::string>{"AF " + alert, "AF " + update});
  json narrowed = AlertDeliveryAlert("R-1", alert, "high", {{"scope", "nodes:EU"}});
  narrowed["version"] = 2;
  std::vector<Journal::Candidate> second = {{"EU", narrowed}};
  RequireOk(journal.Append(second, &out));
  REQUIRE(out.at(0).verdict == Journal::Verdict::kNew);
  CHECK(Pairs(hub.db).empty());
}
