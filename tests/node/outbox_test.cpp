#include "node/store/outbox.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "node/agent/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::MsgpackJson;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::node::Outbox;
using cen::test::CountRows;
using cen::test::CreateNodeDb;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using Disposition = Outbox::Disposition;

namespace {

// A seizure as a user hands it in, with the defaults the validator fills.
json OutboxSeizure(const std::string& ref, double quantity = 1) {
  return cen::test::ValidatedSeizure(ref, quantity);
}

json WithUuid(json record, const std::string& uuid) {
  record["uuid"] = uuid;
  return record;
}

std::vector<Outbox::Queued> OutboxEnqueue(Outbox& outbox, std::vector<json> records) {
  auto queued = outbox.Enqueue(std::move(records));
  INFO((queued.ok() ? std::string() : queued.status().ToString()));
  REQUIRE(queued.ok());
  return *queued;
}

int64_t Size(Outbox& outbox) {
  auto n = outbox.Size();
  REQUIRE(n.ok());
  return *n;
}

int64_t CountOwn(Database& db) { return CountRows(db, "own_records"); }

// A record of `kind` in force in the replica, as the apply would leave it.
void HoldRecord(Database& db, const std::string& uuid, int64_t gseq, const std::string& kind) {
  RequireOk(
      db.Exec("INSERT INTO records(gseq, uuid, version, kind, origin, ref, scope, handling, "
              "received_at) VALUES (" +
              std::to_string(gseq) + ", '" + uuid + "', 1, '" + kind + "', 'EU', 'R-" +
              std::to_string(gseq) + "', 'global', 'H0', '2026-12-06T10:00:00.000Z')"));
}

std::vector<Outbox::Entry> Pending(Outbox& outbox, int64_t after_seq = 0, int max = 100) {
  auto entries = outbox.Pending(after_seq, max);
  REQUIRE(entries.ok());
  return *entries;
}

}  // namespace

TEST_CASE("Outbox::Enqueue queues a new record as version 1", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);

  const auto queued = OutboxEnqueue(outbox, {OutboxSeizure("R1")});
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].disposition == Disposition::kNew);
  CHECK(queued[0].version == 1);
  CHECK(Uuid7::IsCanonical(queued[0].uuid));
  CHECK(queued[0].uuid[14] == '7');
  CHECK(Size(outbox) == 1);

  const auto pending = Pending(outbox);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].uuid == queued[0].uuid);
  CHECK(pending[0].version == 1);
  auto body = MsgpackJson::Decode(pending[0].body);
  REQUIRE(body.ok());
  json expected = OutboxSeizure("R1");
  expected["uuid"] = queued[0].uuid;
  expected["version"] = 1;
  CHECK(*body == expected);  // what goes to the hub: the record, its uuid and version

  SECTION("a uuid the user gives for a new ref is kept") {
    const std::string uuid = Uuid7::Generate();
    const auto given = OutboxEnqueue(outbox, {WithUuid(OutboxSeizure("R2"), uuid)});
    CHECK(given[0].disposition == Disposition::kNew);
    CHECK(given[0].uuid == uuid);
    CHECK(given[0].version == 1);
  }
}

TEST_CASE("Outbox leaves a record handed in again unchanged", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const auto first = OutboxEnqueue(outbox, {OutboxSeizure("R1")});
  const std::string uuid = first[0].uuid;

  SECTION("same content") {
    const auto again = OutboxEnqueue(outbox, {OutboxSeizure("R1")});
    CHECK(again[0].disposition == Disposition::kUnchanged);
    CHECK(again[0].uuid == uuid);
    CHECK(again[0].version == 1);
  }
  SECTION("same content, keys in another order, as another export writes it") {
    const json reordered = json::parse(R"({
      "unit": "KGM", "lang": "en", "info_eval": 4, "source_eval": "X", "handling": "H0",
      "scope": "global", "quantity": 1.0, "description": "x", "commodity": "drugs",
      "reporting_country": "FR", "seizure_date": "2026-03-14", "ref": "R1", "kind": "seizure"
    })");
    const auto again = OutboxEnqueue(outbox, {reordered});
    CHECK(again[0].disposition == Disposition::kUnchanged);
  }
  SECTION("same content with its own uuid") {
    const auto again = OutboxEnqueue(outbox, {WithUuid(OutboxSeizure("R1"), uuid)});
    CHECK(again[0].disposition == Disposition::kUnchanged);
    CHECK(again[0].uuid == uuid);
  }
  SECTION("after the hub acknowledged it") {
    RequireOk(outbox.Acknowledge({{uuid, 1, true, 7, ""}}));
    CHECK(Size(outbox) == 0);
    const auto again = OutboxEnqueue(outbox, {OutboxSeizure("R1")});
    CHECK(again[0].disposition == Disposition::kUnchanged);
    CHECK(Size(outbox) == 0);  // nothing to send again
  }
  CHECK(CountOwn(db) == 1);
  CHECK(Size(outbox) <= 1);
}

TEST_CASE("Outbox turns changed content into a new version of the same record", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string uuid = OutboxEnqueue(outbox, {OutboxSeizure("R1", 1)})[0].uuid;

  const auto amended = OutboxEnqueue(outbox, {OutboxSeizure("R1", 2)});
  CHECK(amended[0].disposition == Disposition::kAmended);
  CHECK(amended[0].uuid == uuid);
  CHECK(amended[0].version == 2);

  const auto third = OutboxEnqueue(outbox, {WithUuid(OutboxSeizure("R1", 3), uuid)});
  CHECK(third[0].disposition == Disposition::kAmended);
  CHECK(third[0].version == 3);

  const auto pending = Pending(outbox);
  REQUIRE(pending.size() == 3);
  for (size_t i = 0; i < pending.size(); ++i) {
    CHECK(pending[i].uuid == uuid);
    CHECK(pending[i].version == static_cast<int64_t>(i + 1));
    auto body = MsgpackJson::Decode(pending[i].body);
    REQUIRE(body.ok());
    CHECK((*body)["quantity"] == static_cast<double>(i + 1));
    CHECK((*body)["version"] == static_cast<int64_t>(i + 1));
  }

  SECTION("the same ref twice in one batch with other content is refused, nothing queued") {
    // As an amendment of the first, every later submit of the batch made
    // two more versions.
    const int64_t before = Size(outbox);
    auto batch = outbox.Enqueue({OutboxSeizure("R9", 1), OutboxSeizure("R9", 5)});
    REQUIRE_FALSE(batch.ok());
    CHECK(batch.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(batch.status().message(),
               Catch::StartsWith("record 2: ref: 'R9' is on an earlier row of this file"));
    CHECK(Size(outbox) == before);
    // Also when the first is the version held already (unchanged).
    batch = outbox.Enqueue({OutboxSeizure("R1", 1), OutboxSeizure("R1", 5)});
    REQUIRE_FALSE(batch.ok());
    CHECK_THAT(batch.status().message(), Catch::StartsWith("record 2: ref: 'R1'"));
    CHECK(Size(outbox) == before);
  }
  SECTION("the same ref twice in one batch with the same content is one record") {
    const auto batch = OutboxEnqueue(outbox, {OutboxSeizure("R9", 1), OutboxSeizure("R9", 1)});
    CHECK(batch[0].disposition == Disposition::kNew);
    CHECK(batch[1].disposition == Disposition::kUnchanged);
    CHECK(batch[1].uuid == batch[0].uuid);
    CHECK(batch[1].version == 1);
  }
  SECTION("the same ref under another kind is another record") {
    json alert = OutboxSeizure("R1", 1);
    alert["kind"] = "alert";
    const auto other = OutboxEnqueue(outbox, {alert});
    CHECK(other[0].disposition == Disposition::kNew);
    CHECK(other[0].uuid != uuid);
  }
}

TEST_CASE("Outbox refuses a uuid that contradicts the record's ref", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string uuid_r1 = OutboxEnqueue(outbox, {OutboxSeizure("R1")})[0].uuid;

  SECTION("the ref already has another uuid") {
    auto result = outbox.Enqueue({WithUuid(OutboxSeizure("R1", 2), Uuid7::Generate())});
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(result.status().message(), Catch::StartsWith("record 1: uuid:"));
    CHECK_THAT(result.status().message(), Catch::Contains(uuid_r1));
  }
  SECTION("the uuid already belongs to another ref") {
    auto result = outbox.Enqueue({WithUuid(OutboxSeizure("R2"), uuid_r1)});
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(result.status().message(), Catch::StartsWith("record 1: uuid:"));
    CHECK_THAT(result.status().message(), Catch::Contains("R1"));
  }
  CHECK(Size(outbox) == 1);
  CHECK(CountOwn(db) == 1);
}

TEST_CASE("Outbox queues all records or none", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string uuid_r1 = OutboxEnqueue(outbox, {OutboxSeizure("R1")})[0].uuid;

  // Record 3 of 3 reuses R1's uuid for another ref.
  auto result = outbox.Enqueue(
      {OutboxSeizure("R10"), OutboxSeizure("R1", 2), WithUuid(OutboxSeizure("R12"), uuid_r1)});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalidInput);
  CHECK_THAT(result.status().message(), Catch::StartsWith("record 3: uuid:"));
  CHECK(Size(outbox) == 1);
  CHECK(CountOwn(db) == 1);
  const auto pending = Pending(outbox);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].version == 1);

  // The same records without the bad one go in as if nothing had happened.
  const auto ok = OutboxEnqueue(outbox, {OutboxSeizure("R10"), OutboxSeizure("R1", 2)});
  CHECK(ok[0].disposition == Disposition::kNew);
  CHECK(ok[1].disposition == Disposition::kAmended);
  CHECK(ok[1].version == 2);
  CHECK(Size(outbox) == 3);
}

TEST_CASE("Outbox Pending, Acknowledge, RequeueAll and Size", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const auto queued =
      OutboxEnqueue(outbox, {OutboxSeizure("R1"), OutboxSeizure("R2"), OutboxSeizure("R3"),
                             OutboxSeizure("R4"), OutboxSeizure("R5")});
  CHECK(Size(outbox) == 5);

  // Pending pages through the outbox in order.
  const auto page1 = Pending(outbox, 0, 2);
  REQUIRE(page1.size() == 2);
  CHECK(page1[0].uuid == queued[0].uuid);
  CHECK(page1[1].uuid == queued[1].uuid);
  CHECK(page1[0].seq < page1[1].seq);
  const auto page2 = Pending(outbox, page1[1].seq, 100);
  REQUIRE(page2.size() == 3);
  CHECK(page2[0].uuid == queued[2].uuid);
  CHECK(page2[2].uuid == queued[4].uuid);
  CHECK(Pending(outbox, page2[2].seq, 100).empty());

  // The hub accepted R1 and rejected R2.
  RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, true, 41, ""},
                                {queued[1].uuid, 1, false, 0, "unit: must be one of KGM"}}));
  CHECK(Size(outbox) == 3);
  auto stmt = db.Prepare(
      "SELECT status, coalesce(gseq, -1), coalesce(reason, '') FROM own_status WHERE uuid = ?");
  REQUIRE(stmt.ok());
  stmt->Bind(1, queued[0].uuid);
  REQUIRE(*stmt->Step());
  CHECK(stmt->ColumnText(0) == "accepted");
  CHECK(stmt->ColumnInt(1) == 41);
  stmt->Reset();
  stmt->Bind(1, queued[1].uuid);
  REQUIRE(*stmt->Step());
  CHECK(stmt->ColumnText(0) == "rejected");
  CHECK(stmt->ColumnInt(1) == -1);
  CHECK(stmt->ColumnText(2) == "unit: must be one of KGM");
  stmt->Reset();

  // An ack that arrives twice (a resend raced its answer) changes nothing.
  RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, true, 41, ""}}));
  CHECK(Size(outbox) == 3);

  // A restored hub: every version not rejected goes back, once.
  auto requeued = outbox.RequeueAll();
  REQUIRE(requeued.ok());
  CHECK(*requeued == 1);  // R1; R3..R5 were still queued, R2 was rejected
  CHECK(Size(outbox) == 4);
  const auto all = Pending(outbox);
  REQUIRE(all.size() == 4);
  CHECK(all.back().uuid == queued[0].uuid);  // behind what was already waiting
  stmt->Bind(1, queued[0].uuid);
  REQUIRE(*stmt->Step());
  CHECK(stmt->ColumnText(0) == "queued");
  CHECK(stmt->ColumnInt(1) == -1);
  stmt->Reset();

  auto twice = outbox.RequeueAll();
  REQUIRE(twice.ok());
  CHECK(*twice == 0);
  CHECK(Size(outbox) == 4);
}

TEST_CASE("Outbox::RequeueAbove offers again what a restored hub lost", "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const auto queued = OutboxEnqueue(
      outbox, {OutboxSeizure("R1"), OutboxSeizure("R2"), OutboxSeizure("R3"), OutboxSeizure("R4")});
  // The old hub accepted R1..R3 at gseq 5, 10 and 15 and rejected R4.
  RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, true, 5, ""},
                                {queued[1].uuid, 1, true, 10, ""},
                                {queued[2].uuid, 1, true, 15, ""},
                                {queued[3].uuid, 1, false, 0, "unit: bad"}}));
  CHECK(Size(outbox) == 0);

  // The restored hub's head is 10: only R3 is gone from it.
  auto requeued = outbox.RequeueAbove(10);
  REQUIRE(requeued.ok());
  CHECK(*requeued == 1);
  const auto pending = Pending(outbox);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].uuid == queued[2].uuid);
  auto status = db.Prepare("SELECT status FROM own_status WHERE uuid = ?");
  REQUIRE(status.ok());
  for (const auto& [index, expected] : {std::pair{0, "accepted"}, std::pair{1, "accepted"},
                                        std::pair{2, "queued"}, std::pair{3, "rejected"}}) {
    INFO("R" << index + 1);
    status->Bind(1, queued[static_cast<size_t>(index)].uuid);
    REQUIRE(*status->Step());
    CHECK(status->ColumnText(0) == expected);
    status->Reset();
  }

  auto again = outbox.RequeueAbove(10);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(Size(outbox) == 1);
}

TEST_CASE("Outbox::PendingPriority puts urgent alerts before high ones, bulk never",
          "[node][outbox]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  auto alert = [](const std::string& ref, const std::string& priority) {
    json record = cen::test::SampleAlert(ref, priority);
    record["scope"] = "global";
    record["handling"] = "H0";
    return record;
  };
  OutboxEnqueue(outbox, {OutboxSeizure("S1"), alert("A-high", "high"), OutboxSeizure("S2"),
                         alert("A-normal", "normal"), alert("A-urgent", "urgent")});

  auto priority = outbox.PendingPriority(10);
  REQUIRE(priority.ok());
  REQUIRE(priority->size() == 2);
  CHECK(MsgpackJson::Decode((*priority)[0].body)->at("ref") == "A-urgent");
  CHECK(MsgpackJson::Decode((*priority)[1].body)->at("ref") == "A-high");
  // The bulk order is unchanged: everything, in the order it was handed in.
  CHECK(Pending(outbox).size() == 5);

  // Acknowledged, they leave the lane; requeued (a restored hub), they are back in it.
  RequireOk(outbox.Acknowledge({{(*priority)[0].uuid, 1, true, 7, ""}}));
  priority = outbox.PendingPriority(10);
  REQUIRE(priority.ok());
  CHECK(priority->size() == 1);
  RequireOk(outbox.RequeueAll().status());
  priority = outbox.PendingPriority(10);
  REQUIRE(priority.ok());
  CHECK(priority->size() == 2);
}

TEST_CASE("An urgent update takes the alert it references along into its lane",
          "[node][outbox][priority]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  auto alert = outbox.Enqueue({cen::test::SampleAlert("A-1", "normal")});
  REQUIRE(alert.ok());
  nlohmann::json update = cen::test::SampleAlert("A-1-U", "urgent");
  update["msg_type"] = "update";
  update["references"] = {(*alert)[0].uuid};
  auto queued = outbox.Enqueue({update});
  REQUIRE(queued.ok());
  auto pending = outbox.PendingPriority(10);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 2);
  CHECK((*pending)[0].uuid == (*alert)[0].uuid);  // the alert first, then its update
  CHECK((*pending)[1].uuid == (*queued)[0].uuid);
  CHECK(db.QueryInt("SELECT lane FROM own_records WHERE ref = 'A-1'")->value_or(-1) == 2);
}

TEST_CASE("Outbox refuses a change or a new version of an alert the replica holds cancelled",
          "[node][outbox]") {
  // A trial: cen-node submit took them (exit 0) and the hub refused them,
  // seen only in cen-node status afterwards.
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n1");
  Outbox outbox(&db);
  cen::node::Replica replica(&db);
  RequireOk(replica.Load());
  const json alert = cen::test::SampleAlert("A-1", "high");
  const std::string uuid = OutboxEnqueue(outbox, {alert})[0].uuid;
  json cancel = cen::test::SampleAlert("A-1-C", "high");
  cancel["msg_type"] = "cancel";
  cancel["references"] = {uuid};
  const std::string cancel_uuid = OutboxEnqueue(outbox, {cancel})[0].uuid;
  json stored_cancel =
      cen::test::AsStored(cen::test::WireAlert("A-1-C", cancel_uuid, 1, "high"), 2);
  stored_cancel["msg_type"] = "cancel";
  stored_cancel["references"] = {uuid};
  RequireOk(replica.Apply(
      cen::test::Packed(
          {cen::test::AsStored(cen::test::WireAlert("A-1", uuid, 1, "high"), 1), stored_cancel}),
      2));

  json update = cen::test::SampleAlert("A-1-U", "high");
  update["msg_type"] = "update";
  update["references"] = {uuid};
  auto refused = outbox.Enqueue({update});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message() ==
        "record 1: references[0]: alert " + uuid +
            " was cancelled (gseq 2, in this node's replica); it is no longer in force");
  json amended = alert;
  amended["title"] = "Reissued to every office";
  refused = outbox.Enqueue({amended});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(),
             Catch::Contains("ref: alert " + uuid + " was cancelled") &&
                 Catch::Contains("issue a new alert (another ref) instead"));
  // The cancel amends itself (its reason corrected).
  cancel["body"] = "Sent in error: the containers were cleared.";
  CHECK(OutboxEnqueue(outbox, {cancel})[0].disposition == Disposition::kAmended);
}

TEST_CASE("A decision the hub refused for lack of the version goes again once it is held",
          "[node][outbox]") {
  // A trial: after a hub restore with the NCP offline, the RILO offered its
  // decisions again before the NCP offered its records; the hub refused
  // them ("no record ... waits"), and the accepted alerts fell back to
  // pending everywhere, with nothing telling the RILO to decide again.
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "RILO-WE");
  Outbox outbox(&db);
  const std::string record = Uuid7::Generate();
  const std::string other = Uuid7::Generate();
  auto decision = [&](const std::string& uuid, int64_t version) {
    return json{
        {"kind", "decision"},        {"ref", "accept:" + uuid + ":" + std::to_string(version)},
        {"scope", "nodes:NCP-FR"},   {"handling", "H0"},
        {"decision", "accept"},      {"record", uuid},
        {"record_version", version}, {"decided_at", "2026-12-07T10:00:00Z"}};
  };
  const auto queued =
      OutboxEnqueue(outbox, {decision(record, 1), decision(record, 2), decision(other, 1)});
  RequireOk(outbox.Acknowledge(
      {{queued[0].uuid, 1, false, 0,
        "record: no record " + record + " waits for this node's decision"},
       {queued[1].uuid, 1, false, 0,
        "record_version: 2 is not the latest version of " + record + " (1); decide on the latest"},
       {queued[2].uuid, 1, false, 0, "record: version 1 of " + other + " is already accepted"}}));
  CHECK(Size(outbox) == 0);

  auto again = outbox.RequeueRefusedDecisions(record, 1);
  REQUIRE(again.ok());
  CHECK(*again == 1);
  CHECK(Pending(outbox).size() == 1);
  CHECK(Pending(outbox)[0].uuid == queued[0].uuid);
  again = outbox.RequeueRefusedDecisions(record, 2);
  REQUIRE(again.ok());
  CHECK(*again == 1);
  // A refusal for another reason stays refused.
  again = outbox.RequeueRefusedDecisions(other, 1);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(Size(outbox) == 2);
  CHECK(CountRows(db, "own_acks") == 1);
}

TEST_CASE("An update says which version of its alert it was written against",
          "[node][outbox][alert_versions]") {
  // Replicas take an alert's amendment written after an update for the
  // alert's newest word (AlertBook), whatever order the hub journaled them
  // in: only the origin's outbox knows the order they were written in.
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string alert =
      OutboxEnqueue(outbox, {cen::test::SampleAlert("A-1", "normal")})[0].uuid;
  json update = cen::test::SampleAlert("A-1-U", "high");
  update["msg_type"] = "update";
  update["references"] = {alert};
  auto versions_of = [&](const std::string& ref) {
    auto body = db.QueryText("SELECT hex(body) FROM own_records WHERE ref = '" + ref +
                             "' ORDER BY version DESC LIMIT 1");
    REQUIRE(body.ok());
    REQUIRE(body->has_value());
    std::string bytes;
    for (size_t i = 0; i + 1 < (*body)->size(); i += 2)
      bytes += static_cast<char>(std::stoi((*body)->substr(i, 2), nullptr, 16));
    auto decoded = MsgpackJson::Decode(bytes);
    REQUIRE(decoded.ok());
    return decoded->value("alert_versions", json());
  };
  const auto first = OutboxEnqueue(outbox, {update});
  CHECK(first[0].disposition == Disposition::kNew);
  CHECK(versions_of("A-1-U") == json{{alert, 1}});

  // The origin amends the alert; the same update handed in again (a file
  // dropped again) is the same update, not a newer word than the amendment.
  json amended = cen::test::SampleAlert("A-1", "normal");
  amended["title"] = "Amended";
  CHECK(OutboxEnqueue(outbox, {amended})[0].version == 2);
  const auto again = OutboxEnqueue(outbox, {update});
  CHECK(again[0].disposition == Disposition::kUnchanged);
  CHECK(versions_of("A-1-U") == json{{alert, 1}});

  // Changed, it is written against the amendment.
  update["title"] = "Written after the amendment";
  const auto changed = OutboxEnqueue(outbox, {update});
  CHECK(changed[0].disposition == Disposition::kAmended);
  CHECK(versions_of("A-1-U") == json{{alert, 2}});
}

TEST_CASE("A receipt refused for an alert this replica holds goes back to the outbox, once",
          "[node][outbox]") {
  // After a hub restore an office's receipt and the alert's own office's
  // alert may reach the hub in one commit, the receipt first: refused, and
  // the refusal was final although the alert was journaled just after.
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string alert = Uuid7::Generate();
  const json receipt = {{"kind", "receipt"},     {"alert", alert},
                        {"action", "delivered"}, {"at", "2026-12-06T10:00:00.000Z"},
                        {"scope", "nodes:EU"},   {"ref", "delivered:" + alert}};
  const auto queued = OutboxEnqueue(outbox, {receipt});
  const std::string refusal = "alert: no alert " + alert + " that this node may see";
  SECTION("the alert is not in this replica: the refusal stands") {
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, refusal}}));
    CHECK(Size(outbox) == 0);
    CHECK(CountRows(db, "own_acks") == 1);
  }
  SECTION("the alert is in this replica: offered again at the outbox's end, once") {
    HoldRecord(db, alert, 9, "alert");
    const int64_t seq = Pending(outbox)[0].seq;
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, refusal}}));
    const auto again = Pending(outbox);
    REQUIRE(again.size() == 1);
    CHECK(again[0].seq > seq);
    CHECK(CountRows(db, "own_acks") == 0);
    // Refused again: no loop, the refusal is recorded.
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, refusal}}));
    CHECK(Size(outbox) == 0);
    CHECK(CountRows(db, "own_acks") == 1);
  }
}

TEST_CASE("A hit receipt refused for its alert or its record goes again once both are held",
          "[node][outbox]") {
  // A trial: after a hub restore, three offices' hit receipts were refused
  // ("alert: no alert ..." or "hit.record: no record ...": the alert's or
  // the seized record's office had not offered it again yet) and stayed
  // refused for good; the alert's office lost the hits.
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string alert = Uuid7::Generate();
  const std::string seized = Uuid7::Generate();
  const json receipt = {
      {"kind", "receipt"},
      {"alert", alert},
      {"action", "hit"},
      {"at", "2026-12-07T10:00:00.000Z"},
      {"scope", "nodes:AP"},
      {"ref", "hit:" + Uuid7::Generate()},
      {"hit", {{"record", seized}, {"indicator", "containers"}, {"value", "MSCU1234566"}}}};
  const auto queued = OutboxEnqueue(outbox, {receipt});
  auto hold = [&](const std::string& uuid, int64_t gseq, const std::string& kind) {
    HoldRecord(db, uuid, gseq, kind);
  };
  auto again = [&](const std::string& named) {
    auto n = outbox.OfferHitsAgain({named});
    REQUIRE(n.ok());
    return *n;
  };
  auto awaited = [&](const std::string& uuid) {
    auto a = outbox.Awaited(uuid);
    REQUIRE(a.ok());
    return *a;
  };
  const std::string no_alert = "alert: no alert " + alert + " that this node may see";
  const std::string no_record = "hit.record: no record " + seized + " that this node may see";
  SECTION("refused for the alert: again once the replica holds the alert") {
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, no_alert}}));
    CHECK(Size(outbox) == 0);
    CHECK(awaited(alert));
    CHECK_FALSE(awaited(seized));
    CHECK(again(alert) == 0);  // not held yet
    CHECK(CountRows(db, "own_acks") == 1);
    hold(alert, 7, "alert");
    CHECK(again(alert) == 1);
    CHECK(Size(outbox) == 1);
    CHECK(CountRows(db, "own_acks") == 0);
    CHECK_FALSE(awaited(alert));
  }
  SECTION("refused for the alert, then for the record: again for each, once") {
    CHECK_FALSE(awaited(seized));  // read before any refusal
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, no_alert}}));
    hold(alert, 7, "alert");
    CHECK(again(alert) == 1);
    // The alert is there now, the seized record (a third office's) not yet.
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, no_record}}));
    CHECK(Size(outbox) == 0);
    CHECK(awaited(seized));
    hold(seized, 8, "seizure");
    CHECK(again(seized) == 1);
    CHECK(Size(outbox) == 1);
    // Refused for the record again: recorded, not offered a third time.
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, no_record}}));
    CHECK(again(seized) == 0);
    CHECK(Size(outbox) == 0);
    CHECK(CountRows(db, "own_acks") == 1);
    CHECK_FALSE(awaited(seized));
  }
  SECTION("refused while held: offered at once by the acknowledgement") {
    hold(seized, 8, "seizure");
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0, no_record}}));
    CHECK(Size(outbox) == 1);
    CHECK(CountRows(db, "own_acks") == 0);
  }
  SECTION("a hit refused for another reason stays refused") {
    hold(alert, 7, "alert");
    hold(seized, 8, "seizure");
    RequireOk(outbox.Acknowledge({{queued[0].uuid, 1, false, 0,
                                   "scope: a receipt goes to the "
                                   "alert's origin alone"}}));
    CHECK_FALSE(awaited(alert));
    CHECK(again(alert) == 0);
    CHECK(Size(outbox) == 0);
  }
}

TEST_CASE("An own alert's audience is the one its newest version was acked with",
          "[node][outbox][alerts]") {
  // A trial: an alert narrowed to EU still listed the Asian office as "not
  // received yet" at its origin, which it never will be.
  TempDir tmp;
  Database db = CreateNodeDb(tmp);
  Outbox outbox(&db);
  const std::string alert = Uuid7::Generate();
  auto audience = [&] {
    auto q = db.Prepare(
        "SELECT coalesce(group_concat(office, ' '), '') FROM (SELECT office FROM alert_audience "
        "WHERE alert = ? AND office != '' ORDER BY office)");
    REQUIRE(q.ok());
    q->Bind(1, alert);
    REQUIRE(*q->Step());
    return q->ColumnText(0);
  };
  using Offices = std::vector<std::string>;
  RequireOk(outbox.Acknowledge({{alert, 1, true, 5, "", Offices{"AF", "AS", "DE"}}}));
  CHECK(audience() == "AF AS DE");
  RequireOk(outbox.Acknowledge({{alert, 2, true, 9, "", Offices{"DE"}}}));
  CHECK(audience() == "DE");
  // Version 1 acked again (a resend): the newer audience stays.
  RequireOk(outbox.Acknowledge({{alert, 1, true, 5, "", Offices{"AF", "AS", "DE"}}}));
  CHECK(audience() == "DE");
  // Narrowed to the origin alone: nobody is waited for.
  RequireOk(outbox.Acknowledge({{alert, 3, true, 12, "", Offices{}}}));
  CHECK(audience() == "");
}
