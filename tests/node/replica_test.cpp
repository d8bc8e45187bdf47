#include "node/agent/replica.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"
#include "tests/test_support/text_search.h"

using cen::common::Database;
using cen::common::Status;
using cen::common::Uuid7;
using cen::node::Replica;
using cen::test::CountRows;
using cen::test::CreateNodeDb;
using cen::test::IndexText;
using cen::test::Packed;
using cen::test::QueryNumber;
using cen::test::ReopenNodeDb;
using cen::test::RequireOk;
using cen::test::RiloDecision;
using cen::test::TempDir;
using cen::test::TextMatches;
using cen::test::WireSeizure;
using nlohmann::json;

namespace {

// A record as the hub stores and sends it.
json ReplicaStored(const std::string& uuid, int64_t version, int64_t gseq, double quantity = 1) {
  return cen::test::AsStored(WireSeizure("R-" + uuid.substr(0, 8), uuid, version, quantity), gseq,
                             "H2");
}

int64_t Count(Database& db, const std::string& table) { return CountRows(db, table); }

// Seizures at gseqs 1..n, each with a reporting country and a departure:
// two record_countries rows per record.
std::vector<json> TwoCountrySeizures(int n) {
  const char* kCountries[] = {"NL", "ES", "BE", "DE", "FR", "CO", "EC", "BR", "PA", "IT"};
  std::vector<json> records;
  for (int i = 0; i < n; ++i) {
    json r = ReplicaStored(Uuid7::Generate(), 1, i + 1);
    r["reporting_country"] = kCountries[i % 10];
    r["departure"] = kCountries[(i / 10) % 10];
    records.push_back(r);
  }
  return records;
}

Replica Loaded(Database& db) {
  Replica replica(&db);
  RequireOk(replica.Load());
  return replica;
}

// Applies `records` seizures (two country rows each) and cuts the first
// country slice on its second question, rolled back: nothing is written and
// every record stays pending.
void CutAndRollBack(Database& db, Replica& replica, int records) {
  RequireOk(replica.Apply(Packed(TwoCountrySeizures(records)), records));
  int asked = 0;
  auto more = replica.IndexCountries(
      std::chrono::steady_clock::now() + std::chrono::hours(1), [&] { return ++asked >= 2; },
      [] { return true; });
  REQUIRE(more.ok());
  CHECK(*more);
  CHECK(asked == 2);
  CHECK(replica.countries_preempted());
  CHECK(Count(db, "record_countries") == 0);
  CHECK(Count(db, "countries_pending") == records);
}

}  // namespace

TEST_CASE("Replica::Apply is idempotent", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  CHECK(replica.cursor() == 0);
  CHECK(replica.epoch().empty());

  const json a = ReplicaStored(Uuid7::Generate(), 1, 1);
  const json b = ReplicaStored(Uuid7::Generate(), 1, 2);
  RequireOk(replica.Apply(Packed({a}), 1));
  RequireOk(replica.Apply(Packed({a}), 1));        // the same record again (feed and fetch)
  RequireOk(replica.Apply(Packed({a, b, b}), 2));  // overlapping and repeated in one batch
  CHECK(Count(db, "records") == 2);
  CHECK(Count(db, "record_versions") == 2);
  CHECK(replica.cursor() == 2);

  // Another process (the next agent run) applying the same again.
  Replica next_run = Loaded(db);
  CHECK(next_run.cursor() == 2);
  RequireOk(next_run.Apply(Packed({a, b}), 2));
  CHECK(Count(db, "records") == 2);
  auto count = next_run.Count();
  REQUIRE(count.ok());
  CHECK(*count == 2);
}

TEST_CASE("Replica keeps the highest version and every version applied", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();

  RequireOk(replica.Apply(Packed({ReplicaStored(uuid, 1, 1, 10)}), 1));
  RequireOk(replica.Apply(Packed({ReplicaStored(uuid, 2, 2, 20)}), 2));
  CHECK(Count(db, "records") == 1);
  CHECK(Count(db, "record_versions") == 2);

  auto row = db.Prepare(
      "SELECT r.version, r.gseq, r.quantity, v.doc FROM records r "
      "JOIN record_versions v ON v.gseq = r.gseq WHERE r.uuid = ?");
  REQUIRE(row.ok());
  row->Bind(1, uuid);
  REQUIRE(*row->Step());
  CHECK(row->ColumnInt(0) == 2);
  CHECK(row->ColumnInt(1) == 2);
  CHECK(row->ColumnDouble(2) == 20);
  CHECK(json::parse(row->ColumnText(3))["version"] == 2);
  row->Reset();

  SECTION("an older version arriving later does not replace the newer one") {
    // A hub restored from backup may journal a re-offered version 1 after 2.
    const std::string other = Uuid7::Generate();
    RequireOk(
        replica.Apply(Packed({ReplicaStored(other, 2, 3, 7), ReplicaStored(other, 1, 4, 3)}), 4));
    row->Bind(1, other);
    REQUIRE(*row->Step());
    CHECK(row->ColumnInt(0) == 2);
    CHECK(row->ColumnDouble(2) == 7);
    row->Reset();
    CHECK(Count(db, "record_versions") == 4);
  }
  SECTION("a version already applied under another gseq is not applied twice") {
    RequireOk(replica.Apply(Packed({ReplicaStored(uuid, 1, 3, 99)}), 3));
    CHECK(Count(db, "record_versions") == 2);
    row->Bind(1, uuid);
    REQUIRE(*row->Step());
    CHECK(row->ColumnInt(0) == 2);
    CHECK(row->ColumnDouble(2) == 20);
    row->Reset();
    CHECK(replica.cursor() == 3);
  }
}

TEST_CASE("Replica fills the analyst columns", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();
  json alert = {{"kind", "alert"},
                {"ref", "RILO-1"},
                {"issued_at", "2026-11-27T10:00:00Z"},
                {"uuid", Uuid7::Generate()},
                {"version", 1},
                {"origin", "n3"},
                {"gseq", 2},
                {"received_at", "2026-11-28T03:00:00.000Z"},
                {"scope", "region:EU"},
                {"handling", "H1"}};
  RequireOk(replica.Apply(Packed({ReplicaStored(uuid, 1, 1, 412.5), alert}), 2));

  auto s = db.Prepare(
      "SELECT kind, origin, ref, scope, handling, event_date, commodity, reporting_country, "
      "quantity, unit FROM records ORDER BY gseq");
  REQUIRE(s.ok());
  REQUIRE(*s->Step());
  CHECK(s->ColumnText(0) == "seizure");
  CHECK(s->ColumnText(1) == "n1");
  CHECK(s->ColumnText(3) == "global");
  CHECK(s->ColumnText(4) == "H2");
  CHECK(s->ColumnText(5) == "2026-03-14");
  CHECK(s->ColumnText(6) == "drugs");
  CHECK(s->ColumnText(7) == "FR");
  CHECK(s->ColumnDouble(8) == 412.5);
  CHECK(s->ColumnText(9) == "KGM");
  REQUIRE(*s->Step());
  CHECK(s->ColumnText(0) == "alert");
  CHECK(s->ColumnText(1) == "n3");
  CHECK(s->ColumnText(2) == "RILO-1");
  CHECK(s->ColumnText(3) == "region:EU");
  CHECK(s->ColumnText(5) == "2026-11-27");  // the date part of issued_at
  CHECK(s->ColumnIsNull(6));
  CHECK(s->ColumnIsNull(8));
}

TEST_CASE("An alert without issued_at is dated by the day the hub received it", "[node][replica]") {
  // A trial: alerts sent without issued_at (cen-node submit adds none) had
  // no date, and every date filter (--from 2000) left them all out.
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  json alert = {{"kind", "alert"},
                {"ref", "RILO-2"},
                {"uuid", Uuid7::Generate()},
                {"version", 1},
                {"origin", "n3"},
                {"gseq", 1},
                {"received_at", "2026-11-28T03:00:00.000Z"}};
  RequireOk(replica.Apply(Packed({alert}), 1));
  CHECK(QueryNumber(db, "SELECT count(*) FROM records WHERE event_date = '2026-11-28'") == 1);
  // Amended days later, it keeps its first version's day (a review: it
  // moved to the amendment's, out of --to 2026-11-30).
  json amended = alert;
  amended["version"] = 2;
  amended["gseq"] = 2;
  amended["received_at"] = "2026-12-03T09:00:00.000Z";
  RequireOk(replica.Apply(Packed({amended}), 2));
  CHECK(QueryNumber(db,
                    "SELECT count(*) FROM records WHERE event_date = '2026-11-28' AND "
                    "version = 2") == 1);
}

TEST_CASE("Replica cursor moves to new_cursor even without records", "[node][replica]") {
  TempDir tmp;
  {
    Database db = CreateNodeDb(tmp, "n2");
    Replica replica = Loaded(db);
    RequireOk(replica.Apply(Packed({}), 5));  // gseq 1..5 were SKIPs: nothing this node may see
    CHECK(replica.cursor() == 5);
    RequireOk(replica.Apply(Packed({ReplicaStored(Uuid7::Generate(), 1, 7)}), 9));
    CHECK(replica.cursor() == 9);
    RequireOk(replica.Apply(Packed({}), 3));  // never backwards
    CHECK(replica.cursor() == 9);
    RequireOk(replica.Apply(Packed({ReplicaStored(Uuid7::Generate(), 1, 12)}),
                            10));  // the record's gseq wins
    CHECK(replica.cursor() == 12);
  }
  Database db = ReopenNodeDb(tmp);
  Replica reloaded = Loaded(db);
  CHECK(reloaded.cursor() == 12);
  CHECK(Count(db, "records") == 2);
}

TEST_CASE("Replica::Reset forgets every record and starts over", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  RequireOk(replica.SetEpoch("epoch-one"));
  const std::string withdrawn = Uuid7::Generate();
  RequireOk(replica.Apply(
      Packed({ReplicaStored(Uuid7::Generate(), 1, 1), ReplicaStored(Uuid7::Generate(), 1, 2),
              ReplicaStored(withdrawn, 1, 3)}),
      3));
  RequireOk(replica.Apply(
      Packed({json{{"kind", "withdrawal"}, {"uuid", withdrawn}, {"version", 1}, {"gseq", 4}}}), 4));
  CHECK(Count(db, "records") == 2);

  RequireOk(replica.Reset("epoch-two"));
  CHECK(replica.cursor() == 0);
  CHECK(replica.epoch() == "epoch-two");
  CHECK(Count(db, "records") == 0);
  CHECK(Count(db, "record_versions") == 0);
  // What this office held and lost stays known (a trial's analyst read "no
  // record" for it after a hub restore rebuilt the replica).
  CHECK(Count(db, "withdrawals") == 1);

  Replica reloaded = Loaded(db);
  CHECK(reloaded.cursor() == 0);
  CHECK(reloaded.epoch() == "epoch-two");

  // The new hub's gseq 1 is applied, not mistaken for the old one.
  const json fresh = ReplicaStored(Uuid7::Generate(), 1, 1);
  RequireOk(reloaded.Apply(Packed({fresh}), 1));
  CHECK(Count(db, "records") == 1);
}

// The hub refuses non-UTF-8 text when it decodes a frame; should such a record
// reach a replica anyway, applying it must neither throw nor stall the cursor
// (DESIGN.md guarantee 5): the bad bytes are stored as U+FFFD.
TEST_CASE("Replica::Apply survives a relayed record whose text is not UTF-8", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  json odd = ReplicaStored(Uuid7::Generate(), 1, 1);
  odd["x-note"] = std::string("\xff\xfe") + " not UTF-8";
  const json next = ReplicaStored(Uuid7::Generate(), 1, 2);

  Status s;
  CHECK_NOTHROW(s = replica.Apply(Packed({odd, next}), 2));
  CHECK(s.ok());
  CHECK(replica.cursor() == 2);
  CHECK(Count(db, "records") == 2);
}

TEST_CASE("Replica::SetEpoch is remembered", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  RequireOk(replica.SetEpoch("0123456789abcdef"));
  CHECK(Loaded(db).epoch() == "0123456789abcdef");
}

TEST_CASE("Replica::ApplyEarly shows a record before the cursor reaches it", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string bulk = Uuid7::Generate();
  const std::string urgent = Uuid7::Generate();

  auto applied = replica.ApplyEarly(Packed({ReplicaStored(urgent, 1, 5)}));
  REQUIRE(applied.ok());
  CHECK(*applied == 1);
  CHECK(replica.cursor() == 0);  // the cursor still means "everything up to here"
  CHECK(Count(db, "records") == 1);
  // Searchable at once, though text.db reaches only up to the cursor.
  CHECK(IndexText(tmp) == 0);
  auto early = db.QueryInt("SELECT count(*) FROM records WHERE gseq = 5");
  REQUIRE(early.ok());
  CHECK(early->value_or(0) == 1);
  CHECK(TextMatches(db, "x") == 1);

  // The in-order stream reaches gseq 5: the urgent record is not applied twice.
  RequireOk(replica.Apply(Packed({ReplicaStored(bulk, 1, 4), ReplicaStored(urgent, 1, 5)}), 6));
  CHECK(replica.cursor() == 6);
  CHECK(Count(db, "records") == 2);
  CHECK(Count(db, "record_versions") == 2);
  CHECK(TextMatches(db, "x") == 2);
  CHECK(IndexText(tmp) == 6);
  CHECK(TextMatches(db, "x") == 2);  // now from text.db alone

  // Behind the cursor there is nothing to apply early.
  applied = replica.ApplyEarly(Packed({ReplicaStored(Uuid7::Generate(), 1, 3)}));
  REQUIRE(applied.ok());
  CHECK(*applied == 0);
  CHECK(Count(db, "records") == 2);
}

TEST_CASE("An amendment applied early is never undone by the older version", "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();

  RequireOk(replica.ApplyEarly(Packed({ReplicaStored(uuid, 2, 9, 20)})).status());
  // Version 1 (gseq 3) arrives late, in order.
  RequireOk(replica.Apply(Packed({ReplicaStored(uuid, 1, 3, 10)}), 3));
  auto q = db.QueryInt("SELECT version FROM records WHERE uuid='" + uuid + "'");
  REQUIRE(q.ok());
  CHECK(q->value_or(0) == 2);
  auto quantity = db.QueryInt("SELECT CAST(quantity AS INTEGER) FROM records");
  REQUIRE(quantity.ok());
  CHECK(quantity->value_or(0) == 20);
  CHECK(Count(db, "record_versions") == 2);  // both versions kept in the history
  RequireOk(replica.Apply(Packed({ReplicaStored(uuid, 2, 9, 20)}), 9));
  CHECK(Count(db, "record_versions") == 2);
  CHECK(replica.cursor() == 9);
}

TEST_CASE("A new version replaces the old one's words and countries in the search indexes",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();
  json v1 = ReplicaStored(uuid, 1, 1);
  v1["description"] = "cocaine in a reefer container";
  v1["departure"] = "CO";
  v1["transit"] = json::array({"PA", "PA"});  // a route may pass a country twice
  RequireOk(replica.Apply(Packed({v1}), 1));
  auto matches = [&](const std::string& words) { return TextMatches(db, words); };
  auto countries = [&] {
    auto stmt = db.Prepare(
        "SELECT group_concat(role || ':' || country, ' ') FROM "
        "(SELECT * FROM record_countries ORDER BY role, country)");
    REQUIRE(stmt.ok());
    auto row = stmt->Step();
    REQUIRE(row.ok());
    return stmt->ColumnText(0);
  };
  CHECK(matches("reefer") == 1);
  CHECK(IndexText(tmp) == 1);  // v1's words are in text.db now
  CHECK(matches("reefer") == 1);
  auto index = [&] {
    auto more = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
    REQUIRE(more.ok());
    CHECK_FALSE(*more);
  };
  CHECK(Count(db, "countries_pending") == 1);
  index();
  CHECK(Count(db, "countries_pending") == 0);
  CHECK(Count(db, "record_countries") == 3);  // reporting FR, departure CO, transit PA

  json v2 = ReplicaStored(uuid, 2, 2);
  v2["description"] = "heroin in machinery";
  v2["departure"] = "EC";
  RequireOk(replica.Apply(Packed({v2}), 2));
  index();
  // v1's words stay in text.db under gseq 1, which no record has any more.
  CHECK(matches("reefer") == 0);
  CHECK(matches("heroin") == 1);
  CHECK(IndexText(tmp) == 2);
  CHECK(matches("reefer") == 0);
  CHECK(matches("heroin") == 1);
  CHECK(countries() == "departure:EC reporting:FR");
  CHECK(Count(db, "record_versions") == 2);
}

TEST_CASE("An urgent alert waiting ends a country slice early, the batch goes on after it",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  RequireOk(replica.Apply(Packed(TwoCountrySeizures(500)), 500));
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  // No deadline in sight: only the interrupt ends this slice.
  int asked = 0;
  auto more = replica.IndexCountries(later, [&] { return ++asked >= 2; });
  REQUIRE(more.ok());
  CHECK(*more);
  CHECK(asked == 2);
  const int64_t written = Count(db, "record_countries");
  CHECK(written > 0);
  CHECK(written < 1000);  // 1000 rows in all: two per record
  more = replica.IndexCountries(later);
  REQUIRE(more.ok());
  CHECK_FALSE(*more);
  CHECK(Count(db, "record_countries") == 1000);
  CHECK(Count(db, "countries_pending") == 0);
}

TEST_CASE("A country batch is read a chunk at a time: an urgent alert waits for one chunk",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  // 2,500 records: three chunks of reading (1,024 records each) before any row is written.
  RequireOk(replica.Apply(Packed(TwoCountrySeizures(2500)), 2500));
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  int calls = 0;
  int asked = 0;
  bool more = true;
  while (more && Count(db, "record_countries") == 0) {
    ++calls;
    auto step = replica.IndexCountries(later, [&] { return ++asked > 0; });
    REQUIRE(step.ok());
    more = *step;
    CHECK(Count(db, "countries_pending") == 2500);
  }
  // Each of the first three calls read one chunk and heard the interrupt
  // (the third read the rest, then asked before writing); the fourth wrote
  // the first rows (a slice does 64 rows before it asks).
  CHECK(calls == 4);
  CHECK(asked == 4);
  CHECK(more);
  for (int i = 0; i < 1000 && more; ++i) {
    auto step = replica.IndexCountries(later);
    REQUIRE(step.ok());
    more = *step;
  }
  CHECK_FALSE(more);
  CHECK(Count(db, "record_countries") == 5000);
  CHECK(Count(db, "record_dates") == 2500);
  CHECK(Count(db, "countries_pending") == 0);
}

TEST_CASE("A country batch holds at most its size in records in gseq order, the rest waits",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  replica.set_country_batch_records(1000);
  // 2,345 records in every role, with commodities and dates that vary: two
  // whole batches of 1,000 and one of 345, each written in groups of rows
  // (and a last partial group) before the next is read.
  const char* kCommodities[] = {"drugs", "tobacco", "wildlife", "weapons", "currency"};
  std::vector<json> records = TwoCountrySeizures(2345);
  int64_t rows = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    json& r = records[i];
    r["commodity"] = kCommodities[i % 5];
    r["seizure_date"] = "20" + std::to_string(10 + i % 13) + "-0" + std::to_string(1 + i % 9) +
                        "-1" + std::to_string(i % 10);
    r["destination"] = i % 3 == 0 ? "JP" : "US";
    if (i % 2 == 0) r["transit"] = {"PA", i % 4 == 0 ? "MX" : "GT"};
    rows += 3 + (i % 2 == 0 ? 2 : 0);
  }
  RequireOk(replica.Apply(Packed(records), 2345));
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  auto batch = [&] {
    auto more = replica.IndexCountries(later);
    REQUIRE(more.ok());
    return *more;
  };
  CHECK(batch());
  CHECK(Count(db, "record_dates") == 1000);
  CHECK(QueryNumber(db, "SELECT max(record_id) FROM record_countries") == 1000);
  CHECK(QueryNumber(db, "SELECT min(gseq) FROM countries_pending") == 1001);
  CHECK(replica.countries_pending_hint() == 1345);
  CHECK(batch());
  CHECK(QueryNumber(db, "SELECT max(record_id) FROM record_dates") == 2000);
  CHECK_FALSE(batch());
  CHECK(Count(db, "record_countries") == rows);
  CHECK(Count(db, "record_dates") == 2345);
  CHECK(Count(db, "countries_pending") == 0);
  // Every row is the one its record's columns make.
  CHECK(QueryNumber(
            db,
            "SELECT count(*) FROM records r JOIN record_countries c ON c.record_id = r.gseq "
            "AND ((c.role = 'reporting' AND c.country = r.reporting_country) OR "
            "(c.role = 'departure' AND c.country = r.departure) OR "
            "(c.role = 'destination' AND c.country = r.destination) OR "
            "(c.role = 'transit' AND instr(';' || r.transit || ';', ';' || c.country || ';') > 0)) "
            "AND c.commodity = r.commodity AND c.event_date = r.event_date") == rows);
  CHECK(QueryNumber(db,
                    "SELECT count(*) FROM records r JOIN record_dates d ON d.record_id = r.gseq "
                    "AND d.commodity = r.commodity AND d.event_date = r.event_date") == 2345);
  CHECK(QueryNumber(db, "SELECT count(DISTINCT event_date) FROM record_dates") > 100);
}

TEST_CASE("A country batch whose size is lowered part-way ends at the records it has read",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  replica.set_country_batch_records(2000);
  RequireOk(replica.Apply(Packed(TwoCountrySeizures(2500)), 2500));
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  // One chunk (1,024 records) read, then an urgent alert: nothing written.
  auto more = replica.IndexCountries(later, [] { return true; });
  REQUIRE(more.ok());
  CHECK(*more);
  CHECK(Count(db, "record_dates") == 0);
  // Lowered below what was read: the batch reads no more and writes those.
  replica.set_country_batch_records(500);
  more = replica.IndexCountries(later);
  REQUIRE(more.ok());
  CHECK(*more);
  CHECK(Count(db, "record_dates") == 1024);
  CHECK(Count(db, "countries_pending") == 1476);
}

TEST_CASE("A country slice rolled back after its rows and dates resumes where it began",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  // 30 records: 60 rows and 30 dates are written before the slice asks
  // (every 64 rows); it asks first before deleting the countries_pending rows.
  CutAndRollBack(db, replica, 30);
  CHECK(Count(db, "record_dates") == 0);
  auto more = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
  REQUIRE(more.ok());
  CHECK_FALSE(*more);
  CHECK(Count(db, "record_countries") == 60);
  CHECK(Count(db, "record_dates") == 30);
  CHECK(Count(db, "countries_pending") == 0);
}

TEST_CASE("A record replaced in the transaction that applied it leaves nothing pending",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  // countries_pending rows are written 32 at a time: the first version's
  // row is either still in memory when its replacement comes (`between`
  // 0) or written already (`between` 40).
  const int between = GENERATE(0, 40);
  std::vector<json> records = TwoCountrySeizures(1);
  for (json r : TwoCountrySeizures(between)) {
    r["uuid"] = Uuid7::Generate();
    r["gseq"] = 2 + static_cast<int64_t>(records.size()) - 1;
    records.push_back(r);
  }
  json v2 = records[0];
  v2["version"] = 2;
  v2["gseq"] = between + 2;
  v2["departure"] = "JP";
  records.push_back(v2);
  RequireOk(replica.Apply(Packed(records), between + 2));
  CHECK(Count(db, "countries_pending") == between + 1);
  auto more = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
  REQUIRE(more.ok());
  CHECK_FALSE(*more);
  CHECK(Count(db, "countries_pending") == 0);
  CHECK(Count(db, "record_countries") == 2 * (between + 1));
  CHECK(QueryNumber(db, "SELECT count(*) FROM record_countries WHERE record_id = 1") == 0);
}

TEST_CASE("Records replaced or applied between two chunks of a country batch are indexed once",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::vector<json> records = TwoCountrySeizures(1500);
  RequireOk(replica.Apply(Packed(records), 1500));
  // Gseqs from `first` on, each a record of its own.
  auto fresh = [](int n, int64_t first) {
    std::vector<json> out;
    for (json r : TwoCountrySeizures(n)) {
      r["uuid"] = Uuid7::Generate();
      r["gseq"] = first + static_cast<int64_t>(out.size());
      out.push_back(r);
    }
    return out;
  };
  // An urgent record far ahead of the cursor, applied early.
  RequireOk(replica.ApplyEarly(Packed(fresh(1, 3000))).status());
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  auto step = [&](const std::function<bool()>& interrupt) {
    auto more = replica.IndexCountries(later, interrupt);
    REQUIRE(more.ok());
    return *more;
  };
  auto urgent = [] { return true; };
  CHECK(step(urgent));  // gseqs 1-1024 read, nothing written
  CHECK(Count(db, "record_countries") == 0);
  // Between two chunks: gseq 10, already read, is replaced (its new version
  // at 1501), and more records come in.
  json v2 = records[9];
  v2["version"] = 2;
  v2["gseq"] = 1501;
  v2["departure"] = "JP";
  std::vector<json> next = {v2};
  for (const json& r : fresh(499, 1502)) next.push_back(r);
  RequireOk(replica.Apply(Packed(next), 2000));
  CHECK(step(urgent));  // 1025-2000 and 3000 read: the whole batch
  // Applied now, below the last gseq read (3000): left for the next batch.
  RequireOk(replica.Apply(Packed(fresh(200, 2001)), 2200));
  bool more = true;
  for (int i = 0; i < 1000 && more; ++i) more = step({});
  CHECK_FALSE(more);
  CHECK(Count(db, "countries_pending") == 0);
  // Two rows per record held (reporting and departure), none for what was replaced.
  CHECK(QueryNumber(db, "SELECT count(*) FROM records") == 2200);
  CHECK(Count(db, "record_countries") == 4400);
  CHECK(Count(db, "record_dates") == 2200);
  CHECK(
      QueryNumber(db,
                  "SELECT count(*) FROM record_countries WHERE record_id NOT IN (SELECT gseq FROM "
                  "records)") == 0);
  CHECK(QueryNumber(db, "SELECT count(*) FROM record_countries WHERE record_id = 10") == 0);
  CHECK(QueryNumber(
            db,
            "SELECT count(*) FROM record_countries WHERE record_id = 1501 AND role = 'departure' "
            "AND country = 'JP'") == 1);
}

TEST_CASE("An urgent alert rolls a country slice back, and the batch resumes where it began",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  // A slice cut on its second question, rolled back: nothing written.
  CutAndRollBack(db, replica, 500);
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  // The same cut without a rollback keeps what it wrote.
  int asked = 0;
  auto more = replica.IndexCountries(
      later, [&] { return ++asked >= 2; }, [] { return false; });
  REQUIRE(more.ok());
  CHECK_FALSE(replica.countries_preempted());
  const int64_t written = Count(db, "record_countries");
  CHECK(written > 0);
  CHECK(written < 1000);
  // The rest, with no row skipped or written twice.
  more = replica.IndexCountries(later);
  REQUIRE(more.ok());
  CHECK_FALSE(*more);
  CHECK(Count(db, "record_countries") == 1000);
  CHECK(Count(db, "record_dates") == 500);
  CHECK(Count(db, "countries_pending") == 0);
}

TEST_CASE("A country batch cut into slices writes no rows for records replaced or reset meanwhile",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::vector<json> records = TwoCountrySeizures(200);
  RequireOk(replica.Apply(Packed(records), 200));
  CHECK(Count(db, "countries_pending") == 200);
  // A deadline already past: one slice of a few rows, the batch under way.
  auto more = replica.IndexCountries(std::chrono::steady_clock::now());
  REQUIRE(more.ok());
  REQUIRE(*more);
  const int64_t written = Count(db, "record_countries");
  CHECK(written > 0);
  CHECK(written < 400);
  auto finish = [&] {
    for (int i = 0; i < 1000; ++i) {
      auto again = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
      REQUIRE(again.ok());
      if (!*again) return;
    }
    FAIL("IndexCountries never finished");
  };
  auto orphans = [&] {
    auto n = db.QueryInt(
        "SELECT count(*) FROM record_countries WHERE record_id NOT IN (SELECT gseq FROM records)");
    REQUIRE(n.ok());
    return n->value_or(-1);
  };

  SECTION("a replacement rolled back for an urgent alert leaves the old version indexed") {
    // The amendment of the batch's last record, then eight more: the slice
    // is cut on its first question (after 8 records) and rolled back.
    json v2 = records[199];
    v2["version"] = 2;
    v2["gseq"] = 201;
    v2["departure"] = "JP";
    std::vector<json> slice = {v2};
    for (const json& r : TwoCountrySeizures(8)) {
      json fresh = r;
      fresh["uuid"] = Uuid7::Generate();
      fresh["gseq"] = 201 + static_cast<int64_t>(slice.size());
      slice.push_back(fresh);
    }
    auto used = replica.ApplyUntil(
        Packed(slice), 209, std::chrono::steady_clock::now() + std::chrono::hours(1),
        [] { return true; }, [] { return true; });
    REQUIRE(used.ok());
    CHECK(*used == 0);
    CHECK(replica.cursor() == 200);
    // The old version was never replaced: the batch under way writes its
    // rows too, and nothing is left for another batch.
    auto rest = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
    REQUIRE(rest.ok());
    CHECK_FALSE(*rest);
    CHECK(orphans() == 0);
    CHECK(Count(db, "countries_pending") == 0);
    CHECK(Count(db, "record_countries") == 400);
  }

  SECTION("a record replaced mid-batch keeps only its new version's rows") {
    for (int i = 0; i < 200; i += 7) {
      json v2 = records[static_cast<size_t>(i)];
      v2["version"] = 2;
      v2["gseq"] = 201 + i;
      v2["departure"] = "JP";
      RequireOk(replica.Apply(Packed({v2}), 201 + i));
    }
    finish();
    CHECK(orphans() == 0);
    CHECK(Count(db, "countries_pending") == 0);
    CHECK(Count(db, "record_countries") == 400);  // reporting + departure of each record
    auto jp = db.QueryInt("SELECT count(*) FROM record_countries WHERE country = 'JP'");
    REQUIRE(jp.ok());
    CHECK(**jp == 29);  // the 29 records replaced, i = 0, 7, ..., 196
    // One record_dates row per record, under its latest version's gseq.
    CHECK(Count(db, "record_dates") == 200);
    auto stale = db.QueryInt(
        "SELECT count(*) FROM record_dates WHERE record_id NOT IN (SELECT gseq FROM records)");
    REQUIRE(stale.ok());
    CHECK(**stale == 0);
  }
  SECTION("a replacement rolled back mid-batch leaves the old version's rows to be written") {
    replica.set_observer(
        [](const cen::common::MsgpackMap&, bool) { return cen::common::Internal("disk on fire"); });
    json v2 = records[100];
    v2["version"] = 2;
    v2["gseq"] = 201;
    v2["departure"] = "JP";
    CHECK_FALSE(replica.Apply(Packed({v2}), 201).ok());
    replica.set_observer({});
    finish();
    CHECK(orphans() == 0);
    CHECK(Count(db, "countries_pending") == 0);
    CHECK(Count(db, "record_countries") == 400);  // record 100 included, under version 1
    CHECK(Count(db, "record_dates") == 200);
    auto jp = db.QueryInt("SELECT count(*) FROM record_countries WHERE country = 'JP'");
    REQUIRE(jp.ok());
    CHECK(**jp == 0);
  }
  SECTION("a reset mid-batch forgets the batch") {
    RequireOk(replica.Reset("E2"));
    RequireOk(replica.Apply(Packed({ReplicaStored(Uuid7::Generate(), 1, 1)}), 1));
    finish();
    CHECK(orphans() == 0);
    CHECK(Count(db, "record_countries") == 1);  // the new record's reporting country
    CHECK(Count(db, "record_dates") == 1);
  }
}

TEST_CASE("Replica::ApplyUntil stops at its deadline and moves the cursor that far",
          "[node][replica]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  std::vector<json> records;
  for (int64_t g = 1; g <= 10; ++g) records.push_back(ReplicaStored(Uuid7::Generate(), 1, g * 2));

  // A deadline already past: one record, and the cursor at its gseq.
  auto used = replica.ApplyUntil(Packed(records), 25, std::chrono::steady_clock::now());
  REQUIRE(used.ok());
  CHECK(*used == 1);
  CHECK(replica.cursor() == 2);
  CHECK(Count(db, "records") == 1);

  // Reopened (the cursor is durable), the rest goes through, up to new_cursor.
  Replica again = Loaded(db);
  CHECK(again.cursor() == 2);
  used = again.ApplyUntil(Packed(records), 25, std::chrono::steady_clock::time_point::max());
  REQUIRE(used.ok());
  CHECK(*used == records.size());
  CHECK(again.cursor() == 25);
  CHECK(Count(db, "records") == 10);
}

namespace {

// An NCP's record as the hub sends it while it waits for its RILO.
json PendingSeizure(const std::string& uuid, int64_t version, int64_t gseq, double quantity) {
  json r = ReplicaStored(uuid, version, gseq, quantity);
  r["origin"] = "NCP-FR";
  r["validation"] = "pending";
  r["rilo"] = "RILO-WE";
  return r;
}

std::string Validation(Database& db, const std::string& uuid) {
  auto stmt = db.Prepare("SELECT IFNULL(validation, 'validated') FROM records WHERE uuid = ?");
  REQUIRE(stmt.ok());
  stmt->Bind(1, uuid);
  auto row = stmt->Step();
  REQUIRE(row.ok());
  return *row ? stmt->ColumnText(0) : "absent";
}

}  // namespace

TEST_CASE("Replica keeps an NCP's record pending, returned, then accepted in its place",
          "[node][replica][validation]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "RILO-WE");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();
  const json v1 = PendingSeizure(uuid, 1, 1, 3000);
  RequireOk(replica.Apply(Packed({v1}), 1));
  CHECK(Validation(db, uuid) == "pending");

  const json returned = RiloDecision(v1, "return", 2);
  RequireOk(replica.Apply(Packed({returned, returned}), 2));  // applied once
  CHECK(Validation(db, uuid) == "returned");
  CHECK(Count(db, "decisions") == 1);

  const json v2 = PendingSeizure(uuid, 2, 3, 3);
  RequireOk(replica.Apply(Packed({v2}), 3));
  CHECK(Validation(db, uuid) == "pending");

  CHECK(IndexText(tmp) == 3);  // the pending copy's words are in text.db, under gseq 3
  const json accepted = RiloDecision(v2, "accept", 4);
  RequireOk(replica.Apply(Packed({accepted}), 4));
  CHECK(Validation(db, uuid) == "validated");
  CHECK(Count(db, "records") == 1);
  auto gseq = db.QueryInt("SELECT gseq FROM records WHERE uuid = '" + uuid + "'");
  REQUIRE(gseq.ok());
  CHECK(gseq->value_or(0) == 4);  // held under the acceptance's gseq
  auto doc = db.QueryInt(
      "SELECT count(*) FROM documents WHERE json_extract(doc, "
      "'$.validated_by') = 'RILO-WE' AND gseq = 4");
  REQUIRE(doc.ok());
  CHECK(doc->value_or(0) == 1);
  // The pending copy of version 2 is not kept beside the accepted one.
  auto history = db.QueryInt("SELECT count(*) FROM version_history WHERE uuid = '" + uuid +
                             "' AND version = 2");
  REQUIRE(history.ok());
  CHECK(history->value_or(0) == 0);
  // Searched, its words are found once: under the new gseq.
  const std::string words = v2["description"].get<std::string>().substr(0, 7);
  CHECK(TextMatches(db, words) == 1);
  IndexText(tmp);
  CHECK(TextMatches(db, words) == 1);
  auto rowids = db.Prepare("SELECT rowid FROM text_index.records_fts WHERE records_fts MATCH ?");
  REQUIRE(rowids.ok());
  rowids->Bind(1, words);
  std::vector<int64_t> indexed;
  while (*rowids->Step()) indexed.push_back(rowids->ColumnInt(0));
  // Under the old gseq too, which no record has any more: found once.
  CHECK(indexed == std::vector<int64_t>{3, 4});

  // Applied again (a fetch overlapping the feed): nothing changes.
  RequireOk(replica.Apply(Packed({accepted}), 4));
  CHECK(Count(db, "records") == 1);
  CHECK(Validation(db, uuid) == "validated");
}

TEST_CASE("Replica applies an acceptance it never saw pending, and never an older one over a newer",
          "[node][replica][validation]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "RILO-AP");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();
  // The office in the record's scope sees only the acceptances.
  const json v1 = PendingSeizure(uuid, 1, 1, 5);
  const json v2 = PendingSeizure(uuid, 2, 3, 6);
  RequireOk(replica.Apply(Packed({RiloDecision(v1, "accept", 2)}), 2));
  CHECK(Validation(db, uuid) == "validated");
  RequireOk(replica.Apply(Packed({RiloDecision(v2, "accept", 4)}), 4));
  auto version = db.QueryInt("SELECT version FROM records WHERE uuid = '" + uuid + "'");
  REQUIRE(version.ok());
  CHECK(version->value_or(0) == 2);
  // An acceptance of version 1 arriving late (the priority lane) changes nothing.
  Replica early(&db);
  RequireOk(early.Load());
  auto applied = early.ApplyEarly(Packed({RiloDecision(v1, "accept", 5)}));
  REQUIRE(applied.ok());
  version = db.QueryInt("SELECT version FROM records WHERE uuid = '" + uuid + "'");
  CHECK(version->value_or(0) == 2);
}

TEST_CASE("Nothing reacts to a pending record, a return applied first still marks it",
          "[node][replica][validation]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "RILO-WE");
  Replica replica = Loaded(db);
  std::vector<std::string> observed;
  replica.set_observer([&](const cen::common::MsgpackMap& rec, bool) {
    observed.emplace_back(rec.TextOr("uuid", ""));
    return Status::Ok();
  });
  const std::string uuid = Uuid7::Generate();
  const json v1 = PendingSeizure(uuid, 1, 2, 3);
  // The return overtook the record (the priority lane): applied first.
  auto early = replica.ApplyEarly(Packed({RiloDecision(v1, "return", 3)}));
  REQUIRE(early.ok());
  RequireOk(replica.Apply(Packed({v1}), 2));
  CHECK(Validation(db, uuid) == "returned");
  RequireOk(replica.Apply(Packed({RiloDecision(v1, "return", 3)}), 3));
  CHECK(Validation(db, uuid) == "returned");
  CHECK(observed.empty());  // no hook, receipt or hit for what is not accepted

  const json v2 = PendingSeizure(uuid, 2, 4, 3);
  RequireOk(replica.Apply(Packed({v2, RiloDecision(v2, "accept", 5)}), 5));
  CHECK(Validation(db, uuid) == "validated");
  CHECK(observed == std::vector<std::string>{uuid});  // the acceptance, once
}

TEST_CASE("An acceptance overtaken by a newer amendment is kept once in the history",
          "[node][replica][validation]") {
  // A review: v3 (an urgent lane) applied early moved the pending v2 to the
  // history; v2 accepted then came in order: version 2 was listed twice, and
  // retiring it later kept the pending copy instead of the accepted one.
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "RILO-WE");
  Replica replica = Loaded(db);
  const std::string uuid = Uuid7::Generate();
  const json v2 = PendingSeizure(uuid, 2, 1, 3);
  RequireOk(replica.Apply(Packed({v2}), 1));
  auto early = replica.ApplyEarly(Packed({PendingSeizure(uuid, 3, 5, 4)}));
  REQUIRE(early.ok());
  RequireOk(replica.Apply(Packed({RiloDecision(v2, "accept", 2)}), 2));
  CHECK(QueryNumber(db, "SELECT count(*) FROM record_versions WHERE uuid = '" + uuid +
                            "' AND version = 2") == 1);
  CHECK(QueryNumber(db, "SELECT version FROM records WHERE validation IS NULL") == 2);
  CHECK(Validation(db, uuid) != "absent");
}

TEST_CASE("Replica compiles its statements once, whatever records it applies", "[node][replica]") {
  // A statement whose plan hangs on a bound value is compiled again at every
  // binding: the apply is the agent's hot path.
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  std::vector<json> first;
  auto batch = [&](int64_t from) {
    std::vector<json> out;
    for (int64_t gseq = from; gseq < from + 6; ++gseq) {
      json r = ReplicaStored(Uuid7::Generate(), 1, gseq);
      r["reporting_country"] = gseq % 2 == 0 ? "NL" : "EC";
      r["departure"] = gseq % 3 == 0 ? "CO" : "BR";
      if (gseq % 3 == 1) {
        r = cen::test::AsStored(cen::test::WireAlert("A-" + std::to_string(gseq), Uuid7::Generate(),
                                                     1, gseq % 2 == 0 ? "urgent" : "normal"),
                                gseq);
      }
      out.push_back(r);
    }
    return out;
  };
  auto index_countries = [&] {
    auto more = replica.IndexCountries(
        std::chrono::steady_clock::now() + std::chrono::hours(1), [] { return false; },
        [] { return true; });
    REQUIRE(more.ok());
  };
  first = batch(1);
  RequireOk(replica.Apply(Packed(first), 6));
  index_countries();
  const int64_t compiled = db.Reprepares();

  std::vector<json> second = batch(7);
  json amended = first[0];  // a new version of a record applied before
  amended["version"] = 2;
  amended["gseq"] = 13;
  second.push_back(amended);
  RequireOk(replica.ApplyEarly(Packed({batch(14)[1]})).status());
  RequireOk(replica.Apply(Packed(second), 13));
  index_countries();
  CHECK(Count(db, "records") == 13);
  CHECK(db.Reprepares() == compiled);
}

TEST_CASE("A withdrawal takes every older version of a record out of the replica",
          "[node][replica][scope]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  std::vector<std::string> withdrawn;
  replica.set_withdrawal_observer([&](std::string_view uuid) {
    withdrawn.emplace_back(uuid);
    return Status::Ok();
  });
  const std::string narrowed = Uuid7::Generate();
  const std::string kept = Uuid7::Generate();
  RequireOk(replica.Apply(Packed({ReplicaStored(narrowed, 1, 1), ReplicaStored(kept, 1, 2),
                                  ReplicaStored(narrowed, 2, 3)}),
                          3));
  auto more = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
  REQUIRE(more.ok());
  const int64_t kept_countries = Count(db, "record_countries") / 2;
  REQUIRE(kept_countries > 0);
  auto withdrawal = [](const std::string& uuid, int64_t version, int64_t gseq) {
    return json{{"kind", "withdrawal"}, {"uuid", uuid}, {"version", version}, {"gseq", gseq}};
  };
  // Its hook events, delivered or waiting, hold its text too.
  RequireOk(db.Exec("INSERT INTO hook_events(hook, payload, state) VALUES ('alert', '{\"uuid\":\"" +
                    narrowed + "\"}', 'done'), ('hit', '{\"record\":{\"uuid\":\"" + narrowed +
                    "\"}}', 'pending'), ('alert', '{\"uuid\":\"" + kept + "\"}', 'pending')"));
  // So does a hook and receipt owed once the office has caught up.
  RequireOk(
      db.Exec("INSERT INTO alerts_held(uuid, version, gseq, release_at, early, deliver, "
              "payload) VALUES ('" +
              narrowed + "', 2, 3, 9, 0, 1, '{}')"));
  RequireOk(replica.Apply(Packed({withdrawal(narrowed, 3, 5)}), 5));
  CHECK(Count(db, "hook_events") == 1);
  CHECK(Count(db, "alerts_held") == 0);
  // Noted, for `cen-query show` to say why it is gone.
  CHECK(QueryNumber(db, "SELECT version FROM withdrawals WHERE uuid = '" + narrowed + "'") == 3);
  const std::string of = " WHERE uuid = '" + narrowed + "'";
  CHECK(QueryNumber(db, "SELECT count(*) FROM records" + of) == 0);
  CHECK(QueryNumber(db, "SELECT count(*) FROM version_history" + of) == 0);
  CHECK(QueryNumber(db, "SELECT count(*) FROM record_countries WHERE record_id IN (1, 3)") == 0);
  CHECK(Count(db, "record_countries") == kept_countries);
  CHECK(Count(db, "documents") == 1);
  CHECK(replica.cursor() == 5);
  CHECK(withdrawn == std::vector<std::string>{narrowed});
  auto held = replica.Count();
  REQUIRE(held.ok());
  CHECK(*held == 1);

  // Met again after a rewind (the journal fetched again): nothing to do.
  RequireOk(replica.Rewind("EU", std::nullopt));
  RequireOk(replica.Apply(Packed({withdrawal(narrowed, 3, 5)}), 5));
  CHECK(withdrawn.size() == 1);

  // A newer version applied early (the priority lane) stays; the versions
  // before the withdrawn one go from its history all the same.
  RequireOk(replica.ApplyEarly(Packed({ReplicaStored(kept, 4, 9)})).status());
  CHECK(QueryNumber(db, "SELECT count(*) FROM version_history WHERE uuid = '" + kept + "'") == 1);
  RequireOk(replica.Apply(Packed({withdrawal(kept, 3, 7)}), 7));
  CHECK(QueryNumber(db, "SELECT version FROM records WHERE uuid = '" + kept + "'") == 4);
  CHECK(QueryNumber(db, "SELECT count(*) FROM version_history WHERE uuid = '" + kept + "'") == 0);
  CHECK(withdrawn.size() == 2);
}

TEST_CASE("An alert withdrawn takes its updates and cancels with it", "[node][replica][scope]") {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string alert = Uuid7::Generate();
  const std::string update = Uuid7::Generate();
  const std::string other = Uuid7::Generate();
  json a = cen::test::AsStored(cen::test::WireAlert("A-1", alert, 1, "high"), 1, "H0");
  json u = cen::test::AsStored(cen::test::WireAlert("A-1-U", update, 1, "high"), 2, "H0");
  u["msg_type"] = "update";
  u["references"] = {alert};
  json o = cen::test::AsStored(cen::test::WireAlert("B-1", other, 1, "high"), 3, "H0");
  RequireOk(replica.Apply(Packed({a, u, o}), 3));
  REQUIRE(Count(db, "alert_links") == 1);
  RequireOk(replica.Apply(
      Packed({json{{"kind", "withdrawal"}, {"uuid", alert}, {"version", 2}, {"gseq", 4}}}), 4));
  CHECK(QueryNumber(db, "SELECT count(*) FROM records WHERE uuid IN ('" + alert + "', '" + update +
                            "')") == 0);
  CHECK(Count(db, "alert_links") == 0);
  CHECK(QueryNumber(db, "SELECT count(*) FROM records WHERE uuid = '" + other + "'") == 1);
  // cen-query show names the version the update had (a trial: "its version
  // 9223372036854775807 reaches offices this node is not among").
  CHECK(QueryNumber(db, "SELECT version FROM withdrawals WHERE uuid = '" + update + "'") == 1);
  CHECK(QueryNumber(db, "SELECT version FROM withdrawals WHERE uuid = '" + alert + "'") == 2);
}

TEST_CASE("A cancel's withdrawal of several alerts takes each of them back",
          "[node][replica][scope]") {
  // One record per gseq: the hub names the alerts after the first in "also".
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica = Loaded(db);
  const std::string first = Uuid7::Generate();
  const std::string second = Uuid7::Generate();
  const std::string other = Uuid7::Generate();
  RequireOk(replica.Apply(
      Packed({cen::test::AsStored(cen::test::WireAlert("A-1", first, 1, "high"), 1, "H0"),
              cen::test::AsStored(cen::test::WireAlert("A-2", second, 1, "high"), 2, "H0"),
              cen::test::AsStored(cen::test::WireAlert("B-1", other, 1, "high"), 3, "H0")}),
      3));
  RequireOk(replica.Apply(Packed({json{{"kind", "withdrawal"},
                                       {"uuid", first},
                                       {"version", 1},
                                       {"gseq", 4},
                                       {"also", {{{"uuid", second}, {"version", 1}}}}}}),
                          4));
  CHECK(QueryNumber(db, "SELECT count(*) FROM records WHERE uuid IN ('" + first + "', '" + second +
                            "')") == 0);
  CHECK(QueryNumber(db, "SELECT count(*) FROM withdrawals") == 2);
  CHECK(QueryNumber(db, "SELECT count(*) FROM records WHERE uuid = '" + other + "'") == 1);
  CHECK(replica.cursor() == 4);
}
