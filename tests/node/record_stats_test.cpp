#include "node/query/record_stats.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "node/agent/replica.h"
#include "node/query/shared_snapshot.h"
#include "node/store/node_schema.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/query_fixture.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::node::NodeSchema;
using cen::node::QueryOptions;
using cen::node::RecordStats;
using cen::node::SharedSnapshot;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

Database RecordStatsDb(const TempDir& tmp) {
  auto db = NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  RequireOk(db.status());
  return std::move(*db);
}

// What stats (or routes) prints for `o`, and through how many scans.
struct RecordStatsAnswer {
  std::string out;
  int64_t scans = 0;
};

RecordStatsAnswer RecordStatsRun(const TempDir& tmp, const QueryOptions& o, bool routes,
                                 bool split) {
  Database db = RecordStatsDb(tmp);
  auto snapshot = SharedSnapshot::Begin(db, tmp.path());
  RequireOk(snapshot.status());
  REQUIRE(snapshot->second() != nullptr);  // nothing holds node.db's write lock
  std::ostringstream out;
  std::ostringstream err;
  auto outcome = routes
                     ? RecordStats::Routes(db, o, out, err, split ? snapshot->second() : nullptr)
                     : RecordStats::Groups(db, o, out, err, split ? snapshot->second() : nullptr);
  RequireOk(outcome.status());
  RequireOk(snapshot->Commit());
  return {out.str(), outcome->scans};
}

QueryOptions RecordStatsOptions(const TempDir& tmp, const std::string& format) {
  QueryOptions o;
  o.data_dir = tmp.path();
  o.format = format;
  o.split_scan_from = 0;  // the fixture's 12 records are split too
  return o;
}

}  // namespace

TEST_CASE("stats and routes split between two connections print what one scan prints",
          "[node][query][stats]") {
  TempDir tmp;
  cen::test::FillFixtureReplica(tmp);

  // Each with a value its answer shows and the scans it takes split: a filter
  // on the records' own columns (or none) reads every record, in two halves;
  // one through record_countries is left whole.
  std::vector<QueryOptions> questions;
  std::vector<std::string> shown;
  std::vector<int64_t> split_scans;
  QueryOptions by_year = RecordStatsOptions(tmp, "json");
  by_year.by = {"commodity", "reporting_country"};
  by_year.period = "year";
  questions.push_back(by_year);
  shown.push_back(R"("year":"2021")");
  split_scans.push_back(2);
  QueryOptions csv_units = RecordStatsOptions(tmp, "csv");
  csv_units.by = {"commodity"};  // groups of both halves, two units (KGM, H87)
  csv_units.filter.handlings = {"H0", "H1", "H2"};
  questions.push_back(csv_units);
  shown.push_back("quantity_H87");
  split_scans.push_back(2);
  QueryOptions europe = RecordStatsOptions(tmp, "table");
  europe.filter.destinations = {"Europe"};
  europe.by = {"transit"};
  questions.push_back(europe);
  shown.push_back("PL Poland");  // a country of S4's transit NL;PL
  split_scans.push_back(1);
  for (QueryOptions& o : questions) RequireOk(o.filter.Check());

  for (size_t i = 0; i < questions.size(); ++i) {
    const QueryOptions& o = questions[i];
    INFO("stats --by " << o.by.front() << " --format " << o.format);
    const RecordStatsAnswer one = RecordStatsRun(tmp, o, /*routes=*/false, /*split=*/false);
    const RecordStatsAnswer two = RecordStatsRun(tmp, o, /*routes=*/false, /*split=*/true);
    CHECK(one.scans == 1);
    CHECK(two.scans == split_scans[i]);
    CHECK(two.out == one.out);
    CHECK(one.out.find(shown[i]) != std::string::npos);
  }
  const RecordStatsAnswer one = RecordStatsRun(tmp, questions[0], /*routes=*/true, /*split=*/false);
  const RecordStatsAnswer two = RecordStatsRun(tmp, questions[0], /*routes=*/true, /*split=*/true);
  CHECK(two.scans == 2);
  CHECK(two.out == one.out);
  CHECK(one.out.find("CO → PA → ES") != std::string::npos);

  // Below split_scan_from records the second connection is not used.
  QueryOptions small = by_year;
  small.split_scan_from = 1000;
  CHECK(RecordStatsRun(tmp, small, /*routes=*/false, /*split=*/true).scans == 1);
}

TEST_CASE("SharedSnapshot: both connections read the snapshot they began with",
          "[node][query][stats]") {
  TempDir tmp;
  cen::test::FillFixtureReplica(tmp);
  Database db = RecordStatsDb(tmp);
  auto snapshot = SharedSnapshot::Begin(db, tmp.path());
  RequireOk(snapshot.status());
  REQUIRE(snapshot->second() != nullptr);

  // A commit after Begin is seen by neither connection.
  auto writer = cen::test::ReopenNodeDb(tmp);
  RequireOk(writer.Exec("DELETE FROM records WHERE kind = 'alert'"));
  for (Database* reader : {&db, snapshot->second()}) {
    auto records = reader->QueryInt("SELECT count(*) FROM records");
    RequireOk(records.status());
    CHECK(**records == 12);
  }
  RequireOk(snapshot->Commit());
  auto now = db.QueryInt("SELECT count(*) FROM records");
  RequireOk(now.status());
  CHECK(**now == 10);
}

TEST_CASE("SharedSnapshot does not wait for a writer: the scan then runs on one connection",
          "[node][query][stats]") {
  TempDir tmp;
  cen::test::FillFixtureReplica(tmp);
  auto writer = cen::test::ReopenNodeDb(tmp);
  RequireOk(writer.Exec("BEGIN IMMEDIATE"));  // the agent in the middle of a slice, say

  Database db = RecordStatsDb(tmp);
  const auto started = std::chrono::steady_clock::now();
  auto snapshot = SharedSnapshot::Begin(db, tmp.path());
  RequireOk(snapshot.status());
  CHECK(snapshot->second() == nullptr);
  // Database::Open's busy timeout is 10 s: Begin did not wait for it.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));

  QueryOptions o = RecordStatsOptions(tmp, "json");
  o.by = {"commodity"};
  RequireOk(o.filter.Check());
  std::ostringstream out;
  std::ostringstream err;
  auto outcome = RecordStats::Groups(db, o, out, err, snapshot->second());
  RequireOk(outcome.status());
  CHECK(outcome->scans == 1);
  CHECK(outcome->results == 2);  // drugs, tobacco (cites: one H3 seizure, left out of json)
  RequireOk(snapshot->Commit());
  RequireOk(writer.Exec("ROLLBACK"));
}

// A replica of seizures of drugs, one per quantity in kilograms.
void FillQuantities(const TempDir& tmp, const std::vector<double>& kilograms) {
  auto db = cen::test::CreateNodeDb(tmp);
  cen::node::Replica replica(&db);
  RequireOk(replica.Load());
  std::vector<nlohmann::json> records;
  for (size_t i = 0; i < kilograms.size(); ++i) {
    const int n = static_cast<int>(i) + 1;
    nlohmann::json r =
        cen::test::FixtureSeizure(n, "2024-05-01", "NL", "drugs", "CO", {}, "NL", "293972", 1,
                                  kilograms[i], "KGM", "H0", "RILO-WE", "Cocaine in a suitcase");
    r["gseq"] = n;
    records.push_back(r);
  }
  RequireOk(replica.Apply(cen::test::Packed(records), static_cast<int64_t>(records.size())));
}

TEST_CASE("stats adds quantities without the rounding error of each addition",
          "[node][query][stats]") {
  // Thirty seizures of 0.1 kg: one double added to the next gives
  // 3.0000000000000013, and a scan split in two halves another last digit.
  TempDir tmp;
  FillQuantities(tmp, std::vector<double>(30, 0.1));
  QueryOptions o = RecordStatsOptions(tmp, "json");
  o.by = {"commodity"};
  RequireOk(o.filter.Check());
  const std::string expected = R"({"commodity":"drugs","quantity":{"KGM":3.0},"records":30})"
                               "\n";
  CHECK(RecordStatsRun(tmp, o, /*routes=*/false, /*split=*/false).out == expected);
  const RecordStatsAnswer split = RecordStatsRun(tmp, o, /*routes=*/false, /*split=*/true);
  CHECK(split.scans == 2);
  CHECK(split.out == expected);
}

TEST_CASE("stats totals carry no digits of binary noise", "[node][query][stats]") {
  // The doubles 1.1 and 2.2 sum to 3.3000000000000003, exactly so: json
  // and csv showed such totals (1311.0900000000001 LTR).
  TempDir tmp;
  FillQuantities(tmp, {1.1, 2.2});
  QueryOptions o = RecordStatsOptions(tmp, "json");
  o.by = {"commodity"};
  RequireOk(o.filter.Check());
  CHECK(RecordStatsRun(tmp, o, /*routes=*/false, /*split=*/false).out ==
        R"({"commodity":"drugs","quantity":{"KGM":3.3},"records":2})"
        "\n");
}

TEST_CASE("stats prints a total beyond the largest number as infinite, not as NaN",
          "[node][query][stats]") {
  TempDir tmp;
  FillQuantities(tmp, {1e308, 1e308});  // each valid; their sum is no double
  QueryOptions o = RecordStatsOptions(tmp, "table");
  o.by = {"commodity"};
  RequireOk(o.filter.Check());
  const std::string out = RecordStatsRun(tmp, o, /*routes=*/false, /*split=*/false).out;
  CHECK(out.find("nan") == std::string::npos);
  CHECK(out.find("inf") != std::string::npos);
}
