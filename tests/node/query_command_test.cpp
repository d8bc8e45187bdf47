#include "node/query_command.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "common/uuid7.h"
#include "node/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::StatusCode;
using cen::common::Utf8;
using cen::common::Uuid7;
using cen::node::QueryCommand;
using cen::node::QueryOptions;
using cen::node::Replica;
using cen::test::CreateNodeDb;
using cen::test::RequireOk;
using cen::test::TempDir;
using cen::test::WireSeizure;
using nlohmann::json;

namespace {

// A replica in `tmp` holding a Latin and a long Cyrillic seizure and an alert.
void FillReplica(const TempDir& tmp) {
  auto db = CreateNodeDb(tmp);
  Replica replica(&db);
  RequireOk(replica.Load());
  std::vector<json> records;
  for (int i = 0; i < 3; ++i) {
    json r = WireSeizure("REF-" + std::to_string(i), Uuid7::Generate());
    r["origin"] = "RILO-WE";
    r["gseq"] = i + 1;
    r["received_at"] = "2026-11-28T03:00:00.000Z";
    records.push_back(r);
  }
  records[1]["description"] =
      "Кокаин в коробках с бананами, обнаруженный при досмотре рефрижераторного контейнера";
  records[2] = {{"kind", "alert"},       {"ref", "AL-1"},       {"title", "Rip-on/rip-off"},
                {"body", "b"},           {"priority", "high"},  {"uuid", Uuid7::Generate()},
                {"version", 1},          {"origin", "RILO-WE"}, {"gseq", 3},
                {"received_at", "2026"}, {"scope", "global"},   {"handling", "H0"}};
  RequireOk(replica.Apply(records, 3));
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Display column (in code points) where `needle` starts in `line`.
size_t ColumnOf(const std::string& line, const std::string& needle) {
  const size_t at = line.find(needle);
  REQUIRE(at != std::string::npos);
  return *Utf8::CountCodePoints(line.substr(0, at));
}

}  // namespace

TEST_CASE("cen-query table aligns columns by code points and cuts long text", "[node][query]") {
  TempDir tmp;
  FillReplica(tmp);
  std::ostringstream out;
  RequireOk(QueryCommand::Run({tmp.path(), "", "table"}, out));
  const auto lines = Lines(out.str());
  REQUIRE(lines.size() == 5);  // header, 3 records, count
  const size_t summary = ColumnOf(lines[0], "SUMMARY");
  CHECK(ColumnOf(lines[1], "drugs") == summary);
  CHECK(ColumnOf(lines[2], "drugs") == summary);  // the Cyrillic row lines up too
  CHECK(ColumnOf(lines[3], "[high]") == summary);
  CHECK_THAT(lines[2], Catch::EndsWith("…"));
  CHECK(*Utf8::CountCodePoints(lines[2]) - summary == 60);  // summary cut to its width
  CHECK(lines[4] == "3 record(s)");
}

TEST_CASE("cen-query json prints one record per line and filters by kind", "[node][query]") {
  TempDir tmp;
  FillReplica(tmp);
  std::ostringstream out;
  RequireOk(QueryCommand::Run({tmp.path(), "alert", "json"}, out));
  const auto lines = Lines(out.str());
  REQUIRE(lines.size() == 1);
  const json r = json::parse(lines[0]);
  CHECK(r["ref"] == "AL-1");
  CHECK(r["gseq"] == 3);
}

TEST_CASE("cen-query refuses unknown flag values and foreign directories", "[node][query]") {
  TempDir tmp;
  FillReplica(tmp);
  std::ostringstream out;
  const auto bad_kind = QueryCommand::Run({tmp.path(), "seizures", "json"}, out);
  CHECK(bad_kind.code() == StatusCode::kUsage);
  CHECK_THAT(bad_kind.message(), Catch::Contains("--kind"));
  const auto bad_format = QueryCommand::Run({tmp.path(), "", "xml"}, out);
  CHECK(bad_format.code() == StatusCode::kUsage);
  const auto missing = QueryCommand::Run({tmp.File("nowhere"), "", "json"}, out);
  CHECK(missing.code() == StatusCode::kNotFound);
  CHECK_THAT(missing.message(), Catch::Contains("cen-node init"));
  CHECK(out.str().empty());
}
