#include "node/query/query_command.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/messages.h"
#include "common/text_table.h"
#include "common/utf8.h"
#include "common/uuid7.h"
#include "node/agent/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/query_fixture.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Status;
using cen::common::StatusCode;
using cen::common::Utf8;
using cen::node::QueryCommand;
using cen::node::QueryOptions;
using cen::node::QueryVerb;
using cen::test::FillFixtureReplica;
using cen::test::FixtureUuid;
using cen::test::Packed;
using cen::test::RequireOk;
using cen::test::RiloDecision;
using cen::test::TempDir;
using nlohmann::json;

namespace {

struct Run {
  Status status;
  std::string out;
  std::string err;
};

Run Query(QueryVerb verb, const QueryOptions& o) {
  std::ostringstream out;
  std::ostringstream err;
  Status s = QueryCommand::Run(verb, o, out, err);
  return {s, out.str(), err.str()};
}

QueryOptions Options(const TempDir& tmp, const std::string& format = "json") {
  QueryOptions o;
  o.data_dir = tmp.path();
  o.format = format;
  return o;
}

int64_t CountOf(const QueryOptions& base) {
  QueryOptions o = base;
  o.count = true;
  const Run r = Query(QueryVerb::kSearch, o);
  INFO(r.status.ToString());
  REQUIRE(r.status.ok());
  return std::stoll(r.out);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  for (const std::string& line : Lines(text)) out.push_back(json::parse(line));
  return out;
}

// Parses `csv_text` with Python's csv module (a real RFC 4180 reader) and
// returns its rows as a JSON array of arrays.
json ParseCsvWithPython(const TempDir& tmp, const std::string& csv_text) {
  const std::string in = tmp.File("export.csv");
  const std::string out = tmp.File("export.json");
  std::ofstream(in, std::ios::binary) << csv_text;
  const std::string cmd =
      "python3 -c 'import csv, json, sys; "
      "print(json.dumps(list(csv.reader(open(sys.argv[1], newline=\"\", "
      "encoding=\"utf-8\")))))' " +
      in + " > " + out;
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream f(out);
  return json::parse(f);
}

// Display column where `needle` starts in `line`.
size_t ColumnOf(const std::string& line, const std::string& needle) {
  const size_t at = line.find(needle);
  REQUIRE(at != std::string::npos);
  return Utf8::DisplayWidth(line.substr(0, at));
}

}  // namespace

TEST_CASE("cen-query filters match the hand-checked fixture counts", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  // Country flags answer the same whether the agent has written the records'
  // record_countries rows yet or they still wait in countries_pending.
  const bool indexed = GENERATE(false, true);
  INFO((indexed ? "record_countries written" : "countries pending"));
  if (indexed) cen::test::IndexFixtureCountries(tmp);
  const QueryOptions base = Options(tmp);
  struct QueryCommandCase {
    const char* name;
    void (*set)(QueryOptions&);
    int64_t expected;
  };
  const QueryCommandCase cases[] = {
      {"no filter", [](QueryOptions&) {}, 12},
      {"--kind seizure", [](QueryOptions& o) { o.filter.kinds = {"seizure"}; }, 10},
      {"--kind alert", [](QueryOptions& o) { o.filter.kinds = {"alert"}; }, 2},
      {"--commodity drugs", [](QueryOptions& o) { o.filter.commodities = {"drugs"}; }, 9},
      {"--commodity tobacco,cites",
       [](QueryOptions& o) {
         o.filter.commodities = {"tobacco", "cites"};
       },
       3},
      {"--country NL (any role)", [](QueryOptions& o) { o.filter.countries = {"NL"}; }, 4},
      {"--country nl (any case)", [](QueryOptions& o) { o.filter.countries = {"nl"}; }, 4},
      {"--reporting-country NL", [](QueryOptions& o) { o.filter.reporting_countries = {"NL"}; }, 3},
      {"--departure CO", [](QueryOptions& o) { o.filter.departures = {"CO"}; }, 4},
      {"--departure 'South America'",
       [](QueryOptions& o) { o.filter.departures = {"South America"}; }, 6},
      {"--destination Europe", [](QueryOptions& o) { o.filter.destinations = {"Europe"}; }, 8},
      {"--destination 'eastern europe'",
       [](QueryOptions& o) { o.filter.destinations = {"eastern europe"}; }, 1},
      {"--transit NL", [](QueryOptions& o) { o.filter.transits = {"NL"}; }, 1},
      {"--transit PA,ES",
       [](QueryOptions& o) {
         o.filter.transits = {"PA", "ES"};
       },
       2},
      {"--from 2019 --to 2020",
       [](QueryOptions& o) {
         o.filter.from = "2019";
         o.filter.to = "2020";
       },
       4},
      {"--from 2022 (alerts by issued_at)", [](QueryOptions& o) { o.filter.from = "2022"; }, 5},
      {"--to 2018-12-31 (inclusive)", [](QueryOptions& o) { o.filter.to = "2018-12-31"; }, 1},
      {"--from 2020-07-01 --to 2020-07 (one day)",
       [](QueryOptions& o) {
         o.filter.from = "2020-07-01";
         o.filter.to = "2020-07";
       },
       1},
      {"--origin RILO-ECE", [](QueryOptions& o) { o.filter.origins = {"RILO-ECE"}; }, 2},
      {"--hs 2939", [](QueryOptions& o) { o.filter.hs_prefixes = {"2939"}; }, 8},
      {"--hs 2939.72", [](QueryOptions& o) { o.filter.hs_prefixes = {"2939.72"}; }, 7},
      {"--hs 293911,0507",
       [](QueryOptions& o) {
         o.filter.hs_prefixes = {"293911", "0507"};
       },
       2},
      {"--transport-mode 4", [](QueryOptions& o) { o.filter.transport_modes = {4}; }, 3},
      {"--unit H87", [](QueryOptions& o) { o.filter.units = {"H87"}; }, 1},
      {"--handling H2,H3",
       [](QueryOptions& o) {
         o.filter.handlings = {"H2", "H3"};
       },
       2},
      {"--priority urgent", [](QueryOptions& o) { o.filter.priorities = {"urgent"}; }, 1},
      {"--since-gseq 10", [](QueryOptions& o) { o.filter.since_gseq = 10; }, 3},
      {"--text cocaine", [](QueryOptions& o) { o.filter.text = "cocaine"; }, 5},
      {"--text COCAINA (case and accents)", [](QueryOptions& o) { o.filter.text = "COCAINA"; }, 1},
      {"--text ecailles", [](QueryOptions& o) { o.filter.text = "ecailles"; }, 1},
      {"--text кокаин", [](QueryOptions& o) { o.filter.text = "кокаин"; }, 1},
      {"--text КОКАИН (Cyrillic case)", [](QueryOptions& o) { o.filter.text = "КОКАИН"; }, 1},
      {"--text сигарет* (prefix)", [](QueryOptions& o) { o.filter.text = "сигарет*"; }, 1},
      {"--text pineap*", [](QueryOptions& o) { o.filter.text = "pineap*"; }, 1},
      {"--text phrase", [](QueryOptions& o) { o.filter.text = "\"banana boxes\""; }, 1},
      {"--text phrase, wrong order", [](QueryOptions& o) { o.filter.text = "\"boxes banana\""; },
       0},
      {"--text concealment", [](QueryOptions& o) { o.filter.text = "false bottom"; }, 1},
      {"--text alert body", [](QueryOptions& o) { o.filter.text = "guayaquil"; }, 1},
      // A word with a hyphen or a slash is searched as written (FTS5 alone
      // read "rip-off" as a column filter: "no such column: off").
      {"--text rip-off", [](QueryOptions& o) { o.filter.text = "rip-off"; }, 1},
      {"--text Rip-on/rip-off", [](QueryOptions& o) { o.filter.text = "Rip-on/rip-off"; }, 1},
      {"--text rip-of* (prefix)", [](QueryOptions& o) { o.filter.text = "rip-of*"; }, 1},
      {"--text title:rip-off (column)", [](QueryOptions& o) { o.filter.text = "title:rip-off"; },
       1},
      {"--text body:rip-off (other column)",
       [](QueryOptions& o) { o.filter.text = "body:rip-off"; }, 0},
      {"--text off-rip (order kept)", [](QueryOptions& o) { o.filter.text = "off-rip"; }, 0},
      {"--text with OR and a phrase",
       [](QueryOptions& o) { o.filter.text = "\"banana boxes\" OR (rip-off antwerp)"; }, 2},
      {"drugs + Europe + since 2019",
       [](QueryOptions& o) {
         o.filter.commodities = {"drugs"};
         o.filter.destinations = {"Europe"};
         o.filter.from = "2019-01-01";
       },
       5},
      {"drugs + country NL + 2019..2020",
       [](QueryOptions& o) {
         o.filter.commodities = {"drugs"};
         o.filter.countries = {"NL"};
         o.filter.from = "2019";
         o.filter.to = "2020";
       },
       2},
      {"departure CO + transit ES + text",
       [](QueryOptions& o) {
         o.filter.departures = {"CO"};
         o.filter.transits = {"ES"};
         o.filter.text = "coffee";
       },
       1},
  };
  for (const QueryCommandCase& c : cases) {
    SECTION(c.name) {
      QueryOptions o = base;
      c.set(o);
      CHECK(CountOf(o) == c.expected);
      // The listing agrees with the count (all rows, restricted ones included).
      o.include_restricted = true;
      const Run r = Query(QueryVerb::kSearch, o);
      RequireOk(r.status);
      CHECK(static_cast<int64_t>(Lines(r.out).size()) == c.expected);
    }
  }
}

TEST_CASE("A query on a replica far behind the hub's head says so on stderr", "[node][query]") {
  // A trial: during the rebuild after a hub restore, --count printed 0 and
  // stats three records for minutes, exit 0, with nothing to say the
  // replica was still catching up.
  TempDir tmp;
  FillFixtureReplica(tmp);
  auto db = cen::test::ReopenNodeDb(tmp);
  auto at = db.QueryInt("SELECT gseq FROM cursor");
  REQUIRE(at.ok());
  const int64_t cursor = at->value_or(0);
  auto head_at = [&](int64_t head) {
    RequireOk(db.Exec("UPDATE agent_state SET hub_head = " + std::to_string(head) +
                      ", updated_at = '2026-12-07T15:00:00.000Z'"));
  };
  QueryOptions counted = Options(tmp);
  counted.count = true;
  head_at(cursor + 250'000);
  const Run behind = Query(QueryVerb::kSearch, counted);
  REQUIRE(behind.status.ok());
  CHECK(behind.out == "12\n");
  CHECK_THAT(behind.err,
             Catch::Contains("this replica is catching up: it holds the journal up to gseq " +
                             std::to_string(cursor) + " of " + std::to_string(cursor + 250'000)) &&
                 Catch::Contains("2026-12-07T15:00:00.000Z"));
  CHECK_THAT(Query(QueryVerb::kStats,
                   [&] {
                     QueryOptions o = Options(tmp);
                     o.by = {"origin"};
                     return o;
                   }())
                 .err,
             Catch::Contains("catching up"));
  // A few records in flight are no news.
  head_at(cursor + 20);
  CHECK(Query(QueryVerb::kSearch, counted).err.empty());
}

TEST_CASE("A date filter finds a record whose commodity code this build does not know",
          "[node][query]") {
  // A newer hub may accept a commodity code added after this build: dates
  // alone must still find the record, before and after its batch.
  TempDir tmp;
  FillFixtureReplica(tmp);
  json seizure = cen::test::WireSeizure("NEW-CODE", "0190a0b0-0000-7000-8000-0000000000ff");
  seizure["commodity"] = "zz-newer-code";
  seizure["seizure_date"] = "2031-05-05";
  cen::test::ApplyAfterFixture(tmp, {cen::test::AsStored(seizure, 0)});
  QueryOptions o = Options(tmp);
  o.filter.from = "2031";
  CHECK(CountOf(o) == 1);  // pending: its own columns
  cen::test::IndexFixtureCountries(tmp);
  CHECK(CountOf(o) == 1);  // from record_dates
}

TEST_CASE("An index-only listing pages and withholds exactly as the general query does",
          "[node][query]") {
  // One country flag with commodities and dates is answered from
  // record_countries' ids, commodities and dates without a country flag from
  // record_dates' (deduplicated in memory); --sort gseq, the same order,
  // takes the general SQL. Both must print and count the same thing.
  TempDir tmp;
  FillFixtureReplica(tmp);
  const bool indexed = GENERATE(false, true);
  if (indexed) cen::test::IndexFixtureCountries(tmp);
  const std::string format = GENERATE("json", "csv", "table");
  const bool restricted = GENERATE(false, true);
  const int shape = GENERATE(0, 1, 2);
  QueryOptions o = Options(tmp, format);
  int64_t expected = 0;
  if (shape == 0) {
    o.filter.countries = {"NL"};  // S1, S6 and S7 name it twice (reporting and destination)
    o.filter.commodities = {"drugs"};
    expected = 4;  // S1, S4 (transit), S6, S7
  } else if (shape == 1) {
    o.filter.commodities = {"drugs"};
    expected = 9;
  } else {
    o.filter.from = "2019";
    o.filter.to = "2020";
    expected = 4;
  }
  o.include_restricted = restricted;
  for (int64_t limit : {-1, 0, 1, 2}) {
    for (int64_t offset : {0, 1, 3, 5}) {
      INFO((indexed ? "indexed " : "pending ")
           << "shape " << shape << " " << format << (restricted ? " all" : "") << " limit " << limit
           << " offset " << offset);
      o.limit = limit;
      o.offset = offset;
      o.sort = "";
      const Run fast = Query(QueryVerb::kSearch, o);
      o.sort = "gseq";
      const Run general = Query(QueryVerb::kSearch, o);
      RequireOk(fast.status);
      RequireOk(general.status);
      CHECK(fast.out == general.out);
      CHECK(fast.err == general.err);
    }
  }
  o.limit = 0;
  o.offset = 0;
  o.sort = "";
  CHECK(CountOf(o) == expected);
}

TEST_CASE("cen-query json is one parseable record per line, sorted and paged", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp);
  o.filter.kinds = {"seizure"};
  o.include_restricted = true;
  o.sort = "-quantity";
  o.limit = 3;
  const Run r = Query(QueryVerb::kSearch, o);
  RequireOk(r.status);
  const auto records = JsonLines(r.out);
  REQUIRE(records.size() == 3);
  CHECK(records[0]["ref"] == "S5");  // 2,000,000 pieces
  CHECK(records[1]["ref"] == "S3");  // 200 kg: the latest version only
  CHECK(records[1]["version"] == 2);
  CHECK(records[2]["ref"] == "S1");
  o.offset = 3;
  const auto next = JsonLines(Query(QueryVerb::kSearch, o).out);
  REQUIRE(next.size() == 3);
  CHECK(next[0]["ref"] == "S2");

  o.sort = "date,-origin";
  o.limit = 0;
  o.offset = 0;
  const auto by_date = JsonLines(Query(QueryVerb::kSearch, o).out);
  REQUIRE(by_date.size() == 10);
  CHECK(by_date.front()["ref"] == "S7");
  CHECK(by_date.back()["ref"] == "S10");

  // A field that is not one is refused with --count too (it printed a count).
  o.sort = "bogus";
  o.count = GENERATE(false, true);
  const Run bogus = Query(QueryVerb::kSearch, o);
  CHECK(bogus.status.code() == StatusCode::kUsage);
  CHECK_THAT(bogus.status.message(), Catch::Contains("--sort: 'bogus' is not one of"));
  CHECK(bogus.out.empty());
}

TEST_CASE("cen-query csv is RFC 4180 a real CSV reader parses back", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "csv");
  o.filter.kinds = {"seizure"};
  o.include_restricted = true;
  const Run r = Query(QueryVerb::kSearch, o);
  RequireOk(r.status);
  const json rows = ParseCsvWithPython(tmp, r.out);
  REQUIRE(rows.size() == 11);  // header + 10 seizures
  const json& header = rows[0];
  auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    FAIL("no column " << name);
    return size_t{0};
  };
  CHECK(header[0] == "kind");
  CHECK(std::find(header.begin(), header.end(), "title") == header.end());  // seizures only
  auto row_of = [&](const std::string& ref) {
    for (const json& row : rows)
      if (row[column("ref")] == ref) return row;
    FAIL("no row " << ref);
    return json();
  };
  const json s4 = row_of("S4");
  CHECK(s4[column("ref")] == "S4");
  CHECK(s4[column("transit")] == "NL;PL");
  CHECK(s4[column("description")] ==
        "Кокаин в коробках с бананами, обнаруженный при досмотре");  // comma: quoted
  // 50.0 as the replica holds it: msgpack-c packs an integral double as an
  // integer, so a float that is whole arrives as 50 over the wire.
  CHECK(s4[column("quantity")] == "50");
  CHECK(row_of("S9")[column("handling_note")] == "Operation Pholidota: do not disseminate");
}

TEST_CASE("cen-query table aligns columns by display width and marks H2/H3", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "table");
  o.width = 200;
  const Run r = Query(QueryVerb::kSearch, o);
  RequireOk(r.status);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 14);  // header, 12 records, count
  const size_t summary = ColumnOf(lines[0], "SUMMARY");
  const size_t handling = ColumnOf(lines[0], "H ");
  for (size_t i = 1; i <= 12; ++i) {
    INFO(lines[i]);
    CHECK(ColumnOf(lines[i], FixtureUuid(0).substr(0, 24)) == 0);
    CHECK(Utf8::DisplayWidth(lines[i]) > summary);
  }
  // The Cyrillic, Japanese and Spanish rows line up with the ASCII ones.
  for (const char* needle : {"Кокаин", "ヘロイン", "Cocaína", "Cocaine in banana"}) {
    const auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(needle) != std::string::npos;
    });
    REQUIRE(it != lines.end());
    CHECK(ColumnOf(*it, needle) == summary);
  }
  const auto h3 = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("Écailles") != std::string::npos;
  });
  REQUIRE(h3 != lines.end());
  CHECK(ColumnOf(*h3, "H3") == handling);
  CHECK(ColumnOf(*h3, "[H3: Operation Pholidota") == summary);
  CHECK(lines.back() == "12 record(s)");

  SECTION("long text is cut with an ellipsis at the terminal width") {
    o.width = 120;
    const auto narrow = Lines(Query(QueryVerb::kSearch, o).out);
    // The summary takes what the other columns leave, but at least 20 columns.
    const size_t limit = std::max<size_t>(120, ColumnOf(narrow[0], "SUMMARY") + 20);
    for (size_t i = 1; i <= 12; ++i) CHECK(Utf8::DisplayWidth(narrow[i]) <= limit);
    CHECK(std::any_of(narrow.begin(), narrow.end(), [](const std::string& l) {
      return l.size() >= 3 && l.substr(l.size() - 3) == "…";
    }));
  }
  SECTION("a table shows 100 rows by default and says there are more") {
    o.limit = 5;
    const auto page = Lines(Query(QueryVerb::kSearch, o).out);
    REQUIRE(page.size() == 7);
    CHECK_THAT(page.back(), Catch::Contains("--limit"));
  }
}

TEST_CASE("cen-query withholds H2/H3 from exports unless --include-restricted", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  for (const char* format : {"json", "csv"}) {
    SECTION(format) {
      QueryOptions o = Options(tmp, format);
      const Run plain = Query(QueryVerb::kSearch, o);
      RequireOk(plain.status);
      const size_t rows = Lines(plain.out).size() - (std::string(format) == "csv" ? 1 : 0);
      CHECK(rows == 10);
      CHECK_THAT(plain.err, Catch::Contains("2 H2/H3") && Catch::Contains("--include-restricted"));
      CHECK(plain.out.find("Pholidota") == std::string::npos);

      o.include_restricted = true;
      o.arguments = {"--include-restricted"};
      const Run all = Query(QueryVerb::kSearch, o);
      RequireOk(all.status);
      CHECK(Lines(all.out).size() - (std::string(format) == "csv" ? 1 : 0) == 12);
      CHECK(all.err.empty());
      // The export is in the audit trail with the number of restricted records.
      QueryOptions audit = Options(tmp, "json");
      const auto entries = JsonLines(Query(QueryVerb::kAudit, audit).out);
      REQUIRE(entries.size() >= 2);
      CHECK(entries[0]["command"] == "search");
      CHECK(entries[0]["results"] == 12);
      CHECK(entries[0]["restricted"] == 2);
      CHECK(entries[0]["arguments"] == json::array({"--include-restricted"}));
      CHECK(entries[1]["restricted"] == 0);
    }
  }
  SECTION("a limited export counts the withheld records only as far as its size") {
    // `--limit 1` must not count restricted matches across the whole replica.
    QueryOptions o = Options(tmp, "json");
    o.limit = 1;
    const Run one = Query(QueryVerb::kSearch, o);
    RequireOk(one.status);
    CHECK(Lines(one.out).size() == 1);
    CHECK_THAT(one.err, Catch::Contains("1 or more H2/H3"));
    o.limit = 5;
    const Run five = Query(QueryVerb::kSearch, o);
    RequireOk(five.status);
    CHECK_THAT(five.err, Catch::Contains(": 2 H2/H3"));
  }
  SECTION("show refuses to export an H3 record as json without the flag") {
    QueryOptions o = Options(tmp, "json");
    o.uuid = FixtureUuid(9);
    const Run refused = Query(QueryVerb::kShow, o);
    CHECK(refused.status.code() == StatusCode::kUsage);
    CHECK_THAT(refused.status.message(), Catch::Contains("--include-restricted"));
    o.format = "table";
    const Run shown = Query(QueryVerb::kShow, o);
    RequireOk(shown.status);
    CHECK_THAT(shown.out, Catch::StartsWith("*** H3 (restricted): Operation Pholidota"));
  }
}

TEST_CASE("cen-query hits marks H2/H3 records and withholds them from exports", "[node][query]") {
  // A trial: a watch's hit on an H3 seizure showed unmarked in the table and
  // whole (ref, date, country) in hits --format json.
  TempDir tmp;
  FillFixtureReplica(tmp);
  {
    auto db = cen::test::ReopenNodeDb(tmp);
    RequireOk(
        db.Exec("INSERT INTO hits(at, source, record, indicator, value) VALUES "
                "('2026-11-29T10:00:00Z', 'watch:w', '" +
                FixtureUuid(9) + "', 'watch', 'w'), ('2026-11-29T10:00:01Z', 'watch:w', '" +
                FixtureUuid(1) + "', 'watch', 'w')"));
  }
  QueryOptions o = Options(tmp);
  const Run exported = Query(QueryVerb::kHits, o);
  REQUIRE(exported.status.ok());
  const std::vector<json> lines = JsonLines(exported.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["ref"] == "S1");
  CHECK_THAT(exported.err, Catch::Contains("1 H2/H3"));
  o.include_restricted = true;
  CHECK(JsonLines(Query(QueryVerb::kHits, o).out).size() == 2);
  QueryOptions table = Options(tmp, "table");
  CHECK_THAT(Query(QueryVerb::kHits, table).out, Catch::Contains("[H3: ") && Catch::Contains("S9"));
}

TEST_CASE("cen-query alerts and pending withhold H2/H3 from exports unless --include-restricted",
          "[node][query][validation]") {
  // A user trial: both printed an H3 record whole as json, and the audit
  // trail counted no restricted record.
  TempDir tmp;
  FillFixtureReplica(tmp);
  json alert = {{"kind", "alert"},
                {"ref", "A3"},
                {"uuid", FixtureUuid(301)},
                {"version", 1},
                {"origin", "RILO-ECE"},
                {"received_at", "2026-11-28T03:00:00.000Z"},
                {"scope", "global"},
                {"handling", "H3"},
                {"handling_note", "eyes only"},
                {"title", "Operation Pholidota"},
                {"priority", "urgent"},
                {"msg_type", "alert"},
                {"issued_at", "2026-11-28T03:00:00Z"}};
  json pending = cen::test::FixtureSeizure(302, "2024-02-01", "FR", "tobacco", "", {}, "NL",
                                           "240220", 3, 2, "GRM", "H3", "NCP-FR", "cigarettes");
  pending["validation"] = "pending";
  pending["rilo"] = "RILO-WE";
  cen::test::ApplyAfterFixture(tmp, {alert, pending});
  for (const QueryVerb verb : {QueryVerb::kAlerts, QueryVerb::kPending}) {
    QueryOptions o = Options(tmp, "json");
    o.all = true;
    const Run plain = Query(verb, o);
    RequireOk(plain.status);
    CHECK(plain.out.find("Pholidota") == std::string::npos);
    CHECK_THAT(plain.err, Catch::Contains("1 H2/H3") && Catch::Contains("--include-restricted"));
    o.format = "csv";
    const Run csv = Query(verb, o);
    RequireOk(csv.status);
    CHECK(csv.out.find("Pholidota") == std::string::npos);
    CHECK(csv.out.find(verb == QueryVerb::kAlerts ? FixtureUuid(301) : FixtureUuid(302)) ==
          std::string::npos);

    o.include_restricted = true;
    o.arguments = {"--include-restricted"};
    // In csv, the record leaves with its handling code (the last column).
    const Run csv_all = Query(verb, o);
    RequireOk(csv_all.status);
    CHECK_THAT(csv_all.out, Catch::Contains(",H3\r\n"));
    o.format = "json";
    const Run all = Query(verb, o);
    RequireOk(all.status);
    CHECK(all.out.find("Pholidota") != std::string::npos);
    CHECK(all.err.empty());
    const auto entries = JsonLines(Query(QueryVerb::kAudit, Options(tmp, "json")).out);
    REQUIRE_FALSE(entries.empty());
    CHECK(entries[0]["restricted"] == 1);
  }
  // An update that leaves handling out (H0 by default) does not make the H3
  // alert exportable (the review of this change).
  json update = {{"kind", "alert"},
                 {"ref", "A3-U"},
                 {"uuid", FixtureUuid(303)},
                 {"version", 1},
                 {"origin", "RILO-ECE"},
                 {"received_at", "2026-11-29T03:00:00.000Z"},
                 {"scope", "global"},
                 {"handling", "H0"},
                 {"title", "Operation Pholidota, extended"},
                 {"priority", "urgent"},
                 {"msg_type", "update"},
                 {"references", {FixtureUuid(301)}},
                 {"expires_at", "2099-01-01T00:00:00Z"}};
  cen::test::ApplyAfterFixture(tmp, {update});
  QueryOptions after = Options(tmp, "json");
  after.all = true;
  CHECK(Query(QueryVerb::kAlerts, after).out.find("Pholidota") == std::string::npos);
  // A table is read, not exported: the alert is there, marked.
  QueryOptions table = Options(tmp, "table");
  table.width = 200;
  CHECK_THAT(Query(QueryVerb::kAlerts, table).out,
             Catch::Contains("[H3: eyes only] Operation Pholidota"));
  // Nor does show of the H0 update export the H3 alert's life cycle (a
  // review: the life cycle's words left without --include-restricted).
  QueryOptions show = Options(tmp, "json");
  show.uuid = FixtureUuid(303);
  const Run refused = Query(QueryVerb::kShow, show);
  CHECK(refused.status.ExitCode() == 2);
  CHECK_THAT(refused.status.message(), Catch::Contains("is H3 (restricted)"));
  CHECK(refused.out.find("Pholidota") == std::string::npos);
  // The refused show is audited without a count: the table says "-" and
  // why, not "-1" results (a trial).
  QueryOptions audit = Options(tmp, "table");
  audit.width = 200;
  const auto audited = Lines(Query(QueryVerb::kAudit, audit).out);
  REQUIRE(audited.size() >= 3);
  CHECK_THAT(audited[1], Catch::Matches(".* show +- +0"));
  CHECK_THAT(audited.back(), Catch::StartsWith("RESULTS -: the query stopped"));
  show.include_restricted = true;
  const Run shown = Query(QueryVerb::kShow, show);
  RequireOk(shown.status);
  CHECK(json::parse(shown.out)["life_cycle"]["handling"] == "H3");

  // Each update's words carry its own handling code in show's life cycle
  // (a review: an H3 update's words read as the H0 update's beside them).
  json restricted = update;
  restricted["uuid"] = FixtureUuid(304);
  restricted["ref"] = "A3-U2";
  restricted["handling"] = "H3";
  restricted["handling_note"] = "liaison officers only";
  restricted["title"] = "Second courier identified";
  restricted["received_at"] = "2026-11-29T04:00:00.000Z";
  cen::test::ApplyAfterFixture(tmp, {restricted});
  QueryOptions cycle = Options(tmp, "table");
  cycle.uuid = FixtureUuid(303);
  const Run table_show = Query(QueryVerb::kShow, cycle);
  RequireOk(table_show.status);
  CHECK_THAT(table_show.out, Catch::Contains("[H3: liaison officers only] Second courier"));
  CHECK_THAT(table_show.out, Catch::Contains("by RILO-ECE  Operation Pholidota, extended"));
  show.uuid = FixtureUuid(303);
  const json steps = json::parse(Query(QueryVerb::kShow, show).out)["life_cycle"]["steps"];
  REQUIRE(steps.size() == 2);
  CHECK(steps[1]["handling"] == "H3");
  CHECK(steps[1]["handling_note"] == "liaison officers only");
  // What the updates changed is said as the alert's state now, beside the
  // alert's own fields (a trial: show gave the title and priority an update
  // had replaced); what they left alone is not repeated.
  const json now = json::parse(Query(QueryVerb::kShow, show).out)["life_cycle"]["now"];
  CHECK(now ==
        json{{"title", "Second courier identified"}, {"expires_at", "2099-01-01T00:00:00Z"}});
  // Marked with the strictest code of the alert and its updates, and the
  // table audited as showing a restricted record (a review).
  CHECK_THAT(table_show.out, Catch::Contains("now, after its updates: title [H3: ") &&
                                 Catch::Contains("] Second courier identified"));
  const auto shown_audit = JsonLines(Query(QueryVerb::kAudit, Options(tmp, "json")).out);
  REQUIRE_FALSE(shown_audit.empty());
  CHECK(shown_audit[0]["command"] == "show");
  CHECK(shown_audit[0]["restricted"] == 1);
  // Its receipts alike: offices' notes on an H3 alert are exported only when
  // asked, and the table marks the alert (a review).
  QueryOptions receipts = Options(tmp, "json");
  receipts.uuid = FixtureUuid(301);
  const Run refused_receipts = Query(QueryVerb::kReceipts, receipts);
  CHECK(refused_receipts.status.ExitCode() == 2);
  CHECK_THAT(refused_receipts.status.message(), Catch::Contains("--include-restricted"));
  receipts.include_restricted = true;
  RequireOk(Query(QueryVerb::kReceipts, receipts).status);
  receipts.format = "table";
  receipts.include_restricted = false;
  const Run receipts_table = Query(QueryVerb::kReceipts, receipts);
  RequireOk(receipts_table.status);
  CHECK_THAT(receipts_table.out, Catch::Contains("[H3: "));
  // In the reader's language, as every table (a trial: "versions:", "Life
  // cycle", "by" stayed English in French and Russian tables).
  RequireOk(cen::common::Messages::Use("fr"));
  const Run french = Query(QueryVerb::kShow, cycle);
  RequireOk(cen::common::Messages::Use("en"));
  CHECK_THAT(french.out, Catch::Contains("Cycle de vie (active) :") &&
                             Catch::Contains("versions :") && Catch::Contains("par RILO-ECE"));
}

TEST_CASE("cen-query show prints every field and the version history", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "table");
  o.uuid = FixtureUuid(3);
  std::transform(o.uuid.begin(), o.uuid.end(), o.uuid.begin(), ::toupper);  // any case
  const Run r = Query(QueryVerb::kShow, o);
  RequireOk(r.status);
  CHECK_THAT(r.out, Catch::Contains("description        Cocaine hidden in pineapples, weighed"));
  CHECK_THAT(r.out, Catch::Contains("v1  gseq 3"));
  CHECK_THAT(r.out, Catch::Contains("v2  gseq 13"));
  CHECK_THAT(r.out, Catch::Contains("by RILO-WE  changed: description, quantity"));

  o.format = "json";
  o.uuid = FixtureUuid(3);
  const json shown = json::parse(Query(QueryVerb::kShow, o).out);
  CHECK(shown["record"]["quantity"] == 200);
  REQUIRE(shown["versions"].size() == 2);
  CHECK(shown["versions"][1]["changed"] == json::array({"description", "quantity"}));

  // A description of several lines keeps the value column, a tab as spaces
  // (a trial: the second line started at column 0, the tab printed raw).
  auto lines = cen::test::FixtureSeizure(21, "2024-01-02", "NL", "drugs", "CO", {}, "NL", "293972",
                                         1, 5, "KGM", "H0", "RILO-WE", "Line one\nLine\ttwo");
  cen::test::ApplyAfterFixture(tmp, {lines});
  QueryOptions multi = Options(tmp, "table");
  multi.uuid = FixtureUuid(21);
  const Run laid_out = Query(QueryVerb::kShow, multi);
  RequireOk(laid_out.status);
  CHECK_THAT(laid_out.out, Catch::Contains("description        Line one\n"
                                           "                   Line    two\n"));

  o.uuid = FixtureUuid(12).substr(0, 35);  // a prefix of S10, A1 and A2
  const Run several = Query(QueryVerb::kShow, o);
  CHECK(several.status.code() == StatusCode::kUsage);
  // The candidates, so the analyst can pick one.
  CHECK_THAT(several.status.message(), Catch::Contains(FixtureUuid(10) + " (S10, RILO-AP)") &&
                                           Catch::Contains(FixtureUuid(12) + " (A2, RILO-ECE)"));
  o.uuid = "0190a0";  // too short to name one record
  CHECK(Query(QueryVerb::kShow, o).status.code() == StatusCode::kUsage);

  CHECK(Query(QueryVerb::kShow, o).status.code() == StatusCode::kUsage);
  o.uuid = FixtureUuid(99);
  CHECK(Query(QueryVerb::kShow, o).status.code() == StatusCode::kNotFound);
  o.uuid = "DROP TABLE";
  CHECK(Query(QueryVerb::kShow, o).status.code() == StatusCode::kUsage);
}

TEST_CASE("cen-query routes counts a path known by its transit countries alone", "[node][query]") {
  // A trial: --transit MY --count said 16, routes --transit MY said 0 groups
  // (records naming no departure and no destination were left out).
  TempDir tmp;
  FillFixtureReplica(tmp);
  auto transit_only =
      cen::test::FixtureSeizure(20, "2024-04-04", "MY", "cites", "", {"MY", "SG"}, "", "050790", 1,
                                40, "KGM", "H0", "RILO-AP", "pangolin scales");
  transit_only.erase("departure");
  transit_only.erase("destination");
  cen::test::ApplyAfterFixture(tmp, {transit_only});
  QueryOptions o = Options(tmp, "json");
  o.filter.transits = {"MY"};
  o.count = true;
  CHECK(Query(QueryVerb::kSearch, o).out == "1\n");
  o.count = false;
  const auto lines = JsonLines(Query(QueryVerb::kRoutes, o).out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["route"] == "? → MY → SG → ?");
  CHECK(lines[0]["records"] == 1);
}

TEST_CASE("cen-query stats answers kilograms of cocaine bound for Europe per year",
          "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "json");
  o.filter.hs_prefixes = {"2939.72"};
  o.filter.destinations = {"Europe"};
  o.filter.from = "2019";
  o.filter.units = {"KGM"};
  o.period = "year";
  const Run r = Query(QueryVerb::kStats, o);
  RequireOk(r.status);
  const auto rows = JsonLines(r.out);
  // 2021's one seizure is H2: an export leaves it out unless asked, and says
  // so (a trial: stats and routes exported H2/H3 records' figures).
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == json{{"year", "2019"}, {"records", 2}, {"quantity", {{"KGM", 200.0}}}});
  CHECK(rows[1] == json{{"year", "2020"}, {"records", 2}, {"quantity", {{"KGM", 250.0}}}});
  CHECK_THAT(r.err, Catch::Contains("1 H2/H3 (restricted) record(s) among the matches left out") &&
                        Catch::Contains("--include-restricted"));
  QueryOptions asked = o;
  asked.include_restricted = true;
  const Run all = Query(QueryVerb::kStats, asked);
  RequireOk(all.status);
  CHECK(all.err.empty());
  const auto all_rows = JsonLines(all.out);
  REQUIRE(all_rows.size() == 3);
  CHECK(all_rows[2] ==
        json{{"year", "2021"}, {"records", 1}, {"restricted", 1}, {"quantity", {{"KGM", 30.0}}}});
  // Audited as an export of one restricted record.
  const auto audited = JsonLines(Query(QueryVerb::kAudit, Options(tmp, "json")).out);
  REQUIRE_FALSE(audited.empty());
  CHECK(audited[0]["command"] == "stats");
  CHECK(audited[0]["restricted"] == 1);
  // A table counts it, marked: its own column and a footnote.
  QueryOptions table = o;
  table.format = "table";
  table.width = 200;
  const Run shown = Query(QueryVerb::kStats, table);
  RequireOk(shown.status);
  CHECK_THAT(shown.out, Catch::Contains("column H2/H3: the H2/H3 (restricted) records counted"));
  // What a table shows is audited too (a trial: H3 records read on screen
  // left "restricted 0"), a listing's as a stats table's.
  QueryOptions listing = Options(tmp, "table");
  listing.filter.handlings = {"H2", "H3"};
  RequireOk(Query(QueryVerb::kSearch, listing).status);
  const auto tables = JsonLines(Query(QueryVerb::kAudit, Options(tmp, "json")).out);
  REQUIRE(tables.size() >= 2);
  CHECK(tables[0]["command"] == "search");
  CHECK(tables[0]["restricted"] == 2);
  CHECK(tables[1]["command"] == "stats");
  CHECK(tables[1]["restricted"] == 1);
  // routes alike: the H3 seizure's route is not exported.
  QueryOptions route = Options(tmp, "json");
  route.filter.handlings = {"H3"};
  const Run routed = Query(QueryVerb::kRoutes, route);
  RequireOk(routed.status);
  CHECK(routed.out.empty());
  CHECK_THAT(routed.err, Catch::Contains("1 H2/H3 (restricted) record(s)"));

  SECTION("json and csv keep plain numbers in any language") {
    RequireOk(cen::common::Messages::Use("fr"));
    QueryOptions big = Options(tmp, "json");
    big.by = {"commodity"};
    const Run json_run = Query(QueryVerb::kStats, big);
    big.format = "csv";
    const Run csv_run = Query(QueryVerb::kStats, big);
    big.format = "table";
    const Run table_run = Query(QueryVerb::kStats, big);
    RequireOk(cen::common::Messages::Use("en"));
    // S5's 2,000,000 cigarettes, as a French reader writes the number.
    CHECK_THAT(table_run.out, Catch::Contains("2\u202f000\u202f000 H87"));
    CHECK_THAT(csv_run.out, Catch::Contains("2000000"));
    RequireOk(json_run.status);
    RequireOk(csv_run.status);
    CHECK(json_run.out == Query(QueryVerb::kStats,
                                [&] {
                                  QueryOptions en = big;
                                  en.format = "json";
                                  return en;
                                }())
                              .out);
    big.format = "csv";
    CHECK(csv_run.out == Query(QueryVerb::kStats, big).out);
  }
  // Below, the fixture's H2 and H3 seizures are counted in exports too.
  o.include_restricted = true;
  SECTION("routes for the same question") {
    const Run routes = Query(QueryVerb::kRoutes, o);
    RequireOk(routes.status);
    const auto lines = JsonLines(routes.out);
    REQUIRE(lines.size() == 5);
    std::vector<std::string> names;
    for (const json& l : lines) names.push_back(l["route"]);
    CHECK_THAT(names,
               Catch::UnorderedEquals(std::vector<std::string>{
                   "CO → NL", "CO → PA → ES", "EC → BE", "EC → NL → PL → RU", "CO → ES → NL"}));
    // --top 0 is all of them, as --limit 0 (it was the default 20, silently).
    QueryOptions top = o;
    top.top = 1;
    CHECK(JsonLines(Query(QueryVerb::kRoutes, top).out).size() == 1);
    top.top = 0;
    CHECK(JsonLines(Query(QueryVerb::kRoutes, top).out).size() == 5);
  }
  SECTION("by transit: a record in the group of each of its transit countries") {
    // Grouped by the whole list (NL;PL), PL's group said 1 where --transit PL
    // counts 2 on a trial's data: 274 "groups" for 21 countries.
    QueryOptions s = Options(tmp, "json");
    s.include_restricted = true;
    s.by = {"transit"};
    s.filter.transits = {"Europe"};
    std::map<std::string, int64_t> groups;
    for (const json& row : JsonLines(Query(QueryVerb::kStats, s).out))
      groups[row["transit"].get<std::string>()] = row["records"].get<int64_t>();
    CHECK(groups == std::map<std::string, int64_t>{{"ES", 1}, {"NL", 1}, {"PL", 1}});
    for (const auto& [country, records] : groups) {
      QueryOptions count = Options(tmp);
      count.filter.transits = {country};
      CHECK(CountOf(count) == records);
    }
  }
  SECTION("grouped by two fields, csv with a column per unit") {
    QueryOptions s = Options(tmp, "csv");
    s.include_restricted = true;
    s.by = {"commodity", "reporting_country"};
    const json rows_csv = ParseCsvWithPython(tmp, Query(QueryVerb::kStats, s).out);
    REQUIRE(rows_csv[0] == json::array({"commodity", "reporting_country", "records", "quantity_H87",
                                        "quantity_KGM", "restricted"}));
    CHECK(rows_csv[1] == json::array({"drugs", "NL", "3", "", "155.0", "1"}));
    // 8 seizure groups: stats count seizures unless --kind says otherwise
    // (alerts, updates and cancels name commodities too: a trial).
    CHECK(rows_csv.size() == 1 + 8);
    s.filter.kinds = {"seizure", "alert"};
    CHECK(ParseCsvWithPython(tmp, Query(QueryVerb::kStats, s).out).size() == 1 + 10);
    // Questions only alerts answer keep every kind (a review).
    QueryOptions kinds = Options(tmp, "csv");
    kinds.include_restricted = true;
    kinds.by = {"kind"};
    CHECK(ParseCsvWithPython(tmp, Query(QueryVerb::kStats, kinds).out).size() == 1 + 2);
  }
  SECTION("--top per period and a chart") {
    QueryOptions s = Options(tmp, "table");
    s.by = {"commodity"};
    s.top = 1;
    const auto lines = Lines(Query(QueryVerb::kStats, s).out);
    REQUIRE(lines.size() == 4);  // header, drugs, the count of groups, its H2 seizure
    CHECK_THAT(lines[1], Catch::StartsWith("drugs") && Catch::Contains("9"));
    CHECK_THAT(lines[3], Catch::StartsWith("column H2/H3: the H2/H3 (restricted) records"));
    s.top = 0;
    s.chart = true;
    const auto chart = Lines(Query(QueryVerb::kStats, s).out);
    REQUIRE(chart.size() == 6);  // header + 3 commodities + the count of groups + H2/H3
    CHECK_THAT(chart[1], Catch::Contains("█"));
    const auto bar = [](const std::string& line) {
      size_t n = 0;
      for (size_t at = line.find("█"); at != std::string::npos; at = line.find("█", at + 1)) ++n;
      return n;
    };
    CHECK(bar(chart[1]) > bar(chart[3]));
    // A trial: the chart had no header for its groups, no country names and
    // no count of groups, where the table has all three.
    CHECK_THAT(chart[0], Catch::StartsWith("COMMODITY"));
    CHECK(chart[4] == "3 group(s)");
    QueryOptions by_country = s;
    by_country.by = {"reporting_country"};
    const auto countries = Lines(Query(QueryVerb::kStats, by_country).out);
    REQUIRE(countries.size() > 2);
    CHECK_THAT(countries[0], Catch::StartsWith("REPORTING_COUNTRY"));
    CHECK_THAT(Query(QueryVerb::kStats, by_country).out, Catch::Contains("NL Netherlands"));
    // A trial: the bar of the records without a destination had no label
    // (alerts here).
    s.by = {"destination"};
    s.filter.kinds = {"seizure", "alert"};
    const auto by_destination = Lines(Query(QueryVerb::kStats, s).out);
    REQUIRE(by_destination.size() > 2);
    bool unlabelled = false, dash = false;
    for (size_t i = 1; i < by_destination.size(); ++i) {
      if (by_destination[i].rfind("█") != std::string::npos && by_destination[i][0] == ' ')
        unlabelled = true;
      if (by_destination[i].rfind("- ", 0) == 0) dash = true;
    }
    CHECK_FALSE(unlabelled);
    CHECK(dash);
    // Into a pipe (no --format: JSON for listings) a chart is still drawn; a
    // chart asked as JSON or CSV is refused, not dropped without a word (a
    // trial).
    QueryOptions piped = s;
    piped.format = "";
    piped.terminal = false;
    CHECK_THAT(Query(QueryVerb::kStats, piped).out, Catch::Contains("█"));
    piped.format = "json";
    const Run refused = Query(QueryVerb::kStats, piped);
    CHECK(refused.status.code() == StatusCode::kUsage);
    CHECK_THAT(refused.status.message(), Catch::Contains("--chart"));
  }
}

TEST_CASE("cen-query refuses bad flag values naming the flag, and foreign directories",
          "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  struct QueryCommandCase {
    const char* flag;
    void (*set)(QueryOptions&);
  };
  const QueryCommandCase cases[] = {
      {"--commodity", [](QueryOptions& o) { o.filter.commodities = {"cocaine"}; }},
      {"--from", [](QueryOptions& o) { o.filter.from = "2019-13-01"; }},
      {"--to", [](QueryOptions& o) { o.filter.to = "2019-02-30"; }},
      {"--country", [](QueryOptions& o) { o.filter.countries = {"XX"}; }},
      {"--destination", [](QueryOptions& o) { o.filter.destinations = {"Atlantis"}; }},
      {"--kind", [](QueryOptions& o) { o.filter.kinds = {"seizures"}; }},
      {"--hs", [](QueryOptions& o) { o.filter.hs_prefixes = {"29a"}; }},
      {"--transport-mode", [](QueryOptions& o) { o.filter.transport_modes = {12}; }},
      {"--unit", [](QueryOptions& o) { o.filter.units = {"kg"}; }},
      {"--text", [](QueryOptions& o) { o.filter.text = "\"unbalanced"; }},
      {"--text", [](QueryOptions& o) { o.filter.text = "nosuchcolumn: x"; }},
      {"--sort", [](QueryOptions& o) { o.sort = "weight"; }},
      {"--format", [](QueryOptions& o) { o.format = "xml"; }},
      {"--from",
       [](QueryOptions& o) {
         o.filter.from = "2021";
         o.filter.to = "2020";
       }},
  };
  for (const QueryCommandCase& c : cases) {
    QueryOptions o = Options(tmp);
    c.set(o);
    const Run r = Query(QueryVerb::kSearch, o);
    INFO(c.flag << ": " << r.status.ToString());
    CHECK(r.status.code() == StatusCode::kUsage);
    CHECK_THAT(r.status.message(), Catch::StartsWith(c.flag));
    CHECK(r.out.empty());
  }
  QueryOptions o = Options(tmp);
  o.filter.commodities = {"cocaine"};
  CHECK_THAT(Query(QueryVerb::kSearch, o).status.message(),
             Catch::Contains("drugs, precursors, tobacco"));
  QueryOptions stats = Options(tmp);
  stats.by = {"weight"};
  CHECK_THAT(Query(QueryVerb::kStats, stats).status.message(),
             Catch::StartsWith("--by") && Catch::Contains("commodity"));

  QueryOptions missing = Options(tmp);
  missing.data_dir = tmp.File("nowhere");
  const Run m = Query(QueryVerb::kSearch, missing);
  CHECK(m.status.code() == StatusCode::kNotFound);
  CHECK_THAT(m.status.message(), Catch::Contains("cen-node init"));
  std::filesystem::create_directory(tmp.File("foreign"));
  std::ofstream(tmp.File("foreign/node.db")) << "not a database";
  missing.data_dir = tmp.File("foreign");
  const Run f = Query(QueryVerb::kSearch, missing);
  CHECK_FALSE(f.status.ok());
  CHECK_THAT(f.status.message(), Catch::Contains(tmp.File("foreign")));
}

TEST_CASE("A --text the full-text engine cannot read is explained in the analyst's words",
          "[node][query]") {
  // It said "fts5: syntax error near \"\"" and the like: the engine's words.
  TempDir tmp;
  FillFixtureReplica(tmp);
  const std::pair<const char*, const char*> cases[] = {
      {"cocaine OR", "it ends too early"},
      {"(reefer", "it ends too early"},
      {"AND", "cannot read it at AND"},
      {"\"banana boxes", "a quotation mark is not closed"},
      {"weight: 5", "weight: no such field to search in (field: word, with one of description, "},
      {"NEAR(banana boxes, x)", "NEAR(...)'s distance is a number of words, not x"},
      {"*", "a * needs the start of a word before it"},
  };
  for (const auto& [text, explained] : cases) {
    QueryOptions o = Options(tmp);
    o.filter.text = text;
    const Run r = Query(QueryVerb::kSearch, o);
    INFO(text << ": " << r.status.ToString());
    CHECK(r.status.code() == StatusCode::kUsage);
    CHECK_THAT(r.status.message(),
               Catch::StartsWith(std::string("--text: '") + text + "': " + explained));
    CHECK_THAT(r.status.message(), !Catch::Contains("fts5") && !Catch::Contains("sqlite"));
  }
}

TEST_CASE("receipts at an office that did not raise the alert says they go to its origin",
          "[node][query]") {
  // It said the hub had not told this office who the alert reaches: receipts
  // never come here, whatever the hub says.
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "table");
  o.uuid = FixtureUuid(11);  // A1, raised by RILO-WE; this node is n1
  const Run r = Query(QueryVerb::kReceipts, o);
  RequireOk(r.status);
  CHECK_THAT(r.out, Catch::Contains("no receipts here: receipts go to the office that raised the "
                                    "alert (RILO-WE) alone"));
  // Into a pipe (json) the same, on stderr (a trial: nothing at all, rc 0).
  o.format = "json";
  const Run piped = Query(QueryVerb::kReceipts, o);
  RequireOk(piped.status);
  CHECK(piped.out.empty());
  CHECK_THAT(piped.err, Catch::StartsWith("cen-query: no receipts here"));
}

TEST_CASE("Code flags take any letter case, as country flags do", "[node][query]") {
  // --reporting-country nl was taken, --unit kgm and --commodity DRUGS refused.
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions lower = Options(tmp);
  lower.filter.units = {"kgm"};
  lower.filter.commodities = {"DRUGS"};
  lower.filter.handlings = {"h0"};
  lower.filter.kinds = {"Seizure"};
  lower.filter.reporting_countries = {"nl"};
  QueryOptions canonical = Options(tmp);
  canonical.filter.units = {"KGM"};
  canonical.filter.commodities = {"drugs"};
  canonical.filter.handlings = {"H0"};
  canonical.filter.kinds = {"seizure"};
  canonical.filter.reporting_countries = {"NL"};
  CHECK(CountOf(lower) == CountOf(canonical));
  CHECK(CountOf(canonical) == 2);  // S1, S7
  QueryOptions urgent = Options(tmp);
  urgent.filter.priorities = {"URGENT"};
  CHECK(CountOf(urgent) == 1);  // A2
  // Kept as codes are written, for a watch list's filter.
  RequireOk(lower.filter.Check());
  CHECK(lower.filter.ToJson() == json{{"units", {"KGM"}},
                                      {"commodities", {"drugs"}},
                                      {"handlings", {"H0"}},
                                      {"kinds", {"seizure"}},
                                      {"reporting_countries", {"NL"}}});
}

TEST_CASE("A flag the subcommand does not read is refused, naming it, not ignored",
          "[node][query]") {
  // `alerts --commodity tobacco` listed the drug alerts as the answer, and
  // `alerts --count` the listing.
  TempDir tmp;
  FillFixtureReplica(tmp);
  struct QueryCommandCase {
    QueryVerb verb;
    const char* flag;
    void (*set)(QueryOptions&);
  };
  const QueryCommandCase refused[] = {
      {QueryVerb::kAlerts, "--commodity",
       [](QueryOptions& o) { o.filter.commodities = {"tobacco"}; }},
      {QueryVerb::kAlerts, "--text", [](QueryOptions& o) { o.filter.text = "zzzz"; }},
      {QueryVerb::kAlerts, "--from", [](QueryOptions& o) { o.filter.from = "2026"; }},
      {QueryVerb::kAlerts, "--count", [](QueryOptions& o) { o.count = true; }},
      {QueryVerb::kAlerts, "--sort", [](QueryOptions& o) { o.sort = "date"; }},
      {QueryVerb::kHits, "--commodity", [](QueryOptions& o) { o.filter.commodities = {"drugs"}; }},
      {QueryVerb::kHits, "--count", [](QueryOptions& o) { o.count = true; }},
      {QueryVerb::kStats, "--count",
       [](QueryOptions& o) {
         o.count = true;
         o.by = {"commodity"};
       }},
      {QueryVerb::kAudit, "--origin", [](QueryOptions& o) { o.filter.origins = {"EU"}; }},
      // stats and routes keep the largest groups with --top (a trial's
      // `stats --limit 2` printed nine groups).
      {QueryVerb::kStats, "--limit",
       [](QueryOptions& o) {
         o.limit = 2;
         o.by = {"commodity"};
       }},
      {QueryVerb::kRoutes, "--limit", [](QueryOptions& o) { o.limit = 5; }},
      {QueryVerb::kWatchAdd, "--include-pending",
       [](QueryOptions& o) {
         o.watch_name = "w";
         o.filter.include_pending = true;
       }},
      {QueryVerb::kShow, "--kind",
       [](QueryOptions& o) {
         o.filter.kinds = {"alert"};
         o.uuid = FixtureUuid(1);
       }},
  };
  for (const QueryCommandCase& c : refused) {
    QueryOptions o = Options(tmp);
    c.set(o);
    const Run r = Query(c.verb, o);
    INFO(QueryCommand::Name(c.verb) << " " << c.flag << ": " << r.status.ToString());
    CHECK(r.status.code() == StatusCode::kUsage);
    CHECK_THAT(r.status.message(),
               Catch::StartsWith(std::string(c.flag) + ": not read by cen-query " +
                                 QueryCommand::Name(c.verb)));
    CHECK(r.out.empty());
  }
  // What each does read still works.
  QueryOptions alerts = Options(tmp);
  alerts.filter.priorities = {"urgent"};
  alerts.filter.origins = {"EU"};
  alerts.all = true;
  CHECK(Query(QueryVerb::kAlerts, alerts).status.ok());
  QueryOptions stats = Options(tmp);
  stats.by = {"commodity"};
  stats.filter.commodities = {"drugs"};
  CHECK(Query(QueryVerb::kStats, stats).status.ok());
}

TEST_CASE("cen-query reads while the agent writes, and never writes the replica", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  auto writer_db = cen::test::ReopenNodeDb(tmp);
  cen::node::Replica replica(&writer_db);
  RequireOk(replica.Load());
  std::atomic<bool> done{false};
  std::atomic<int> batches{0};
  Status writer_status;
  std::thread writer([&] {
    int64_t gseq = replica.cursor();
    while (!done) {
      std::vector<json> batch;
      for (int i = 0; i < 50; ++i) {
        json r = cen::test::WireSeizure("W" + std::to_string(gseq), cen::common::Uuid7::Generate());
        r["origin"] = "RILO-W";
        r["gseq"] = ++gseq;
        r["received_at"] = "2026-11-28T03:00:00.000Z";
        batch.push_back(r);
      }
      writer_status = replica.Apply(Packed(batch), gseq);
      if (!writer_status.ok()) return;
      ++batches;
    }
  });
  // The queries start once the writer is writing (a starved thread may not
  // have begun by the time 30 queries are done).
  const auto writing_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (batches == 0 && std::chrono::steady_clock::now() < writing_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  int64_t last = 0;
  for (int i = 0; i < 30; ++i) {
    QueryOptions o = Options(tmp);
    const int64_t n = CountOf(o);
    CHECK(n >= last);  // each query sees a consistent, growing snapshot
    CHECK((n - 12) % 50 == 0);
    last = n;
  }
  done = true;
  writer.join();
  RequireOk(writer_status);
  CHECK(batches > 0);
  // The query connection is read-only: only the audit table grew.
  auto db = cen::test::ReopenNodeDb(tmp);
  CHECK(cen::test::CountRows(db, "query_audit") == 30);
}

TEST_CASE("A table cell with line breaks or control characters keeps its column width",
          "[node][query]") {
  cen::common::TextTable t({{"A", 30}, {"B", 0}});
  t.AddRow({"line\nbreak\tand\x1b[31mred", "next"});
  t.AddRow({"plain", "next"});
  std::ostringstream out;
  t.Print(out, 80);
  const auto lines = Lines(out.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find('\n') == std::string::npos);
  CHECK(lines[1].find('\x1b') == std::string::npos);  // no escape reaches the terminal
  CHECK(ColumnOf(lines[1], "next") == ColumnOf(lines[2], "next"));
  CHECK_THAT(lines[1], Catch::StartsWith("line break and [31mred"));  // fits: not cut
}

TEST_CASE("cen-query shows nothing when it cannot write its audit entry", "[node][query]") {
  TempDir tmp;
  if (::mount("tmpfs", tmp.path().c_str(), "tmpfs", 0, "size=2m") != 0) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk case is not exercised");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{tmp.path()};
  FillFixtureReplica(tmp);
  {
    std::ofstream filler(tmp.File("filler"), std::ios::binary);
    const std::string block(4096, 'f');
    for (int i = 0; i < 1024 && filler; ++i) filler << block;  // 4 MiB into what is left
  }
  const Run r = Query(QueryVerb::kSearch, Options(tmp));
  CHECK_FALSE(r.status.ok());
  CHECK(r.status.ExitCode() == 1);
  INFO(r.status.ToString());
  CHECK(r.status.message().find("audit trail") != std::string::npos);
  CHECK(r.out.empty());  // not one record shown unaudited

  std::filesystem::remove(tmp.File("filler"));
  const Run again = Query(QueryVerb::kSearch, Options(tmp));
  CHECK(again.status.ok());
  CHECK(Lines(again.out).size() == 10);  // H2/H3 withheld from json, as always
}

namespace {

// The fixture, 40 validated tobacco seizures of 1 to 40 GRM (enough to know
// what is usual), and two NCP seizures waiting for RILO-WE: P1 of 5000 GRM
// (far above), P2 routed CO > NL > CO, destination NL.
void FillWithPending(const TempDir& tmp) {
  FillFixtureReplica(tmp);
  auto db = cen::test::ReopenNodeDb(tmp);
  cen::node::Replica replica(&db);
  RequireOk(replica.Load());
  std::vector<json> more;
  int64_t gseq = replica.cursor();
  for (int i = 1; i <= 40; ++i) {
    json r = cen::test::FixtureSeizure(100 + i, "2024-01-01", "TH", "tobacco", "", {}, "", "240220",
                                       3, i, "GRM", "H0", "RILO-AP", "cigarettes");
    r["gseq"] = ++gseq;
    more.push_back(r);
  }
  for (int n : {201, 202}) {
    json r = cen::test::FixtureSeizure(n, "2024-02-01", "FR", "tobacco", "CO", {}, "NL", "240220",
                                       3, n == 201 ? 5000 : 2, "GRM", "H0", "NCP-FR",
                                       "cigarettes in a truck");
    if (n == 202) {
      r["transit"] = {"NL"};
      r["destination"] = "CO";
    }
    r["validation"] = "pending";
    r["rilo"] = "RILO-WE";
    r["gseq"] = ++gseq;
    more.push_back(r);
  }
  RequireOk(replica.Apply(Packed(more), gseq));
}

}  // namespace

TEST_CASE("pending leaves out an NCP's alert, or its update, whose alert was cancelled",
          "[node][query][validation]") {
  // A trial: the hub operator cancelled an NCP's alert while it waited for
  // its RILO; the RILO could neither accept it (refused: cancelled) nor see
  // the end of it (returned, the NCP may not amend a cancelled alert): it
  // stayed in pending and "to decide" for good.
  TempDir tmp;
  FillWithPending(tmp);
  auto db = cen::test::ReopenNodeDb(tmp);
  cen::node::Replica replica(&db);
  RequireOk(replica.Load());
  int64_t gseq = replica.cursor();
  const std::string alert = FixtureUuid(301);
  json waiting = cen::test::AsStored(cen::test::WireAlert("FR-A-5", alert, 1, "urgent"), ++gseq);
  waiting["origin"] = "NCP-FR";
  waiting["validation"] = "pending";
  waiting["rilo"] = "RILO-WE";
  json update = cen::test::AsStored(cen::test::WireAlert("FR-A-5-U", FixtureUuid(302), 1), ++gseq);
  update["origin"] = "NCP-FR";
  update["msg_type"] = "update";
  update["references"] = {alert};
  update["validation"] = "pending";
  update["rilo"] = "RILO-WE";
  RequireOk(replica.Apply(Packed({waiting, update}), gseq));
  QueryOptions o = Options(tmp);
  const std::vector<json> before = JsonLines(Query(QueryVerb::kPending, o).out);
  REQUIRE(before.size() == 4);
  // A trial: a RILO accepted the update alone; the hub refused the
  // acceptance (its alert not in force) and nothing had said so before.
  CHECK(before[2]["warnings"].empty());
  REQUIRE(before[3]["warnings"].size() == 1);
  CHECK(before[3]["warnings"][0] ==
        "it changes alert " + alert +
            ", which waits for a decision too: the hub refuses this acceptance until the alert's "
            "(accept the alert first, or both in one command)");
  // Once this node has queued the alert's acceptance, the update's is no
  // longer refused: nothing to warn of.
  RequireOk(
      db.Exec("INSERT INTO own_records(uuid, version, kind, ref, body, queued_at) VALUES "
              "('decision-1', 1, 'decision', 'accept:" +
              alert + ":1', x'80', '2026-12-07T15:00:00.000Z')"));
  const std::vector<json> accepting = JsonLines(Query(QueryVerb::kPending, o).out);
  REQUIRE(accepting.size() == 4);
  CHECK(accepting[3]["warnings"].empty());
  json cancel =
      cen::test::AsStored(cen::test::WireAlert("OP-C", FixtureUuid(303), 1, "urgent"), ++gseq);
  cancel["origin"] = "hub-operator";
  cancel["msg_type"] = "cancel";
  cancel["references"] = {alert};
  RequireOk(replica.Apply(Packed({cancel}), gseq));
  const std::vector<json> queue = JsonLines(Query(QueryVerb::kPending, o).out);
  REQUIRE(queue.size() == 2);
  CHECK(queue[0]["ref"] == "S201");
  CHECK(queue[1]["ref"] == "S202");
}

TEST_CASE("Queries leave NCP records out until accepted, pending lists them with checks",
          "[node][query][validation]") {
  TempDir tmp;
  FillWithPending(tmp);
  QueryOptions o = Options(tmp);
  CHECK(CountOf(o) == 12 + 40);
  QueryOptions with = o;
  with.filter.include_pending = true;
  CHECK(CountOf(with) == 12 + 42);
  // The country-only path (record_countries) hides them too.
  QueryOptions origin = o;
  origin.filter.origins = {"NCP-FR"};
  CHECK(CountOf(origin) == 0);
  QueryOptions fr = o;
  fr.filter.reporting_countries = {"FR"};
  const int64_t validated_fr = CountOf(fr);
  fr.filter.include_pending = true;
  CHECK(CountOf(fr) == validated_fr + 2);
  // Stats count validated records only.
  QueryOptions stats = o;
  stats.by = {"origin"};
  const Run grouped = Query(QueryVerb::kStats, stats);
  REQUIRE(grouped.status.ok());
  CHECK(grouped.out.find("NCP-FR") == std::string::npos);
  stats.filter.include_pending = true;
  CHECK(Query(QueryVerb::kStats, stats).out.find("NCP-FR") != std::string::npos);

  const Run pending = Query(QueryVerb::kPending, o);
  REQUIRE(pending.status.ok());
  const std::vector<json> queue = JsonLines(pending.out);
  REQUIRE(queue.size() == 2);
  CHECK(queue[0]["ref"] == "S201");
  CHECK(queue[0]["state"] == "pending");
  CHECK(queue[0]["rilo"] == "RILO-WE");
  REQUIRE(queue[0]["warnings"].size() == 1);
  CHECK(queue[0]["warnings"][0] ==
        "quantity 5,000 GRM is far above what this replica holds for tobacco (up to 40 for 99%)");
  REQUIRE(queue[1]["warnings"].size() == 1);
  CHECK(queue[1]["warnings"][0] == "the route passes through CO twice");
  // The filters apply to the queue too.
  QueryOptions only = o;
  only.filter.destinations = {"NL"};
  CHECK(JsonLines(Query(QueryVerb::kPending, only).out).size() == 1);
  // Counted (a trial was told --count is not read by pending).
  QueryOptions counted = o;
  counted.count = true;
  CHECK(Query(QueryVerb::kPending, counted).out == "2\n");
  counted.filter.destinations = {"NL"};
  CHECK(Query(QueryVerb::kPending, counted).out == "1\n");
  // Old ones are flagged.
  QueryOptions table = Options(tmp, "table");
  table.pending_days = 0;
  const Run flagged = Query(QueryVerb::kPending, table);
  CHECK(flagged.out.find("2 record(s) pending for more than 0 day(s)") != std::string::npos);
  CHECK(flagged.out.find("queue shown") == std::string::npos);
  // show of a returned record says so, and why (it said "pending", as sent).
  json back = {{"kind", "decision"},
               {"uuid", FixtureUuid(401)},
               {"version", 1},
               {"record", FixtureUuid(201)},
               {"record_version", 1},
               {"decision", "return"},
               {"reason", "quantity in grams? give kilograms"},
               {"origin", "RILO-WE"},
               {"rilo", "RILO-WE"},
               {"received_at", "2026-11-28T03:00:00.000Z"},
               {"scope", "nodes:NCP-FR"}};
  cen::test::ApplyAfterFixture(tmp, {back});
  QueryOptions shown = Options(tmp, "table");
  shown.uuid = FixtureUuid(201);
  CHECK_THAT(Query(QueryVerb::kShow, shown).out,
             Catch::Contains("returned by RILO-WE: quantity in grams? give kilograms"));
  // A table cut at its limit says so (a trial read 100 rows of 122,946 as the queue).
  table.limit = 1;
  const Run first = Query(QueryVerb::kPending, table);
  CHECK_THAT(first.out,
             Catch::Contains("the first 1 record(s) of the queue shown; --limit 0 lists them all"));
}

namespace {

// S301 of NCP-FR, version `version`, as the hub sends it while RILO-WE decides.
json AmendedSeizure(int version, double quantity, const std::string& destination) {
  json r =
      cen::test::FixtureSeizure(301, "2024-03-01", "FR", "tobacco", "", {}, destination, "240220",
                                3, quantity, "KGM", "H0", "NCP-FR", "cigarettes in a van");
  r["version"] = version;
  r["validation"] = "pending";
  r["rilo"] = "RILO-WE";
  return r;
}

// The versions of S301 a json listing of `o` shows.
std::vector<int64_t> S301Versions(const QueryOptions& o) {
  const Run r = Query(QueryVerb::kSearch, o);
  REQUIRE(r.status.ok());
  std::vector<int64_t> versions;
  for (const json& rec : JsonLines(r.out))
    if (rec["ref"] == "S301") versions.push_back(rec["version"].get<int64_t>());
  return versions;
}

}  // namespace

TEST_CASE("An accepted record stays in every query while its amendment waits for the RILO",
          "[node][query][validation]") {
  // A trial at a RILO: an NCP amended an accepted seizure, and the seizure
  // left the RILO's and the NCP's listings, counts and stats until the
  // amendment was accepted (for good, had it been returned).
  TempDir tmp;
  FillFixtureReplica(tmp);
  const QueryOptions o = Options(tmp);
  const json v1 = AmendedSeizure(1, 120, "NL");
  cen::test::ApplyAfterFixture(tmp, {v1, RiloDecision(v1, "accept", 0)});
  const int64_t accepted = CountOf(o);
  QueryOptions nl = o;
  nl.filter.destinations = {"NL"};
  QueryOptions de = o;
  de.filter.destinations = {"DE"};
  QueryOptions with = o;
  with.filter.include_pending = true;
  CHECK(S301Versions(nl) == std::vector<int64_t>{1});

  const json v2 = AmendedSeizure(2, 12, "DE");
  cen::test::ApplyAfterFixture(tmp, {v2});
  for (bool indexed : {false, true}) {
    INFO((indexed ? "record_countries written" : "countries pending"));
    if (indexed) cen::test::IndexFixtureCountries(tmp);
    CHECK(CountOf(o) == accepted);
    CHECK(S301Versions(nl) == std::vector<int64_t>{1});  // as accepted, by its own values
    CHECK(S301Versions(de).empty());
    // --include-pending: each record once, in its newest version (a trial
    // counted it twice, and its quantity twice in stats).
    CHECK(CountOf(with) == accepted);
    QueryOptions with_de = de;
    with_de.filter.include_pending = true;
    CHECK(S301Versions(with_de) == std::vector<int64_t>{2});
    QueryOptions with_nl = nl;
    with_nl.filter.include_pending = true;
    CHECK(S301Versions(with_nl).empty());
    const std::vector<json> queue = JsonLines(Query(QueryVerb::kPending, o).out);
    REQUIRE(queue.size() == 1);
    CHECK(queue[0]["ref"] == "S301");
    CHECK(queue[0]["version"] == 2);
    CHECK(queue[0]["state"] == "pending");
  }

  // Returned: version 1 stays where it was; the amendment says why.
  cen::test::ApplyAfterFixture(tmp, {RiloDecision(v2, "return", 0, "which van?")});
  CHECK(CountOf(o) == accepted);
  CHECK(S301Versions(nl) == std::vector<int64_t>{1});
  {
    // Exported with --include-pending as returned, not as sent ("pending").
    QueryOptions returned = de;
    returned.filter.include_pending = true;
    bool seen = false;
    for (const json& rec : JsonLines(Query(QueryVerb::kSearch, returned).out)) {
      if (rec["ref"] != "S301") continue;
      seen = true;
      CHECK(rec["validation"] == "returned");
    }
    CHECK(seen);
    returned.format = "table";
    CHECK_THAT(Query(QueryVerb::kSearch, returned).out, Catch::Contains("[returned] "));
  }
  {
    const std::vector<json> queue = JsonLines(Query(QueryVerb::kPending, o).out);
    REQUIRE(queue.size() == 1);
    CHECK(queue[0]["version"] == 2);
    CHECK(queue[0]["state"] == "returned");
    QueryOptions shown = Options(tmp, "table");
    shown.uuid = FixtureUuid(301);
    CHECK_THAT(Query(QueryVerb::kShow, shown).out,
               Catch::Contains("returned by RILO-WE: which van? (version 1 stays in force until "
                               "the RILO accepts this one)"));
  }

  // Amended again and accepted: the new version takes the place of both.
  const json v3 = AmendedSeizure(3, 12.5, "DE");
  cen::test::ApplyAfterFixture(tmp, {v3});
  CHECK(S301Versions(nl) == std::vector<int64_t>{1});
  cen::test::ApplyAfterFixture(tmp, {RiloDecision(v3, "accept", 0)});
  CHECK(CountOf(o) == accepted);
  CHECK(CountOf(with) == accepted);
  CHECK(S301Versions(nl).empty());
  CHECK(S301Versions(de) == std::vector<int64_t>{3});
  CHECK(JsonLines(Query(QueryVerb::kPending, o).out).empty());
  cen::test::IndexFixtureCountries(tmp);
  CHECK(S301Versions(nl).empty());
  CHECK(S301Versions(de) == std::vector<int64_t>{3});
}

TEST_CASE("receipts counts a hit an office reported again once", "[node][query][alerts]") {
  // A trial: an office that lost an alert (withdrawn) and got it back found
  // the same seizure again and sent a second hit receipt: HITS 2 for one.
  TempDir tmp;
  {
    auto db = cen::test::CreateNodeDb(tmp, "EU");
    cen::node::Replica replica(&db);
    RequireOk(replica.Load());
    const std::string alert = cen::common::Uuid7::Generate();
    json a = cen::test::AsStored(cen::test::WireAlert("EU-A", alert, 1, "high"), 1, "H0");
    a["origin"] = "EU";
    auto hit = [&](int64_t gseq, const std::string& value) {
      return json{{"kind", "receipt"},
                  {"uuid", cen::common::Uuid7::Generate()},
                  {"version", 1},
                  {"ref", "hit:" + alert + ":" + std::to_string(gseq)},
                  {"scope", "nodes:EU"},
                  {"origin", "AS"},
                  {"gseq", gseq},
                  {"received_at", "2026-12-07T08:00:00.000Z"},
                  {"alert", alert},
                  {"action", "hit"},
                  {"at", "2026-12-07T08:00:00Z"},
                  {"hit", {{"record", "r-1"}, {"indicator", "containers"}, {"value", value}}}};
    };
    RequireOk(replica.Apply(
        Packed({a, hit(2, "MSKU1234565"), hit(3, "MSKU1234565"), hit(4, "TGHU7654321")}), 4));
  }
  QueryOptions o = Options(tmp);
  o.uuid = "";
  auto listed = Query(QueryVerb::kAlerts, o);
  RequireOk(listed.status);
  const json alert_row = json::parse(listed.out.substr(0, listed.out.find('\n')));
  o.uuid = alert_row.value("uuid", "");
  const Run r = Query(QueryVerb::kReceipts, o);
  RequireOk(r.status);
  INFO(r.out);
  CHECK(r.out.find("\"hits\":2") != std::string::npos);
  CHECK(r.out.find("\"hits\":3") == std::string::npos);
}

TEST_CASE("A later 'seen' does not hide an office's outcome of an alert", "[node][query][alerts]") {
  // A trial: an office acked no-trace, then seen; receipts at the alert's
  // origin showed "seen" alone, and the office's search result was gone.
  // An outcome (actioned, no-trace) stands until another outcome follows.
  TempDir tmp;
  const std::string alert = cen::common::Uuid7::Generate();
  {
    auto db = cen::test::CreateNodeDb(tmp, "EU");
    cen::node::Replica replica(&db);
    RequireOk(replica.Load());
    json a = cen::test::AsStored(cen::test::WireAlert("EU-A", alert, 1, "high"), 1, "H0");
    a["origin"] = "EU";
    auto ack = [&](int64_t gseq, const std::string& office, const std::string& action,
                   const std::string& at) {
      return json{{"kind", "receipt"},
                  {"uuid", cen::common::Uuid7::Generate()},
                  {"version", 1},
                  {"ref", action + ":" + alert},
                  {"scope", "nodes:EU"},
                  {"origin", office},
                  {"gseq", gseq},
                  {"received_at", "2026-12-07T08:00:00.000Z"},
                  {"alert", alert},
                  {"action", action},
                  {"at", at}};
    };
    RequireOk(replica.Apply(Packed({a, ack(2, "AS", "no-trace", "2026-12-07T08:01:00Z"),
                                    ack(3, "AS", "seen", "2026-12-07T08:02:00Z"),
                                    ack(4, "AF", "seen", "2026-12-07T08:01:00Z"),
                                    ack(5, "AF", "actioned", "2026-12-07T08:02:00Z")}),
                            5));
  }
  QueryOptions o = Options(tmp);
  o.uuid = alert;
  const Run r = Query(QueryVerb::kReceipts, o);
  RequireOk(r.status);
  INFO(r.out);
  std::map<std::string, std::string> action;
  for (const json& line : JsonLines(r.out))
    if (line.contains("office")) action[line.value("office", "")] = line.value("action", "");
  CHECK(action["AS"] == "no-trace");
  CHECK(action["AF"] == "actioned");

  // The table's prose in the reader's language (a trial read it in English
  // under --lang ru).
  RequireOk(cen::common::Messages::Use("fr"));
  QueryOptions table = Options(tmp, "table");
  table.uuid = alert;
  const Run fr = Query(QueryVerb::kReceipts, table);
  RequireOk(cen::common::Messages::Use("en"));
  RequireOk(fr.status);
  CHECK_THAT(fr.out, Catch::Contains("tous les bureaux de sa portée l'ont reçue") &&
                         Catch::Contains(", de EU)"));
}

TEST_CASE("cen-query watch add of a name taken is bad input, exit 2", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "table");
  o.watch_name = "coca";
  o.filter.commodities = {"drugs"};
  RequireOk(Query(QueryVerb::kWatchAdd, o).status);
  const Run again = Query(QueryVerb::kWatchAdd, o);
  CHECK(again.status.ExitCode() == 2);
  CHECK_THAT(again.status.message(), Catch::Contains("watch coca exists"));
}

TEST_CASE("cen-query past the last match says so, not '0 record(s)'", "[node][query]") {
  TempDir tmp;
  FillFixtureReplica(tmp);
  QueryOptions o = Options(tmp, "table");
  o.offset = 100;
  const Run r = Query(QueryVerb::kSearch, o);
  RequireOk(r.status);
  CHECK_THAT(r.out, Catch::Contains("no match from offset 100") && !Catch::Contains("0 record(s)"));
}
