#include "hub/journal.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/instance_lock.h"
#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "hub/hub_schema.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::MsgpackJson;
using cen::common::Status;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::hub::HubSchema;
using cen::hub::Journal;
using cen::test::CreateHubDb;
using cen::test::ReopenHubDb;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using JournalVerdict = Journal::Verdict;

namespace {

// A validated seizure as the hub's validator leaves it.
json JournalSeizure(const std::string& ref, const std::string& uuid, int64_t version = 1) {
  return cen::test::HubSeizure(ref, uuid, version);
}

std::vector<Journal::Outcome> Append(Journal& journal, std::vector<Journal::Candidate> batch) {
  std::vector<Journal::Outcome> outcomes;
  RequireOk(journal.Append(batch, &outcomes));
  REQUIRE(outcomes.size() == batch.size());
  return outcomes;
}

std::vector<int64_t> GseqsInTable(Database& db) {
  auto stmt = db.Prepare("SELECT gseq FROM journal ORDER BY gseq");
  REQUIRE(stmt.ok());
  std::vector<int64_t> out;
  while (*stmt->Step()) out.push_back(stmt->ColumnInt(0));
  return out;
}

}  // namespace

TEST_CASE("Journal assigns gapless gseq across batches", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  CHECK(journal.head() == 0);
  CHECK(journal.epoch().size() == 16);

  const std::string taken = Uuid7::Generate();
  auto first = Append(journal, {{"n1", JournalSeizure("R1", taken)},
                                {"n1", JournalSeizure("R2", Uuid7::Generate())},
                                {"n1", JournalSeizure("R3", Uuid7::Generate())}});
  for (size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].verdict == JournalVerdict::kNew);
    CHECK(first[i].gseq == static_cast<int64_t>(i + 1));
  }
  CHECK(journal.head() == 3);

  // A rejected record between two new ones takes no gseq.
  auto second = Append(journal, {{"n1", JournalSeizure("R4", Uuid7::Generate())},
                                 {"n2", JournalSeizure("R9", taken, 2)},
                                 {"n1", JournalSeizure("R5", Uuid7::Generate())}});
  CHECK(second[0].verdict == JournalVerdict::kNew);
  CHECK(second[0].gseq == 4);
  CHECK(second[1].verdict == JournalVerdict::kRejected);
  CHECK(second[2].verdict == JournalVerdict::kNew);
  CHECK(second[2].gseq == 5);
  CHECK(journal.head() == 5);
  CHECK(GseqsInTable(db) == std::vector<int64_t>{1, 2, 3, 4, 5});

  SECTION("an empty batch changes nothing") {
    auto none = Append(journal, {});
    CHECK(none.empty());
    CHECK(journal.head() == 5);
  }
}

TEST_CASE("Journal holds its head back for appends not yet durable", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  (void)Append(journal, {{"n1", JournalSeizure("R1", Uuid7::Generate())}});

  // A bulk commit written without waiting for the disk.
  journal.set_defer_head(true);
  json alert = cen::test::WireAlert("A3", Uuid7::Generate());
  alert["scope"] = "global";
  alert["handling"] = "H0";
  auto held = Append(journal, {{"n1", JournalSeizure("R2", Uuid7::Generate())}, {"n1", alert}});
  journal.set_defer_head(false);
  CHECK(held[1].gseq == 3);
  CHECK(journal.written() == 3);
  CHECK(journal.head() == 1);
  // Readers (FETCH) stop before what may still be lost.
  std::vector<int64_t> read;
  auto last = journal.Read(1, 100, [&](const Journal::Stored& s) { read.push_back(s.gseq); });
  REQUIRE(last.ok());
  CHECK(*last == 1);
  CHECK(read == std::vector<int64_t>{1});

  std::vector<int64_t> priority;
  REQUIRE(
      journal.ReadPriority(1, 100, [&](const Journal::Stored& s) { priority.push_back(s.gseq); })
          .ok());
  CHECK(priority.empty());

  SECTION("MarkDurable moves the head, never past what was written") {
    journal.MarkDurable(2);
    CHECK(journal.head() == 2);
    journal.MarkDurable(9);
    CHECK(journal.head() == 3);
    journal.MarkDurable(1);
    CHECK(journal.head() == 3);
  }
  SECTION("a durable append after them carries the head past them too") {
    auto next = Append(journal, {{"n1", JournalSeizure("R4", Uuid7::Generate())}});
    CHECK(next[0].gseq == 4);
    CHECK(journal.head() == 4);
    read.clear();
    REQUIRE(journal.Read(1, 100, [&](const Journal::Stored& s) { read.push_back(s.gseq); }).ok());
    CHECK(read == std::vector<int64_t>{1, 2, 3, 4});
    REQUIRE(
        journal.ReadPriority(1, 100, [&](const Journal::Stored& s) { priority.push_back(s.gseq); })
            .ok());
    CHECK(priority == std::vector<int64_t>{3});  // the urgent alert, now durable
  }
  SECTION("rows another connection journaled are read as before") {
    Journal other(&db);  // a cluster's state machine writes through its own
    RequireOk(other.Load());
    auto theirs = Append(other, {{"n1", JournalSeizure("R5", Uuid7::Generate())}});
    CHECK(theirs[0].gseq == 4);
    journal.MarkDurable(3);
    read.clear();
    REQUIRE(journal.Read(1, 100, [&](const Journal::Stored& s) { read.push_back(s.gseq); }).ok());
    CHECK(read == std::vector<int64_t>{1, 2, 3, 4});
  }
  SECTION("a reopened journal starts from what the table holds") {
    Journal reopened(&db);
    RequireOk(reopened.Load());
    CHECK(reopened.head() == 3);
    CHECK(reopened.written() == 3);
  }
}

TEST_CASE("Journal survives a reopen with the same head and epoch", "[hub][journal]") {
  TempDir tmp;
  std::string epoch;
  {
    Database db = CreateHubDb(tmp);
    Journal journal(&db);
    RequireOk(journal.Load());
    epoch = journal.epoch();
    (void)Append(journal, {{"n1", JournalSeizure("R1", Uuid7::Generate())},
                           {"n1", JournalSeizure("R2", Uuid7::Generate())}});
    CHECK(journal.head() == 2);
  }
  Database db = ReopenHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  CHECK(journal.head() == 2);
  CHECK(journal.epoch() == epoch);
  auto next = Append(journal, {{"n1", JournalSeizure("R3", Uuid7::Generate())}});
  CHECK(next[0].gseq == 3);

  SECTION("two hubs get different epochs") {
    TempDir other;
    Database other_db = CreateHubDb(other);
    Journal other_journal(&other_db);
    RequireOk(other_journal.Load());
    CHECK(other_journal.epoch() != epoch);
  }
}

TEST_CASE("Journal answers a resent record as a duplicate with its gseq", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string uuid = Uuid7::Generate();

  SECTION("in a later batch") {
    (void)Append(journal, {{"n1", JournalSeizure("R0", Uuid7::Generate())}});
    auto first = Append(journal, {{"n1", JournalSeizure("R1", uuid)}});
    REQUIRE(first[0].verdict == JournalVerdict::kNew);
    CHECK(first[0].gseq == 2);
    auto again = Append(journal, {{"n1", JournalSeizure("R1", uuid)}});
    CHECK(again[0].verdict == JournalVerdict::kDuplicate);
    CHECK(again[0].gseq == 2);
    CHECK(journal.head() == 2);
  }
  SECTION("within one batch") {
    auto outcomes = Append(journal, {{"n1", JournalSeizure("R1", uuid)},
                                     {"n1", JournalSeizure("R2", Uuid7::Generate())},
                                     {"n1", JournalSeizure("R1", uuid)}});
    CHECK(outcomes[0].verdict == JournalVerdict::kNew);
    CHECK(outcomes[2].verdict == JournalVerdict::kDuplicate);
    CHECK(outcomes[2].gseq == outcomes[0].gseq);
    CHECK(journal.head() == 2);
  }
  CHECK(GseqsInTable(db).size() == static_cast<size_t>(journal.head()));
}

TEST_CASE("Journal refuses records that would take over another's identity", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string uuid = Uuid7::Generate();
  (void)Append(journal, {{"n1", JournalSeizure("R1", uuid)}});

  SECTION("another origin amending a uuid") {
    auto out = Append(journal, {{"n2", JournalSeizure("R1", uuid, 2)}});
    CHECK(out[0].verdict == JournalVerdict::kRejected);
    CHECK_THAT(out[0].reason, Catch::StartsWith("uuid:"));
    CHECK(journal.head() == 1);
  }
  SECTION("the same origin reusing a ref for another uuid") {
    auto out = Append(journal, {{"n1", JournalSeizure("R1", Uuid7::Generate())}});
    CHECK(out[0].verdict == JournalVerdict::kRejected);
    CHECK_THAT(out[0].reason, Catch::StartsWith("ref:"));
    CHECK_THAT(out[0].reason, Catch::Contains(uuid));
    CHECK(journal.head() == 1);
  }
  SECTION("another origin may use the same ref: refs are per origin") {
    auto out = Append(journal, {{"n2", JournalSeizure("R1", Uuid7::Generate())}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
  }
  SECTION("the same ref under another kind is another case") {
    json alert = JournalSeizure("R1", Uuid7::Generate());
    alert["kind"] = "alert";
    auto out = Append(journal, {{"n1", alert}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
  }
  SECTION("an amendment by the origin is new") {
    auto out = Append(journal, {{"n1", JournalSeizure("R1", uuid, 2)}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
    CHECK(out[0].gseq == 2);
  }
  SECTION("conflicts inside one batch are caught too") {
    const std::string fresh = Uuid7::Generate();
    auto out = Append(journal, {{"n1", JournalSeizure("R7", fresh)},
                                {"n2", JournalSeizure("R8", fresh, 2)},
                                {"n1", JournalSeizure("R7", Uuid7::Generate())}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
    CHECK(out[1].verdict == JournalVerdict::kRejected);
    CHECK_THAT(out[1].reason, Catch::StartsWith("uuid:"));
    CHECK(out[2].verdict == JournalVerdict::kRejected);
    CHECK_THAT(out[2].reason, Catch::StartsWith("ref:"));
    CHECK(journal.head() == 2);
  }
}

// DESIGN.md: only the origin node amends; a record's origin is the
// authenticated identity. A second node sending version 1 of the first node's
// uuid (a uuid collision, or a replay of a record it received on the feed)
// must be refused, not acknowledged as a duplicate of the other node's record.
TEST_CASE("Journal rejects another origin resending an existing uuid and version",
          "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string uuid = Uuid7::Generate();
  (void)Append(journal, {{"n1", JournalSeizure("R1", uuid)}});

  json other = JournalSeizure("N2-CASE", uuid);
  other["description"] = "a different case of node n2";
  auto out = Append(journal, {{"n2", other}});
  CHECK(out[0].verdict == JournalVerdict::kRejected);
  CHECK_THAT(out[0].reason, Catch::StartsWith("uuid:"));
  CHECK(out[0].gseq == 0);  // n2 learns nothing of n1's record
}

// The same, when both nodes' PUBLISH frames land in one group commit.
TEST_CASE("Journal rejects another origin's uuid and version within one batch", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string uuid = Uuid7::Generate();
  json other = JournalSeizure("N2-CASE", uuid);
  other["description"] = "a different case of node n2";

  auto out = Append(journal, {{"n1", JournalSeizure("R1", uuid)}, {"n2", other}});
  CHECK(out[0].verdict == JournalVerdict::kNew);
  CHECK(out[1].verdict == JournalVerdict::kRejected);
  CHECK_THAT(out[1].reason, Catch::StartsWith("uuid:"));
  CHECK(out[1].gseq == 0);
}

TEST_CASE("Journal stores the hub's envelope fields, origin from the candidate", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());

  json claimed = JournalSeizure("R1", Uuid7::Generate());
  claimed["origin"] = "n2";                         // a node claiming to be another
  claimed["gseq"] = 999;                            // and choosing its own gseq
  claimed["received_at"] = "1999-01-01T00:00:00Z";  // and time
  claimed["scope"] = "region:XX";
  claimed["x-unknown"] = {{"kept", true}};
  auto out = Append(journal, {{"n1", claimed}});
  REQUIRE(out[0].verdict == JournalVerdict::kNew);
  CHECK(out[0].scope == "region:XX");

  auto body = MsgpackJson::Decode(out[0].body);
  REQUIRE(body.ok());
  CHECK((*body)["origin"] == "n1");
  CHECK((*body)["gseq"] == 1);
  const std::string received_at = (*body)["received_at"].get<std::string>();
  CHECK(received_at != "1999-01-01T00:00:00Z");
  CHECK_THAT(received_at, Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"));
  CHECK((*body)["x-unknown"] == json({{"kept", true}}));
  CHECK((*body)["description"] == "x");

  std::vector<Journal::Stored> stored;
  auto last = journal.Read(1, 10, [&](const Journal::Stored& s) { stored.push_back(s); });
  REQUIRE(last.ok());
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].origin == "n1");
  CHECK(stored[0].scope == "region:XX");
  CHECK(stored[0].body == out[0].body);

  auto origin_column = db.Prepare("SELECT origin FROM journal WHERE gseq = 1");
  REQUIRE(origin_column.ok());
  REQUIRE(*origin_column->Step());
  CHECK(origin_column->ColumnText(0) == "n1");

  SECTION("a record without a scope is global") {
    json plain = JournalSeizure("R2", Uuid7::Generate());
    plain.erase("scope");
    auto next = Append(journal, {{"n1", plain}});
    CHECK(next[0].scope == "global");
  }
}

TEST_CASE("Journal::Read returns records in gseq order from a point", "[hub][journal]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  std::vector<Journal::Candidate> batch;
  for (int i = 1; i <= 5; ++i)
    batch.push_back({"n1", JournalSeizure("R" + std::to_string(i), Uuid7::Generate())});
  (void)Append(journal, batch);

  struct JournalCase {
    int64_t from;
    int max;
    std::vector<int64_t> gseqs;
    int64_t last;
  };
  const JournalCase cases[] = {
      {1, 100, {1, 2, 3, 4, 5}, 5},
      {2, 2, {2, 3}, 3},
      {5, 10, {5}, 5},
      {6, 10, {}, 5},  // past the head: nothing, last = from - 1
      {9, 10, {}, 8},
  };
  for (const auto& c : cases) {
    INFO("from " << c.from << " max " << c.max);
    std::vector<int64_t> seen;
    auto last = journal.Read(c.from, c.max, [&](const Journal::Stored& s) {
      seen.push_back(s.gseq);
      auto body = MsgpackJson::Decode(s.body);
      REQUIRE(body.ok());
      CHECK((*body)["gseq"] == s.gseq);
    });
    REQUIRE(last.ok());
    CHECK(seen == c.gseqs);
    CHECK(*last == c.last);
  }
}

TEST_CASE("Journal appends nothing when the database is busy", "[hub][journal]") {
  TempDir tmp;
  { Database created = CreateHubDb(tmp); }
  auto db = Database::Open(HubSchema::DbPath(tmp.path()), Database::Mode::kReadWrite,
                           /*busy_timeout_ms=*/50);
  REQUIRE(db.ok());
  Journal journal(&*db);
  RequireOk(journal.Load());

  Database other = ReopenHubDb(tmp);
  auto lock = other.Begin();  // another writer holds the lock
  REQUIRE(lock.ok());
  std::vector<Journal::Candidate> batch = {{"n1", JournalSeizure("R1", Uuid7::Generate())}};
  std::vector<Journal::Outcome> outcomes;
  const Status s = journal.Append(batch, &outcomes);
  CHECK(s.code() == StatusCode::kUnavailable);
  CHECK(journal.head() == 0);
  RequireOk(lock->Commit());

  // Once the lock is gone the same batch goes in with gseq 1.
  RequireOk(journal.Append(batch, &outcomes));
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].gseq == 1);
}

namespace {

json JournalAlert(const std::string& ref, const std::string& uuid,
                  const std::string& msg_type = "alert", const json& references = nullptr) {
  json record = cen::test::WireAlert(ref, uuid);
  record["scope"] = "global";
  record["handling"] = "H0";
  record["msg_type"] = msg_type;
  if (!references.is_null()) record["references"] = references;
  return record;
}

json JournalReceipt(const std::string& alert, const std::string& alert_origin,
                    const std::string& action = "delivered") {
  return {{"kind", "receipt"},
          {"ref", action + ":" + alert},
          {"uuid", Uuid7::Generate()},
          {"version", 1},
          {"scope", "nodes:" + alert_origin},
          {"handling", "H0"},
          {"alert", alert},
          {"action", action},
          {"at", "2026-11-30T10:00:00Z"}};
}

}  // namespace

TEST_CASE("An update or cancel must name an original alert of its own origin",
          "[hub][journal][alerts]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string alert = Uuid7::Generate();
  const std::string update = Uuid7::Generate();
  REQUIRE(Append(journal, {{"EU", JournalAlert("A-1", alert)}})[0].verdict == JournalVerdict::kNew);

  SECTION("the origin updates and cancels") {
    const auto out =
        Append(journal, {{"EU", JournalAlert("A-1-U", update, "update", {alert})},
                         {"EU", JournalAlert("A-1-C", Uuid7::Generate(), "cancel", {alert})}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
    CHECK(out[1].verdict == JournalVerdict::kNew);
  }
  SECTION("another office may not") {
    const auto out =
        Append(journal, {{"AF", JournalAlert("X-C", Uuid7::Generate(), "cancel", {alert})}});
    CHECK(out[0].verdict == JournalVerdict::kRejected);
    CHECK(out[0].reason ==
          "references[0]: alert " + alert + " belongs to node EU; only its origin may cancel it");
  }
  SECTION("an alert the node may not see is answered as missing") {
    const std::string hidden = Uuid7::Generate();
    json narrow = JournalAlert("A-2", hidden);
    narrow["scope"] = "nodes:EU";
    Append(journal, {{"EU", narrow}});
    const auto out =
        Append(journal, {{"AF", JournalAlert("X-C", Uuid7::Generate(), "cancel", {hidden})}});
    CHECK(out[0].reason == "references[0]: no alert " + hidden + " in the journal");
  }
  SECTION("the hub operator may cancel any alert, not update it") {
    const auto out = Append(
        journal, {{"hub-operator", JournalAlert("OP-C", Uuid7::Generate(), "cancel", {alert})},
                  {"hub-operator", JournalAlert("OP-U", Uuid7::Generate(), "update", {alert})}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
    CHECK(out[1].verdict == JournalVerdict::kRejected);
  }
  SECTION("an unknown alert, a seizure, or an update are refused as targets") {
    const std::string seizure = Uuid7::Generate();
    const std::string unknown = Uuid7::Generate();
    Append(journal, {{"EU", JournalSeizure("S-1", seizure)},
                     {"EU", JournalAlert("A-1-U", update, "update", {alert})}});
    const auto out =
        Append(journal, {{"EU", JournalAlert("U-2", Uuid7::Generate(), "update", {alert, unknown})},
                         {"EU", JournalAlert("U-3", Uuid7::Generate(), "update", {seizure})},
                         {"EU", JournalAlert("U-4", Uuid7::Generate(), "cancel", {update})}});
    CHECK(out[0].reason == "references[1]: no alert " + unknown + " in the journal");
    CHECK(out[1].reason == "references[0]: no alert " + seizure + " in the journal");
    CHECK(out[2].reason ==
          "references[0]: " + update + " is itself an update; name the original alert");
    for (const auto& o : out) CHECK(o.verdict == JournalVerdict::kRejected);
  }
}

TEST_CASE("An update or cancel travels in its alert's lane when that is higher",
          "[hub][journal][alerts]") {
  // A normal-priority cancel of an urgent alert went in the bulk lane: an
  // office catching up met the alert in the priority lane's fetch, paged
  // for it, and learnt of the cancel with the bulk catch-up only.
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string urgent = Uuid7::Generate();
  const std::string normal = Uuid7::Generate();
  json quiet = JournalAlert("A-2", normal);
  quiet["priority"] = "normal";
  Append(journal, {{"EU", JournalAlert("A-1", urgent)}, {"EU", quiet}});
  json cancel = JournalAlert("A-1-C", Uuid7::Generate(), "cancel", {urgent});
  cancel["priority"] = "normal";
  json update = JournalAlert("A-2-U", Uuid7::Generate(), "update", {normal});
  update["priority"] = "normal";
  const auto out = Append(journal, {{"EU", cancel}, {"EU", update}});
  CHECK(out[0].lane == cen::common::Lane::kUrgent);
  CHECK(out[1].lane == cen::common::Lane::kBulk);
  auto lanes = db.Prepare("SELECT ref, lane FROM journal ORDER BY gseq");
  REQUIRE(lanes.ok());
  std::vector<std::string> rows;
  while (*lanes->Step()) rows.push_back(lanes->ColumnText(0) + " " + lanes->ColumnText(1));
  CHECK(rows == std::vector<std::string>{"A-1 2", "A-2 0", "A-1-C 2", "A-2-U 0"});
}

TEST_CASE("A cancelled alert can be neither updated nor cancelled again",
          "[hub][journal][alerts]") {
  // Journaled, an update after the cancel paged every office again, and
  // cen-hub cancel-alert twice sent two cancels.
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  const std::string alert = Uuid7::Generate();
  const std::string other = Uuid7::Generate();
  REQUIRE(Append(journal, {{"EU", JournalAlert("A-1", alert)}, {"EU", JournalAlert("A-2", other)}})
              .back()
              .verdict == JournalVerdict::kNew);
  CHECK(Journal::CancelOf(db, alert, "EU")->has_value() == false);
  const std::string by = GENERATE(std::string("EU"), std::string("hub-operator"));
  INFO("cancelled by " << by);
  const std::string cancel_uuid = Uuid7::Generate();
  const auto cancel = Append(journal, {{by, JournalAlert("C-1", cancel_uuid, "cancel", {alert})}});
  REQUIRE(cancel[0].verdict == JournalVerdict::kNew);
  const auto cancelled_at = Journal::CancelOf(db, alert, "EU");
  REQUIRE(cancelled_at.ok());
  CHECK(*cancelled_at == cancel[0].gseq);

  const auto out =
      Append(journal, {{"EU", JournalAlert("A-1-U", Uuid7::Generate(), "update", {alert})},
                       {"EU", JournalAlert("A-1-C", Uuid7::Generate(), "cancel", {alert})},
                       {"hub-operator", JournalAlert("OP-C", Uuid7::Generate(), "cancel", {alert})},
                       {"EU", JournalAlert("A-2-U", Uuid7::Generate(), "update", {other})}});
  const std::string reason = "references[0]: alert " + alert + " was cancelled (gseq " +
                             std::to_string(cancel[0].gseq) + "); it is no longer in force";
  for (size_t i = 0; i < 3; ++i) {
    CHECK(out[i].verdict == JournalVerdict::kRejected);
    CHECK(out[i].reason == reason);
  }
  CHECK(out[3].verdict == JournalVerdict::kNew);  // another alert, in force

  // Nor amended: a trial widened an alert the operator had cancelled, and
  // the offices it reached then had it in force, the cancel's scope
  // holding them not. The version journaled before is still a duplicate.
  json widened = JournalAlert("A-1", alert);
  widened["version"] = 2;
  widened["title"] = "reissued to every office";
  const auto again = Append(journal, {{"EU", widened}, {"EU", JournalAlert("A-1", alert)}});
  CHECK(again[0].verdict == JournalVerdict::kRejected);
  CHECK(again[0].reason == "uuid: alert " + alert + " was cancelled (gseq " +
                               std::to_string(cancel[0].gseq) +
                               "); a cancelled alert is not amended: issue a new alert (another "
                               "ref) instead");
  CHECK(again[1].verdict == JournalVerdict::kDuplicate);

  // A cancel amends itself (a second version of the same cancel).
  json amended = JournalAlert("C-1", cancel_uuid, "cancel", {alert});
  amended["version"] = 2;
  amended["body"] = "the reason, corrected";
  CHECK(Append(journal, {{by, amended}})[0].verdict == JournalVerdict::kNew);
}

TEST_CASE(
    "Each cancel journaled is one alert_cancels row per alert it names, and an upgrade "
    "from schema 6 writes them from the journal",
    "[hub][journal][alerts]") {
  // CancelOf decoded every alert of the origin at each update or cancel,
  // inside the group commit: an office with ten thousand alerts paid
  // ten thousand decodes for each. Now one probe of alert_cancels.
  TempDir tmp;
  const std::string first = Uuid7::Generate();
  const std::string second = Uuid7::Generate();
  const std::string cancel_uuid = Uuid7::Generate();
  int64_t cancel_gseq = 0;
  {
    Database db = CreateHubDb(tmp);
    Journal journal(&db);
    RequireOk(journal.Load());
    std::vector<Journal::Candidate> batch;
    for (int i = 0; i < 50; ++i)  // alerts in force, of the same origin
      batch.emplace_back("EU", JournalAlert("OTHER-" + std::to_string(i), Uuid7::Generate()));
    batch.emplace_back("EU", JournalAlert("A-1", first));
    batch.emplace_back("EU", JournalAlert("A-2", second));
    Append(journal, std::move(batch));
    const auto cancel =
        Append(journal, {{"EU", JournalAlert("C-1", cancel_uuid, "cancel", {first, second})}});
    REQUIRE(cancel[0].verdict == JournalVerdict::kNew);
    cancel_gseq = cancel[0].gseq;
    auto rows = db.QueryInt("SELECT count(*) FROM alert_cancels WHERE uuid = '" + cancel_uuid +
                            "' AND gseq = " + std::to_string(cancel_gseq) +
                            " AND origin = 'EU' AND target IN ('" + first + "', '" + second + "')");
    REQUIRE(rows.ok());
    CHECK(**rows == 2);
    auto all = db.QueryInt("SELECT count(*) FROM alert_cancels");
    REQUIRE(all.ok());
    CHECK(**all == 2);  // alerts and updates add none
    // Back to schema 6, as a hub.db written before it.
    RequireOk(
        db.Exec("DROP TABLE alert_cancels; DROP TABLE reach_changes; UPDATE meta SET value = '6' "
                "WHERE key = "
                "'hub_schema'"));
  }
  {
    // Not under a hub that runs (an earlier cen-hub, after the binaries were
    // replaced): it would go on journaling cancels without their rows, and
    // the upgrade, done once, would never index them.
    auto running = cen::common::InstanceLock::Acquire(tmp.path(), cen::common::InstanceLock::kHub);
    REQUIRE(running.ok());
    auto refused = HubSchema::Open(tmp.path());
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(),
               Catch::Contains("schema version 6") && Catch::Contains("restart it"));
  }
  Database db = ReopenHubDb(tmp);  // once no hub runs, a read-write open upgrades it
  auto version = db.QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='hub_schema'");
  REQUIRE(version.ok());
  CHECK(**version == HubSchema::kVersion);
  for (const std::string& alert : {first, second}) {
    const auto ended = Journal::CancelOf(db, alert, "EU");
    REQUIRE(ended.ok());
    CHECK(*ended == cancel_gseq);
  }
  // The cancel amending itself is not refused by its own earlier version.
  CHECK_FALSE(Journal::CancelOf(db, first, "EU", cancel_uuid)->has_value());
  Journal journal(&db);
  RequireOk(journal.Load());
  CHECK(Append(journal, {{"EU", JournalAlert("A-1-U", Uuid7::Generate(), "update", {first})}})[0]
            .verdict == JournalVerdict::kRejected);
}

TEST_CASE("An NCP's cancel waiting for its RILO ends nothing yet", "[hub][journal][alerts]") {
  // Returned by the RILO, it had to be amended; counted as ending the alert,
  // its amendment and every later update were refused.
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  journal.set_validator_of(
      [](std::string_view origin) { return origin == "NCP-C" ? std::string("EU") : ""; });
  RequireOk(journal.Load());
  const std::string alert = Uuid7::Generate();
  REQUIRE(Append(journal, {{"NCP-C", JournalAlert("A-1", alert)}})[0].verdict ==
          JournalVerdict::kNew);
  REQUIRE(
      Append(journal, {{"NCP-C", JournalAlert("A-1-C", Uuid7::Generate(), "cancel", {alert})}})[0]
          .verdict == JournalVerdict::kNew);
  CHECK_FALSE(Journal::CancelOf(db, alert, "NCP-C")->has_value());
  CHECK(Append(journal, {{"NCP-C", JournalAlert("A-1-U", Uuid7::Generate(), "update", {alert})}})[0]
            .verdict == JournalVerdict::kNew);
}

TEST_CASE("A receipt goes to the alert's origin, from a node that may see the alert",
          "[hub][journal][alerts]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  // AS may see only global records and its own (the default visibility).
  RequireOk(journal.Load());
  const std::string global = Uuid7::Generate();
  const std::string private_to_af = Uuid7::Generate();
  json hidden = JournalAlert("A-2", private_to_af);
  hidden["scope"] = "nodes:AF";
  journal.set_visibility(
      [](std::string_view node, std::string_view scope, std::string_view origin) {
        return node == origin || scope == "global" || (scope == "nodes:AF" && node == "AF");
      });
  Append(journal, {{"EU", JournalAlert("A-1", global)}, {"EU", hidden}});

  SECTION("delivered and acted on") {
    const auto out = Append(journal, {{"AS", JournalReceipt(global, "EU")},
                                      {"AF", JournalReceipt(private_to_af, "EU", "seen")}});
    CHECK(out[0].verdict == JournalVerdict::kNew);
    CHECK(out[1].verdict == JournalVerdict::kNew);
  }
  SECTION("no receipt without visibility, and the same answer as for no alert at all") {
    const std::string unknown = Uuid7::Generate();
    const auto out = Append(journal, {{"AS", JournalReceipt(private_to_af, "EU")},
                                      {"AS", JournalReceipt(unknown, "EU")}});
    CHECK(out[0].verdict == JournalVerdict::kRejected);
    CHECK(out[0].reason == "alert: no alert " + private_to_af + " that this node may see");
    CHECK(out[1].reason == "alert: no alert " + unknown + " that this node may see");
  }
  SECTION("scoped to the origin alone") {
    json wide = JournalReceipt(global, "EU");
    wide["scope"] = "global";
    json elsewhere = JournalReceipt(global, "AF");
    const auto out = Append(journal, {{"AS", wide}, {"AS", elsewhere}});
    CHECK(out[0].reason == "scope: a receipt goes to the alert's origin alone: must be nodes:EU");
    CHECK(out[1].verdict == JournalVerdict::kRejected);
  }
  SECTION("a hit names a record the node may see") {
    const std::string seizure = Uuid7::Generate();
    json af_only = JournalSeizure("S-AF", seizure);
    af_only["scope"] = "nodes:AF";
    Append(journal, {{"EU", af_only}});
    json hit = JournalReceipt(global, "EU", "hit");
    hit["ref"] = "hit:" + Uuid7::Generate();
    hit["hit"] = {{"record", seizure}, {"indicator", "containers"}, {"value", "CSQU3054383"}};
    CHECK(Append(journal, {{"AS", hit}})[0].reason ==
          "hit.record: no record " + seizure + " that this node may see");
    hit["uuid"] = Uuid7::Generate();
    CHECK(Append(journal, {{"AF", hit}})[0].verdict == JournalVerdict::kNew);
  }
}

TEST_CASE("Journal compiles its statements once, whatever records it appends", "[hub][journal]") {
  // A statement whose plan hangs on a bound value is compiled again at every
  // binding (about a tenth of the hub's CPU under a bulk flow).
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  Journal journal(&db);
  RequireOk(journal.Load());
  auto batch = [](int first) {
    std::vector<Journal::Candidate> out;
    for (int i = first; i < first + 4; ++i) {
      const std::string origin = i % 2 == 0 ? "n1" : "n2";
      out.push_back({origin, JournalSeizure("R" + std::to_string(i), Uuid7::Generate())});
      json alert = cen::test::WireAlert("A" + std::to_string(i), Uuid7::Generate(), 1,
                                        i % 2 == 0 ? "urgent" : "normal");
      alert["scope"] = "global";
      alert["handling"] = "H0";
      out.push_back({origin, alert});
    }
    return out;
  };
  Append(journal, batch(0));
  const int64_t compiled = db.Reprepares();
  auto out = Append(journal, batch(10));
  for (const auto& o : out) CHECK(o.verdict == JournalVerdict::kNew);
  CHECK(db.Reprepares() == compiled);
}
