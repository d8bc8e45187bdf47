#include "hub/feed_fanout.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/group_registry.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Lane;
using cen::common::MsgpackJson;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::FeedFanout;
using cen::hub::GroupRegistry;
using cen::hub::Journal;
using cen::hub::NodeRegistry;
using cen::hub::ReachHistory;
using cen::hub::ScopePolicy;
using cen::test::RequireOk;
using nlohmann::json;
namespace frame = cen::common::frame;

namespace {

struct Sent {
  std::string topic;
  json frame;
  FeedFanout::Frame bytes;
};

// A committed record as the journal hands it to the feed.
void Add(std::vector<Journal::Candidate>& candidates, std::vector<Journal::Outcome>& outcomes,
         json record, const std::string& origin, int64_t gseq, const std::string& scope = "global",
         Journal::Verdict verdict = Journal::Verdict::kNew) {
  record["origin"] = origin;
  record["gseq"] = gseq;
  record["scope"] = scope;
  Journal::Outcome o;
  o.verdict = verdict;
  o.gseq = gseq;
  o.scope = scope;
  o.lane = cen::common::PriorityLane::Of(record);
  o.body = MsgpackJson::Encode(record);
  candidates.push_back({origin, record});
  outcomes.push_back(std::move(o));
}

struct FeedFanoutFixture {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateHubDb(tmp);
  NodeRegistry registry{&db};
  GroupRegistry groups{&db};
  ScopePolicy policy{&groups};
  ReachHistory reaches;  // none: every row is served as its scope says
  std::vector<Sent> sent;
  FeedFanout fanout{&registry, &policy, &reaches,
                    [this](const std::string& topic, const FeedFanout::Frame& bytes) {
                      auto f = WireFrame::Decode(*bytes);
                      REQUIRE(f.ok());
                      sent.push_back({topic, *f, bytes});
                    }};
  FeedFanoutFixture() {
    RequireOk(registry.Allow({"eu", cen::test::NewPublicKey(), "EU"}));
    RequireOk(registry.Allow({"af", cen::test::NewPublicKey(), "AF"}));
    RequireOk(registry.Allow({"gone", cen::test::NewPublicKey(), "EU"}));
    RequireOk(registry.Revoke("gone"));
    RequireOk(groups.Refresh());
  }
  std::vector<Sent> On(const std::string& topic) const {
    std::vector<Sent> out;
    for (const auto& s : sent)
      if (s.topic == topic) out.push_back(s);
    return out;
  }
};

json FeedFanoutSeizure(int i) {
  return cen::test::WireSeizure("S" + std::to_string(i), Uuid7::Generate());
}
json FeedFanoutAlert(const std::string& ref, const std::string& priority) {
  return cen::test::WireAlert(ref, Uuid7::Generate(), 1, priority);
}

}  // namespace

TEST_CASE("FeedFanout covers every new gseq for each node, with what it may see", "[hub][feed]") {
  FeedFanoutFixture f;
  std::vector<Journal::Candidate> c;
  std::vector<Journal::Outcome> o;
  Add(c, o, FeedFanoutSeizure(1), "eu", 11);
  Add(c, o, FeedFanoutSeizure(2), "eu", 12, "region:EU");
  Add(c, o, FeedFanoutSeizure(3), "af", 0, "global",
      Journal::Verdict::kDuplicate);  // not new: never sent
  Add(c, o, FeedFanoutSeizure(4), "af", 13);
  f.fanout.Commit("e1", c, o);

  const auto eu = f.On(WireFrame::FeedTopic("eu"));
  const auto af = f.On(WireFrame::FeedTopic("af"));
  REQUIRE(eu.size() == 1);
  REQUIRE(af.size() == 1);
  CHECK(eu[0].frame["first"] == 11);
  CHECK(eu[0].frame["last"] == 13);
  CHECK(eu[0].frame["records"].size() == 3);
  CHECK(af[0].frame["first"] == 11);  // gseq 12 is covered for AF, not shown
  CHECK(af[0].frame["last"] == 13);
  REQUIRE(af[0].frame["records"].size() == 2);
  CHECK(af[0].frame["records"][1]["gseq"] == 13);
  CHECK(f.On(WireFrame::FeedTopic("gone")).empty());    // revoked: nothing
  CHECK(f.On(WireFrame::PriorityTopic("eu")).empty());  // no alert in this commit
}

TEST_CASE("FeedFanout sends urgent then high alerts on the priority topic before the BATCH",
          "[hub][feed][priority]") {
  FeedFanoutFixture f;
  std::vector<Journal::Candidate> c;
  std::vector<Journal::Outcome> o;
  Add(c, o, FeedFanoutSeizure(1), "eu", 1);
  Add(c, o, FeedFanoutAlert("H", "high"), "eu", 2);
  Add(c, o, FeedFanoutAlert("N", "normal"), "eu", 3);
  Add(c, o, FeedFanoutAlert("U", "urgent"), "eu", 4);
  Add(c, o, FeedFanoutAlert("U-EU", "urgent"), "eu", 5, "region:EU");
  f.fanout.Commit("e1", c, o);

  REQUIRE(f.sent.size() >= 2);
  CHECK(f.sent[0].topic.rfind("P:", 0) == 0);  // priority before any BATCH
  const auto eu = f.On(WireFrame::PriorityTopic("eu"));
  REQUIRE(eu.size() == 1);
  CHECK(WireFrame::Type(eu[0].frame) == frame::kPriority);
  CHECK(eu[0].frame["epoch"] == "e1");
  std::vector<std::string> refs;
  for (const auto& r : eu[0].frame["records"]) refs.push_back(r["ref"]);
  CHECK(refs == std::vector<std::string>{"U", "U-EU", "H"});
  const auto af = f.On(WireFrame::PriorityTopic("af"));
  REQUIRE(af.size() == 1);
  CHECK(af[0].frame["records"].size() == 2);  // not the region:EU one
  // The BATCH still carries every record in gseq order.
  const auto batch = f.On(WireFrame::FeedTopic("eu"));
  REQUIRE(batch.size() == 1);
  CHECK(batch[0].frame["records"].size() == 5);
}

TEST_CASE("FeedFanout splits a large commit into BATCHes of 1000 gseqs", "[hub][feed]") {
  FeedFanoutFixture f;
  std::vector<Journal::Candidate> c;
  std::vector<Journal::Outcome> o;
  for (int i = 1; i <= 2500; ++i) Add(c, o, FeedFanoutSeizure(i), "eu", i);
  f.fanout.Commit("e1", c, o);
  const auto eu = f.On(WireFrame::FeedTopic("eu"));
  REQUIRE(eu.size() == 3);
  CHECK(eu[0].frame["last"] == 1000);
  CHECK(eu[1].frame["first"] == 1001);
  CHECK(eu[2].frame["last"] == 2500);
  f.sent.clear();
  f.fanout.Heads("e1", 2500);
  CHECK(f.sent.size() == 2);  // eu and af, not the revoked node
  CHECK(f.sent[0].frame["head"] == 2500);
}

TEST_CASE("FeedFanout encodes one frame for the nodes that may see the same records",
          "[hub][feed]") {
  FeedFanoutFixture f;
  std::vector<Journal::Candidate> c;
  std::vector<Journal::Outcome> o;
  Add(c, o, FeedFanoutSeizure(1), "eu", 1);
  Add(c, o, FeedFanoutSeizure(2), "af", 2);
  f.fanout.Commit("e1", c, o);
  const auto eu = f.On(WireFrame::FeedTopic("eu"));
  const auto af = f.On(WireFrame::FeedTopic("af"));
  REQUIRE(eu.size() == 1);
  REQUIRE(af.size() == 1);
  CHECK(eu[0].bytes == af[0].bytes);  // one encoding, shared
  CHECK(af[0].frame["records"].size() == 2);

  // A record only EU may see: each node gets a frame of its own.
  f.sent.clear();
  c.clear();
  o.clear();
  Add(c, o, FeedFanoutSeizure(3), "eu", 3, "region:EU");
  Add(c, o, FeedFanoutSeizure(4), "af", 4);
  f.fanout.Commit("e1", c, o);
  const auto eu2 = f.On(WireFrame::FeedTopic("eu"));
  const auto af2 = f.On(WireFrame::FeedTopic("af"));
  REQUIRE(eu2.size() == 1);
  REQUIRE(af2.size() == 1);
  CHECK(eu2[0].bytes != af2[0].bytes);
  CHECK(eu2[0].frame["records"].size() == 2);
  REQUIRE(af2[0].frame["records"].size() == 1);
  CHECK(af2[0].frame["records"][0]["gseq"] == 4);
}
