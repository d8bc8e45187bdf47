// The journal's side of RILO validation, on a real hub.db: an NCP's records
// are journaled pending (scoped to their RILO), only that RILO's decision on
// the latest version counts, an acceptance carries the record to its scope.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/node_id.h"
#include "common/uuid7.h"
#include "hub/group_registry.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"
#include "tests/hub/validation_hub_fixture.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::MsgpackJson;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::hub::GroupRegistry;
using cen::hub::Journal;
using cen::hub::NodeInfo;
using cen::hub::NodeRegistry;
using cen::hub::NodeRole;
using cen::hub::ScopePolicy;
using cen::test::CreateHubDb;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using ValidationVerdict = Journal::Verdict;
using Hub = cen::test::ValidationHub;
using cen::test::Decision;

namespace {

json ValidationSeizure(const std::string& ref, const std::string& uuid, int64_t version = 1) {
  return cen::test::HubSeizure(ref, uuid, version, "region:AS");
}

std::string StateOf(Database& db, int64_t gseq) {
  auto stmt = db.Prepare("SELECT state FROM validations WHERE gseq = ?");
  REQUIRE(stmt.ok());
  stmt->Bind(1, gseq);
  auto row = stmt->Step();
  REQUIRE(row.ok());
  return *row ? stmt->ColumnText(0) : "";
}

}  // namespace

TEST_CASE("An NCP's record is journaled pending, seen by its RILO and itself only",
          "[hub][validation]") {
  Hub hub;
  const std::string uuid = Uuid7::Generate();
  const auto pending = hub.Append("NCP-FR", ValidationSeizure("FR-1", uuid));
  REQUIRE(pending.verdict == ValidationVerdict::kNew);
  CHECK(pending.scope == "nodes:RILO-WE");
  const json body = *MsgpackJson::Decode(pending.body);
  CHECK(body["validation"] == "pending");
  CHECK(body["rilo"] == "RILO-WE");
  CHECK(body["scope"] == "region:AS");  // what it asks for stays in the record
  CHECK(hub.MaySee("RILO-WE", pending, "NCP-FR"));
  CHECK(hub.MaySee("NCP-FR", pending, "NCP-FR"));
  CHECK_FALSE(hub.MaySee("RILO-AP", pending, "NCP-FR"));
  CHECK(StateOf(hub.db, pending.gseq) == "pending");

  // A RILO's own record is journaled as before.
  const auto own = hub.Append("RILO-WE", ValidationSeizure("WE-1", Uuid7::Generate()));
  CHECK(own.scope == "region:AS");
  CHECK_FALSE(MsgpackJson::Decode(own.body)->contains("validation"));
}

TEST_CASE("Only the NCP's RILO decides, on the latest version, once", "[hub][validation]") {
  Hub hub;
  const std::string uuid = Uuid7::Generate();
  const auto v1 = hub.Append("NCP-FR", ValidationSeizure("FR-1", uuid));

  auto reason = [&](const std::string& node, const json& decision) {
    const auto o = hub.Append(node, decision);
    CHECK(o.verdict == ValidationVerdict::kRejected);
    return o.reason;
  };
  // Another RILO, the NCP itself, an unknown record: the same answer.
  CHECK(reason("RILO-AP", Decision("accept", uuid, 1)) ==
        "record: no record " + uuid + " waits for this node's decision");
  CHECK(reason("NCP-FR", Decision("accept", uuid, 1)).find("waits for this node's decision") !=
        std::string::npos);
  const std::string unknown = Uuid7::Generate();
  CHECK(reason("RILO-WE", Decision("accept", unknown, 1)).find("no record " + unknown) !=
        std::string::npos);
  // To the wrong office.
  CHECK(reason("RILO-WE", Decision("accept", uuid, 1, "RILO-AP")) ==
        "scope: a decision goes to the record's origin: must be nodes:NCP-FR");

  // Returned with a reason: to the NCP (and its RILO, the decision's origin).
  const json return_v1 = Decision("return", uuid, 1);
  const auto returned = hub.Append("RILO-WE", return_v1);
  REQUIRE(returned.verdict == ValidationVerdict::kNew);
  CHECK(returned.scope == "nodes:NCP-FR");
  CHECK(StateOf(hub.db, v1.gseq) == "returned");
  // Returned again (the same decision amended, as the outbox sends it).
  json again = return_v1;
  again["version"] = 2;
  again["reason"] = "and the date";
  CHECK(reason("RILO-WE", again).find("already returned") != std::string::npos);

  // The amendment is pending again; a decision on the old version is refused.
  const auto v2 = hub.Append("NCP-FR", ValidationSeizure("FR-1", uuid, 2));
  CHECK(StateOf(hub.db, v1.gseq) == "superseded");
  CHECK(StateOf(hub.db, v2.gseq) == "pending");
  CHECK(reason("RILO-WE", Decision("accept", uuid, 1)) ==
        "record_version: 1 is not the latest version of " + uuid + " (2); decide on the latest");

  const auto accepted = hub.Append("RILO-WE", Decision("accept", uuid, 2));
  REQUIRE(accepted.verdict == ValidationVerdict::kNew);
  CHECK(StateOf(hub.db, v2.gseq) == "accepted");
  CHECK(accepted.scope == "also:NCP-FR;region:AS");
  CHECK(hub.MaySee("RILO-AP", accepted, "RILO-WE"));  // the scope it asked for
  CHECK(hub.MaySee("NCP-FR", accepted, "RILO-WE"));
  const json body = *MsgpackJson::Decode(accepted.body);
  const json& record = body["accepted"];
  CHECK(record["uuid"] == uuid);
  CHECK(record["version"] == 2);
  CHECK(record["origin"] == "NCP-FR");
  CHECK(record["validation"] == "accepted");
  CHECK(record["validated_by"] == "RILO-WE");
  CHECK(record["validated_at"] == body["received_at"]);
  CHECK(record["gseq"] == accepted.gseq);  // where every replica holds it
  json accept_again = Decision("accept", uuid, 2);
  accept_again["ref"] = "accept-again";
  CHECK(reason("RILO-WE", accept_again).find("already accepted") != std::string::npos);
  CHECK(reason("RILO-WE", Decision("return", uuid, 2)).find("already accepted") !=
        std::string::npos);
}

TEST_CASE("Receipts for an NCP's alert are taken from the offices its acceptance reached",
          "[hub][validation]") {
  Hub hub;
  json alert = {{"kind", "alert"},
                {"uuid", Uuid7::Generate()},
                {"version", 1},
                {"ref", "A-1"},
                {"scope", "global"},
                {"handling", "H0"},
                {"msg_type", "alert"},
                {"priority", "urgent"},
                {"title", "Cigarettes"},
                {"body", "Reefer containers"},
                {"issued_at", "2026-03-15T09:00:00Z"}};
  const auto pending = hub.Append("NCP-FR", alert);
  REQUIRE(pending.verdict == ValidationVerdict::kNew);
  CHECK(pending.lane == cen::common::Lane::kUrgent);
  const json receipt = {{"kind", "receipt"},
                        {"uuid", Uuid7::Generate()},
                        {"version", 1},
                        {"ref", "delivered:" + alert["uuid"].get<std::string>()},
                        {"scope", "nodes:NCP-FR"},
                        {"handling", "H0"},
                        {"alert", alert["uuid"]},
                        {"action", "delivered"},
                        {"at", "2026-03-15T09:01:00Z"}};
  // While pending, RILO-AP has not received it: no receipt from it.
  CHECK(hub.Append("RILO-AP", receipt).verdict == ValidationVerdict::kRejected);
  const auto accepted = hub.Append("RILO-WE", Decision("accept", alert["uuid"], 1));
  REQUIRE(accepted.verdict == ValidationVerdict::kNew);
  CHECK(accepted.lane == cen::common::Lane::kUrgent);  // the alert's lane
  json again = receipt;
  again["uuid"] = Uuid7::Generate();
  CHECK(hub.Append("RILO-AP", again).verdict == ValidationVerdict::kNew);
}

TEST_CASE("No hit on a record its RILO has not accepted, no decision on a superseded version",
          "[hub][validation]") {
  Hub hub;
  // RILO-AP's alert, seen everywhere.
  const std::string alert = Uuid7::Generate();
  REQUIRE(hub.Append("RILO-AP", {{"kind", "alert"},
                                 {"uuid", alert},
                                 {"version", 1},
                                 {"ref", "A-1"},
                                 {"scope", "global"},
                                 {"handling", "H0"},
                                 {"msg_type", "alert"},
                                 {"priority", "normal"},
                                 {"title", "Containers"},
                                 {"body", "Check CSQU3054383"}})
              .verdict == ValidationVerdict::kNew);
  const std::string seizure = Uuid7::Generate();
  hub.Append("NCP-FR", ValidationSeizure("FR-1", seizure));
  auto hit = [&] {
    return json{{"kind", "receipt"},
                {"uuid", Uuid7::Generate()},
                {"version", 1},
                {"ref", "hit:" + Uuid7::Generate()},
                {"scope", "nodes:RILO-AP"},
                {"handling", "H0"},
                {"alert", alert},
                {"action", "hit"},
                {"at", "2026-03-15T09:01:00Z"},
                {"hit", {{"record", seizure}, {"indicator", "containers"}, {"value", "C"}}}};
  };
  // The RILO and the NCP hold the pending seizure, yet neither may report it.
  for (const char* node : {"RILO-WE", "NCP-FR"}) {
    const auto refused = hub.Append(node, hit());
    CHECK(refused.verdict == ValidationVerdict::kRejected);
    CHECK(refused.reason == "hit.record: no record " + seizure + " that this node may see");
  }
  REQUIRE(hub.Append("RILO-WE", Decision("accept", seizure, 1)).verdict == ValidationVerdict::kNew);
  CHECK(hub.Append("RILO-WE", hit()).verdict == ValidationVerdict::kNew);

  // NCP-FR becomes a RILO; its next version supersedes the undecided one.
  const std::string other = Uuid7::Generate();
  hub.Append("NCP-FR", ValidationSeizure("FR-2", other));
  RequireOk(hub.registry.SetRole("NCP-FR", NodeRole::kRilo, ""));
  const auto direct = hub.Append("NCP-FR", ValidationSeizure("FR-2", other, 2));
  CHECK(direct.scope == "region:AS");
  const auto stale = hub.Append("RILO-WE", Decision("accept", other, 1));
  CHECK(stale.verdict == ValidationVerdict::kRejected);
  CHECK(stale.reason.find("a newer version was journaled since") != std::string::npos);
}

TEST_CASE("Roles: an NCP needs an active RILO, a RILO with NCPs stays one", "[hub][validation]") {
  Hub hub;
  CHECK(hub.registry.ValidatorOf("NCP-FR") == "RILO-WE");
  CHECK(hub.registry.ValidatorOf("RILO-WE").empty());
  CHECK(hub.registry.ValidatorOf("hub-operator").empty());
  CHECK(hub.registry.SetRole("RILO-AP", NodeRole::kNcp, "NCP-FR").code() ==
        StatusCode::kInvalidInput);
  CHECK(hub.registry.SetRole("RILO-AP", NodeRole::kNcp, "NOBODY").code() ==
        StatusCode::kInvalidInput);
  CHECK(hub.registry.SetRole("RILO-AP", NodeRole::kNcp, "RILO-AP").code() ==
        StatusCode::kInvalidInput);
  CHECK(hub.registry.SetRole("RILO-AP", NodeRole::kNcp, "").code() == StatusCode::kInvalidInput);
  CHECK(hub.registry.SetRole("RILO-WE", NodeRole::kNcp, "RILO-AP").code() ==
        StatusCode::kInvalidInput);  // NCP-FR names it
  CHECK(hub.registry.SetRole("NOBODY", NodeRole::kRilo, "").code() == StatusCode::kNotFound);
  // Re-keying keeps the role.
  RequireOk(hub.registry.Allow({"NCP-FR", cen::test::NewPublicKey(), "EU"}));
  CHECK(hub.registry.ValidatorOf("NCP-FR") == "RILO-WE");
  RequireOk(hub.registry.SetRole("NCP-FR", NodeRole::kRilo, ""));
  CHECK(hub.registry.ValidatorOf("NCP-FR").empty());
  // A RILO with records still to decide stays a RILO.
  RequireOk(hub.registry.SetRole("NCP-FR", NodeRole::kNcp, "RILO-WE"));
  hub.Append("NCP-FR", ValidationSeizure("FR-9", Uuid7::Generate()));
  RequireOk(hub.registry.SetRole("NCP-FR", NodeRole::kNcp, "RILO-AP"));  // its NCP may move
  const auto busy = hub.registry.SetRole("RILO-WE", NodeRole::kNcp, "RILO-AP");
  CHECK(busy.code() == StatusCode::kInvalidInput);
  CHECK(busy.message().find("still has 1 NCP record(s) to decide") != std::string::npos);
}

TEST_CASE("An alert cancelled while it waits for its RILO cannot be accepted",
          "[hub][validation][cancels]") {
  // A trial: the hub operator cancelled an NCP's urgent alert while it was
  // pending (the cancel reached the NCP and its RILO alone); the RILO then
  // accepted it and every other office was paged for it, in force.
  Hub hub;
  const std::string alert = Uuid7::Generate();
  json record = cen::test::WireAlert("FR-A-1", alert);
  record["scope"] = "global";
  record["handling"] = "H0";
  record["msg_type"] = "alert";
  const Journal::Outcome pending = hub.Append("NCP-FR", record);
  REQUIRE(pending.verdict == ValidationVerdict::kNew);
  json cancel = {{"kind", "alert"},
                 {"uuid", Uuid7::Generate()},
                 {"version", 1},
                 {"ref", "operator-cancel-" + alert},
                 {"msg_type", "cancel"},
                 {"references", {alert}},
                 {"title", "Cancelled by the hub operator"},
                 {"body", "sent in error"},
                 {"priority", "urgent"},
                 {"scope", "nodes:RILO-WE"},
                 {"handling", "H0"}};
  const Journal::Outcome cancelled =
      hub.Append(std::string(cen::common::NodeId::kHubOperator), cancel);
  REQUIRE(cancelled.verdict == ValidationVerdict::kNew);

  const Journal::Outcome accepted = hub.Append("RILO-WE", Decision("accept", alert, 1));
  CHECK(accepted.verdict == ValidationVerdict::kRejected);
  CHECK_THAT(accepted.reason,
             Catch::Contains("was cancelled (gseq " + std::to_string(cancelled.gseq) +
                             ") while it waited: it cannot be accepted"));
  CHECK(StateOf(hub.db, pending.gseq) == "pending");
  // A return still closes it.
  CHECK(hub.Append("RILO-WE", Decision("return", alert, 1)).verdict == ValidationVerdict::kNew);
}
