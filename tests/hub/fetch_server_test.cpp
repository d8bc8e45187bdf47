#include "hub/fetch_server.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/group_registry.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::FetchServer;
using cen::hub::GroupRegistry;
using cen::hub::Journal;
using cen::hub::NodeInfo;
using cen::hub::ScopePolicy;
using cen::test::RequireOk;
using nlohmann::json;
namespace frame = cen::common::frame;

namespace {

struct FetchServerFixture {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateHubDb(tmp);
  Journal journal{&db};
  GroupRegistry groups{&db};
  ScopePolicy policy{&groups};
  FetchServer fetch{&journal, &policy};
  NodeInfo af{"af", cen::test::NewPublicKey(), "AF", false};
  FetchServerFixture() { RequireOk(journal.Load()); }

  void Append(std::vector<json> records) {
    std::vector<Journal::Candidate> candidates;
    for (auto& r : records) candidates.push_back({"eu", std::move(r)});
    std::vector<Journal::Outcome> outcomes;
    RequireOk(journal.Append(candidates, &outcomes));
  }
  // The frames of one answer.
  std::vector<json> Ask(const json& request) {
    std::vector<json> frames;
    RequireOk(fetch.Answer(af, request, [&](const std::string& bytes) {
      auto f = WireFrame::Decode(bytes);
      REQUIRE(f.ok());
      frames.push_back(*f);
    }));
    return frames;
  }
};

json FetchServerSeizure(int i, const std::string& scope = "global") {
  json r = cen::test::WireSeizure("S" + std::to_string(i), Uuid7::Generate());
  r["scope"] = scope;
  return r;
}

}  // namespace

TEST_CASE("FetchServer sends what the node may see and accounts for the rest", "[hub][fetch]") {
  FetchServerFixture f;
  f.Append({FetchServerSeizure(1), FetchServerSeizure(2, "region:EU"), FetchServerSeizure(3)});
  auto frames = f.Ask({{"t", frame::kFetch}, {"id", 9}, {"from", 1}, {"max", 10}});
  REQUIRE(frames.size() == 2);
  CHECK(WireFrame::Type(frames[0]) == frame::kRecords);
  CHECK(frames[0]["id"] == 9);
  REQUIRE(frames[0]["records"].size() == 2);  // gseq 2 is EU's only
  CHECK(frames[0]["records"][1]["gseq"] == 3);
  CHECK(WireFrame::Type(frames[1]) == frame::kUpto);
  CHECK(frames[1]["upto"] == 3);
  CHECK(frames[1]["head"] == 3);

  // Beyond the head: nothing sent, and UPTO never claims more than the head.
  frames = f.Ask({{"t", frame::kFetch}, {"from", 10}, {"max", 10}});
  REQUIRE(frames.size() == 1);
  CHECK(frames[0]["upto"] == 3);
}

TEST_CASE("FetchServer splits RECORDS at 500 and scans at most max gseqs", "[hub][fetch]") {
  FetchServerFixture f;
  std::vector<json> many;
  for (int i = 0; i < 1200; ++i) many.push_back(FetchServerSeizure(i));
  f.Append(std::move(many));
  auto frames = f.Ask({{"t", frame::kFetch}, {"from", 1}, {"max", 1100}});
  REQUIRE(frames.size() == 4);  // 500 + 500 + 100, then UPTO
  CHECK(frames[2]["records"].size() == 100);
  CHECK(frames[3]["upto"] == 1100);
}

TEST_CASE("FetchServer's priority lane and refusals", "[hub][fetch][priority]") {
  FetchServerFixture f;
  f.Append({FetchServerSeizure(1), cen::test::WireAlert("U", Uuid7::Generate(), 1, "urgent"),
            FetchServerSeizure(2)});
  auto frames = f.Ask({{"t", frame::kFetch}, {"from", 1}, {"max", 10}, {"lane", "priority"}});
  REQUIRE(frames.size() == 2);
  REQUIRE(frames[0]["records"].size() == 1);
  CHECK(frames[0]["records"][0]["ref"] == "U");
  CHECK(frames[1]["lane"] == "priority");
  CHECK(frames[1]["upto"] == 3);  // none left up to the head

  int replies = 0;
  auto count = [&](const std::string&) { ++replies; };
  CHECK(f.fetch.Answer(f.af, {{"t", frame::kFetch}, {"from", 1}, {"max", 1}, {"lane", "x"}}, count)
            .code() == StatusCode::kInvalidInput);
  CHECK(f.fetch.Answer(f.af, {{"t", frame::kFetch}, {"from", "one"}, {"max", 1}}, count).code() ==
        StatusCode::kInvalidInput);
  CHECK(replies == 0);
}
