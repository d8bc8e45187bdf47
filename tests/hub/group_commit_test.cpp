#include "hub/group_commit.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "tests/hub/group_commit_fixture.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"

using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::AuditTrail;
using cen::hub::GroupCommit;
using cen::hub::Journal;
using cen::test::RequireOk;
using nlohmann::json;
namespace frame = cen::common::frame;

namespace {

// A frame as the hub reads it off the wire: in place.
cen::common::MsgpackMap InPlace(const json& frame) {
  auto map = WireFrame::DecodeInPlace(WireFrame::Encode(frame));
  REQUIRE(map.ok());
  return std::move(*map);
}

// A real hub.db with three registered offices.
struct GroupCommitFixture : cen::test::GroupCommitFixture {
  GroupCommit Batch() { return GroupCommit(Parts()); }
  // The ACKs of one committed batch of PUBLISH frames, by routing id.
  std::vector<std::pair<std::string, json>> Commit(GroupCommit& batch) {
    auto replies = batch.Commit();
    RequireOk(replies.status());
    std::vector<std::pair<std::string, json>> out;
    for (const auto& r : *replies) {
      auto f = WireFrame::Decode(r.frame);
      RequireOk(f.status());
      REQUIRE(WireFrame::Type(*f) == frame::kAck);
      out.emplace_back(r.routing_id, (*f)["acks"]);
    }
    return out;
  }
  std::vector<std::string> AuditDetails(const std::string& event) {
    auto stmt = db.Prepare("SELECT node || ': ' || detail FROM audit WHERE event = ?1 ORDER BY id");
    RequireOk(stmt.status());
    stmt->Bind(1, event);
    std::vector<std::string> out;
    while (*stmt->Step()) out.push_back(stmt->ColumnText(0));
    return out;
  }
};

json GroupCommitPublish(std::vector<json> records) {
  return {{"t", frame::kPublish}, {"records", std::move(records)}};
}

json GroupCommitSeizure(const std::string& ref) {
  return cen::test::WireSeizure(ref, Uuid7::Generate());
}

}  // namespace

TEST_CASE("GroupCommit acks each PUBLISH slot by slot once its records are durable",
          "[hub][ingest]") {
  GroupCommitFixture f;
  GroupCommit batch = f.Batch();
  json invalid = GroupCommitSeizure("S-2");
  invalid["seizure_date"] = "2026-13-45";
  const json first = GroupCommitSeizure("S-1");
  json from_eu = GroupCommitPublish({first, invalid});
  json from_af = GroupCommitPublish({GroupCommitSeizure("S-3")});
  RequireOk(batch.Add("rid-eu", "eu", InPlace(from_eu)));
  RequireOk(batch.Add("rid-af", "af", InPlace(from_af)));
  CHECK(batch.publishes() == 2);
  CHECK(batch.records() == 2);   // the invalid one never reaches the journal
  CHECK(f.journal.head() == 0);  // nothing journaled before Commit

  const auto acks = f.Commit(batch);
  CHECK(f.journal.head() == 2);
  REQUIRE(acks.size() == 2);
  CHECK(acks[0].first == "rid-eu");
  REQUIRE(acks[0].second.size() == 2);
  CHECK(acks[0].second[0]["uuid"] == first["uuid"]);
  CHECK(acks[0].second[0]["status"] == "NEW");
  CHECK(acks[0].second[0]["gseq"] == 1);
  CHECK(acks[0].second[1]["status"] == "REJECTED");
  CHECK_THAT(acks[0].second[1]["reason"].get<std::string>(), Catch::Contains("seizure_date"));
  CHECK(acks[1].first == "rid-af");
  CHECK(acks[1].second[0]["gseq"] == 2);
  // What the feed fans out: the journal's outcome for each candidate.
  REQUIRE(batch.outcomes().size() == 2);
  CHECK(batch.outcomes()[1].verdict == Journal::Verdict::kNew);

  // One audit entry per publishing node, in the same transaction.
  const auto accepted = f.AuditDetails("accepted");
  CHECK(accepted == std::vector<std::string>{"af: 1 new (gseq 2..2), 0 duplicate, 0 rejected",
                                             "eu: 1 new (gseq 1..1), 0 duplicate, 1 rejected"});

  SECTION("a record sent again is acked DUP with the gseq it has") {
    GroupCommit again = f.Batch();
    json resend = GroupCommitPublish({first});
    RequireOk(again.Add("rid-eu2", "eu", InPlace(resend)));
    const auto dup = f.Commit(again);
    CHECK(dup[0].second[0]["status"] == "DUP");
    CHECK(dup[0].second[0]["gseq"] == 1);
    CHECK(f.journal.head() == 2);
  }
}

TEST_CASE("GroupCommit names an alert's audience in its ACK", "[hub][ingest]") {
  GroupCommitFixture f;
  GroupCommit batch = f.Batch();
  json publish = GroupCommitPublish(
      {cen::test::WireAlert("A-1", Uuid7::Generate()), GroupCommitSeizure("S-1")});
  RequireOk(batch.Add("rid", "eu", InPlace(publish)));
  const auto acks = f.Commit(batch);
  REQUIRE(acks[0].second.size() == 2);
  CHECK(acks[0].second[0]["audience"] == json({"af", "ap"}));  // every office but the origin
  CHECK_FALSE(acks[0].second[1].contains("audience"));         // seizures have none
}

TEST_CASE("GroupCommit refuses a PUBLISH without records and adds nothing", "[hub][ingest]") {
  GroupCommitFixture f;
  GroupCommit batch = f.Batch();
  json broken = {{"t", frame::kPublish}, {"records", "not a list"}};
  const auto s = batch.Add("rid", "eu", InPlace(broken));
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("records"));
  CHECK(batch.empty());
}

TEST_CASE("GroupCommit lets priority work in every few records of a bulk frame", "[hub][ingest]") {
  GroupCommitFixture f;
  GroupCommit batch = f.Batch();
  std::vector<json> records;
  for (int i = 0; i < 10; ++i) records.push_back(GroupCommitSeizure("S-" + std::to_string(i)));
  json publish = GroupCommitPublish(records);
  int yields = 0;
  RequireOk(batch.Add(
      "rid", "eu", InPlace(publish), [&] { ++yields; }, 4));
  CHECK(yields == 2);  // before records 4 and 8
}

TEST_CASE("GroupCommit acks nothing when the commit fails and keeps what came in",
          "[hub][ingest]") {
  GroupCommitFixture f;
  f.audit.Note(AuditTrail::kConnect, "eu", "queued before the commit");
  GroupCommit batch = f.Batch();
  json publish = GroupCommitPublish({GroupCommitSeizure("S-1")});
  RequireOk(batch.Add("rid", "eu", InPlace(publish)));
  batch.Keep({});                               // the message the frame came in
  RequireOk(f.db.Exec("PRAGMA query_only=1"));  // every write fails, as on a full disk
  auto replies = batch.Commit();
  CHECK_FALSE(replies.ok());
  CHECK(f.journal.head() == 0);
  CHECK(batch.TakeReceived().size() == 1);  // the caller queues it again
  CHECK(f.audit.HasPending());              // the earlier entry was not lost

  RequireOk(f.db.Exec("PRAGMA query_only=0"));
  GroupCommit retry = f.Batch();
  json again = GroupCommitPublish({GroupCommitSeizure("S-2")});
  RequireOk(retry.Add("rid", "eu", InPlace(again)));
  const auto acks = f.Commit(retry);
  CHECK(acks[0].second[0]["gseq"] == 1);
  CHECK(f.AuditDetails("connect").size() == 1);
}

TEST_CASE("GroupCommit ends a bulk commit early for an urgent alert, which lands in between",
          "[hub][ingest]") {
  GroupCommitFixture f;
  GroupCommit bulk = f.Batch();
  std::vector<json> records;
  for (int i = 0; i < 40; ++i) records.push_back(GroupCommitSeizure("S-" + std::to_string(i)));
  json invalid = GroupCommitSeizure("S-bad");
  invalid["seizure_date"] = "2026-13-45";
  records.push_back(invalid);
  json publish = GroupCommitPublish(records);
  RequireOk(bulk.Add("rid-eu", "eu", InPlace(publish)));

  // The journal asks after every kCutEvery records; an urgent frame is
  // "waiting" at the first question only.
  int asked = 0;
  auto part = bulk.CommitPart([&] { return ++asked == 1; });
  RequireOk(part.status());
  CHECK(part->begin == 0);
  CHECK(part->end == Journal::kCutEvery);
  CHECK_FALSE(bulk.done());
  CHECK(f.journal.written() == static_cast<int64_t>(Journal::kCutEvery));

  // The urgent alert is committed between the parts.
  GroupCommit urgent = f.Batch();
  json alert = GroupCommitPublish({cen::test::WireAlert("A-1", Uuid7::Generate())});
  RequireOk(urgent.Add("rid-af", "af", InPlace(alert)));
  const auto urgent_ack = f.Commit(urgent);
  CHECK(urgent_ack[0].second[0]["gseq"] == Journal::kCutEvery + 1);

  part = bulk.CommitPart([&] { return ++asked == 1; });
  RequireOk(part.status());
  CHECK(part->begin == Journal::kCutEvery);
  CHECK(part->end == 40);
  REQUIRE(bulk.done());
  // One ACK for the frame, every slot in it, the gseqs skipping the alert's.
  const auto replies = bulk.Replies();
  REQUIRE(replies.size() == 1);
  auto ack = WireFrame::Decode(replies[0].frame);
  RequireOk(ack.status());
  const json& acks = (*ack)["acks"];
  REQUIRE(acks.size() == 41);
  CHECK(acks[Journal::kCutEvery - 1]["gseq"] == Journal::kCutEvery);
  CHECK(acks[Journal::kCutEvery]["gseq"] == Journal::kCutEvery + 2);
  CHECK(acks[39]["gseq"] == 41);
  CHECK(acks[40]["status"] == "REJECTED");
  // Each part is a commit of its own in the audit trail; the record the
  // validator refused is counted once.
  const std::string k = std::to_string(Journal::kCutEvery);
  const std::string alert_gseq = std::to_string(Journal::kCutEvery + 1);
  CHECK(f.AuditDetails("accepted") ==
        std::vector<std::string>{
            "eu: " + k + " new (gseq 1.." + k + "), 0 duplicate, 0 rejected",
            "af: 1 new (gseq " + alert_gseq + ".." + alert_gseq + "), 0 duplicate, 0 rejected",
            "eu: " + std::to_string(40 - Journal::kCutEvery) + " new (gseq " +
                std::to_string(Journal::kCutEvery + 2) + "..41), 0 duplicate, 1 rejected"});
}

TEST_CASE("GroupCommit in parts: a part that fails goes on where it stopped at the next try",
          "[hub][ingest]") {
  GroupCommitFixture f;
  std::vector<json> records;
  for (int i = 0; i < 20; ++i) records.push_back(GroupCommitSeizure("S-" + std::to_string(i)));
  json publish = GroupCommitPublish(records);
  GroupCommit bulk = f.Batch();
  RequireOk(bulk.Add("rid", "eu", InPlace(publish)));
  RequireOk(bulk.CommitPart([] { return true; }).status());
  RequireOk(f.db.Exec("PRAGMA query_only=1"));  // as on a full disk
  CHECK_FALSE(bulk.CommitPart(nullptr).ok());
  CHECK_FALSE(bulk.done());
  CHECK(bulk.outcomes().size() == Journal::kCutEvery);
  CHECK(f.journal.written() == static_cast<int64_t>(Journal::kCutEvery));

  // The next try takes the same batch on: every record acked NEW once,
  // none offered twice, each part in the audit trail once.
  RequireOk(f.db.Exec("PRAGMA query_only=0"));
  auto rest = bulk.CommitPart(nullptr);
  RequireOk(rest.status());
  CHECK(rest->begin == Journal::kCutEvery);
  CHECK(rest->end == 20);
  REQUIRE(bulk.done());
  auto ack = WireFrame::Decode(bulk.Replies()[0].frame);
  RequireOk(ack.status());
  const json& acks = (*ack)["acks"];
  REQUIRE(acks.size() == 20);
  for (size_t i = 0; i < 20; ++i) {
    CHECK(acks[i]["gseq"] == i + 1);
    CHECK(acks[i]["status"] == "NEW");
  }
  const std::string k = std::to_string(Journal::kCutEvery);
  CHECK(f.AuditDetails("accepted") ==
        std::vector<std::string>{"eu: " + k + " new (gseq 1.." + k + "), 0 duplicate, 0 rejected",
                                 "eu: " + std::to_string(20 - Journal::kCutEvery) + " new (gseq " +
                                     std::to_string(Journal::kCutEvery + 1) +
                                     "..20), 0 duplicate, 0 rejected"});
}

TEST_CASE("GroupCommit warns the origin of a scope that names no office, region or group there is",
          "[hub][ingest][scope]") {
  // A trial: an amendment to group:JIONT (for JOINT) or region:eu (for EU)
  // was journaled without a word and took the record back from every
  // office. Journaled still (a record re-offered to a hub restored from an
  // older copy may name what it does not hold yet), with a warning.
  GroupCommitFixture f;
  RequireOk(f.registry.Allow({"eu", f.registry.Find("eu")->pubkey, "EU"}));
  RequireOk(f.registry.Allow({"ap", f.registry.Find("ap")->pubkey, "EU"}));
  // A group made a moment ago by another process (cen-hub group create),
  // and groups that reach no office but the origin (a trial: group:TMP
  // made and never filled, group:OLD expired, group:sea beside SEA).
  cen::common::Database other = cen::test::ReopenHubDb(f.tmp);
  cen::hub::GroupRegistry cli(&other);
  RequireOk(cli.Create("OP-TIDE", ""));
  RequireOk(cli.Add("OP-TIDE", "af"));
  RequireOk(cli.Create("TMP", ""));
  RequireOk(cli.Add("TMP", "eu"));
  RequireOk(cli.Create("OLD", "2020-01-01"));
  RequireOk(cli.Add("OLD", "af"));
  GroupCommit::Parts parts = f.Parts();
  int rereads = 0;
  parts.reread = [&] {
    ++rereads;
    f.groups.Invalidate();
    RequireOk(f.groups.Refresh());
  };
  GroupCommit batch(parts);
  auto scoped = [](const std::string& ref, const std::string& scope) {
    json r = GroupCommitSeizure(ref);
    r["scope"] = scope;
    return r;
  };
  json publish = GroupCommitPublish(
      {scoped("S-1", "region:eu"), scoped("S-2", "group:JIONT"), scoped("S-3", "nodes:eu,nobody"),
       scoped("S-4", "region:EU"), scoped("S-5", "group:OP-TIDE"), scoped("S-6", "nodes:af"),
       scoped("S-7", "group:TMP"), scoped("S-8", "group:OLD"), scoped("S-9", "nodes:eu")});
  RequireOk(batch.Add("rid-eu", "eu", InPlace(publish)));
  const auto acks = f.Commit(batch);
  REQUIRE(acks.size() == 1);
  const json& a = acks[0].second;
  REQUIRE(a.size() == 9);
  for (int i = 0; i < 9; ++i) CHECK(a[i]["status"] == "NEW");
  CHECK(a[6].value("warning", "") ==
        "scope: no office but the origin may see group:TMP now (cen-hub group list shows its "
        "members and expiry); the record would reach its origin alone");
  CHECK_THAT(a[7].value("warning", ""), Catch::Contains("no office but the origin may see "
                                                        "group:OLD now"));
  CHECK_THAT(a[8].value("warning", ""), Catch::Contains("its origin alone"));
  CHECK_THAT(a[0].value("warning", ""), Catch::Contains("no office is registered in region 'eu'") &&
                                            Catch::Contains("region:EU?") &&
                                            Catch::Contains("its origin alone"));
  CHECK_THAT(a[1].value("warning", ""), Catch::Contains("no group 'JIONT' was created"));
  CHECK(a[2].value("warning", "") == "scope: no office 'nobody' is registered");
  for (int i = 3; i < 6; ++i) CHECK_FALSE(a[i].contains("warning"));
  CHECK(rereads == 1);  // once a batch
}
