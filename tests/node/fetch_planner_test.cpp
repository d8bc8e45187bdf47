#include "node/agent/fetch_planner.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "node/agent/feed_applier.h"
#include "node/agent/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::MsgpackMap;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::node::FeedApplier;
using cen::node::FetchPlanner;
using cen::node::Replica;
using cen::test::CreateNodeDb;
using cen::test::Packed;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using std::chrono::milliseconds;
using Answer = FetchPlanner::Answer;

namespace {

json FetchPlannerSeizure(int64_t gseq) {
  return cen::test::AsStored(cen::test::WireSeizure("S-" + std::to_string(gseq), Uuid7::Generate()),
                             gseq);
}

std::vector<json> FetchPlannerSeizures(const std::vector<int64_t>& gseqs) {
  std::vector<json> out;
  for (int64_t g : gseqs) out.push_back(FetchPlannerSeizure(g));
  return out;
}

std::vector<int64_t> FetchPlannerSpan(int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t g = first; g <= last; ++g) out.push_back(g);
  return out;
}

MsgpackMap Frame(const json& f) {
  auto packed = MsgpackMap::FromJson(f);
  RequireOk(packed.status());
  return std::move(*packed);
}

// A real replica on a real node.db, and every frame the planner sent.
struct FetchPlannerFixture {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica{&db};
  FeedApplier applier{&replica};
  std::vector<json> sent;
  bool link_up = true;
  FetchPlanner planner;
  FetchPlanner::Clock::time_point t0 = FetchPlanner::Clock::now();

  explicit FetchPlannerFixture(FetchPlanner::Limits limits = {})
      : planner(
            &applier, &replica,
            [this](const std::string& bytes) {
              if (!link_up) return false;
              auto f = WireFrame::Decode(bytes);
              RequireOk(f.status());
              sent.push_back(*f);
              return true;
            },
            limits) {
    RequireOk(replica.Load());
  }

  // WELCOME, then the feed subscribed.
  void Connect(int64_t head) {
    planner.Connected(head);
    planner.CatchUp(t0);
  }

  // The FETCHes sent since the last call.
  std::vector<json> Taken() { return std::exchange(sent, {}); }
  // WELCOME with the hub at `head`, beyond the cursor: the priority lane's
  // FETCH and the first bulk FETCH go out. Returns the bulk one.
  json ConnectBehind(int64_t head) {
    Connect(head);
    std::vector<json> fetches = Taken();
    REQUIRE(fetches.size() == 2);
    return fetches[1];
  }

  // The one FETCH sent since the last call.
  json OneSent() {
    std::vector<json> taken = Taken();
    REQUIRE(taken.size() == 1);
    return taken[0];
  }

  // The hub's answer to bulk FETCH `fetch`: `gseqs` as RECORDS, then UPTO.
  Answer Reply(const json& fetch, const std::vector<int64_t>& gseqs, int64_t upto, int64_t head,
               FetchPlanner::Clock::time_point at) {
    const int64_t id = fetch.at("id");
    planner.OnRecords(
        Frame({{"t", "RECORDS"}, {"id", id}, {"records", FetchPlannerSeizures(gseqs)}}));
    return planner.OnUpto(Frame({{"t", "UPTO"},
                                 {"id", id},
                                 {"from", fetch.at("from")},
                                 {"upto", upto},
                                 {"head", head}}),
                          at);
  }

  void ApplyAll() {
    RequireOk(applier.ApplySlice(FetchPlanner::Clock::time_point::max()).status());
  }
};

bool IsBulkFetch(const json& f, int64_t from) {
  return f.value("t", "") == "FETCH" && !f.contains("lane") && f.value("from", -1) == from;
}

}  // namespace

TEST_CASE("FetchPlanner catches up slice after slice from where the last answer ended",
          "[node][fetch]") {
  FetchPlanner::Limits limits;
  limits.fetch_max = 10;
  FetchPlannerFixture f(limits);
  f.Connect(30);
  std::vector<json> fetches = f.Taken();
  REQUIRE(fetches.size() == 2);
  CHECK(fetches[0].value("lane", "") == "priority");
  CHECK(fetches[0].value("from", -1) == 1);
  REQUIRE(IsBulkFetch(fetches[1], 1));
  CHECK(fetches[1].value("max", -1) == 10);

  // The next FETCH goes out as the answer arrives, before anything is applied.
  CHECK(f.Reply(fetches[1], FetchPlannerSpan(1, 10), 10, 30, f.t0) == Answer::kBulk);
  json fetch = f.OneSent();
  REQUIRE(IsBulkFetch(fetch, 11));

  // Live records at the head (this node's own receipts, say) lie beyond a
  // gap: the catch-up goes on from the end of the chain, not from them.
  f.applier.AddRange(29, 30, Packed(FetchPlannerSeizures({29, 30})));
  CHECK(f.Reply(fetch, FetchPlannerSpan(11, 20), 20, 30, f.t0) == Answer::kBulk);
  fetch = f.OneSent();
  REQUIRE(IsBulkFetch(fetch, 21));

  // This answer joins the chain to the live records: nothing more to ask.
  CHECK(f.Reply(fetch, FetchPlannerSpan(21, 28), 28, 30, f.t0) == Answer::kBulk);
  CHECK(f.Taken().empty());
  f.ApplyAll();
  CHECK(f.replica.cursor() == 30);
  f.planner.RequestIfBehind(f.t0 + std::chrono::seconds(5));
  CHECK(f.Taken().empty());
}

TEST_CASE("FetchPlanner leaves to the live feed what follows an answer the feed continues",
          "[node][fetch]") {
  // Records journaled while the answer travelled come on the feed: fetching
  // them as well read every live record twice (cen_pipeline_bench: after the
  // first FETCH each agent chased the feed with FETCHes to the end of the run).
  FetchPlannerFixture f;
  const json fetch = f.ConnectBehind(100);
  REQUIRE(IsBulkFetch(fetch, 1));
  // The feed meanwhile: 101..150 arrived; the hub's head is at 160 when it
  // answers, 151..160 on their way.
  f.applier.AddRange(101, 150, Packed(FetchPlannerSeizures(FetchPlannerSpan(101, 150))));
  f.planner.NoteFeed(f.t0);
  CHECK(f.Reply(fetch, FetchPlannerSpan(1, 100), 100, 160, f.t0) == Answer::kBulk);
  CHECK(f.Taken().empty());
  f.ApplyAll();
  CHECK(f.replica.cursor() == 150);

  // A feed that falls silent is not waited for beyond feed_silence.
  f.planner.RequestIfBehind(f.t0 + milliseconds(500));
  CHECK(f.Taken().empty());
  f.planner.RequestIfBehind(f.t0 + milliseconds(1000));
  CHECK(IsBulkFetch(f.OneSent(), 151));
}

TEST_CASE("FetchPlanner repairs a hole after the grace period, not before", "[node][fetch]") {
  FetchPlannerFixture f;
  f.Connect(0);
  REQUIRE(f.Taken().size() == 1);  // the priority lane only: nothing is behind
  // A feed batch beyond a gap: gseqs 1..4 never arrived.
  f.applier.AddRange(5, 8, Packed(FetchPlannerSeizures(FetchPlannerSpan(5, 8))));
  f.planner.NoteHead(8);
  f.planner.NoteFeed(f.t0);
  f.planner.RequestIfBehind(f.t0);
  f.planner.RequestIfBehind(f.t0 + milliseconds(299));
  CHECK(f.Taken().empty());
  f.planner.RequestIfBehind(f.t0 + milliseconds(300));
  const json fetch = f.OneSent();
  CHECK(IsBulkFetch(fetch, 1));
  CHECK(f.planner.fetch_outstanding());
  // One FETCH at a time.
  f.planner.RequestIfBehind(f.t0 + milliseconds(900));
  CHECK(f.Taken().empty());
  CHECK(f.Reply(fetch, FetchPlannerSpan(1, 4), 4, 8, f.t0) == Answer::kBulk);
  f.ApplyAll();
  CHECK(f.replica.cursor() == 8);
}

TEST_CASE("FetchPlanner waits for a silent feed before fetching past a head it heard of",
          "[node][fetch]") {
  FetchPlannerFixture f;
  f.Connect(0);
  f.Taken();
  f.planner.NoteFeed(f.t0);
  f.planner.NoteHead(20);  // a PONG: the feed may still be on its way
  f.planner.RequestIfBehind(f.t0);
  f.planner.RequestIfBehind(f.t0 + milliseconds(400));
  f.planner.NoteFeed(f.t0 + milliseconds(500));  // a BATCH came
  f.planner.RequestIfBehind(f.t0 + milliseconds(1400));
  CHECK(f.Taken().empty());
  f.planner.RequestIfBehind(f.t0 + milliseconds(1500));
  CHECK(IsBulkFetch(f.OneSent(), 1));
}

TEST_CASE("FetchPlanner gives up an unanswered FETCH and ignores its late answer",
          "[node][fetch]") {
  FetchPlannerFixture f;
  const json abandoned = f.ConnectBehind(10);
  f.planner.Tick(f.t0 + milliseconds(10000));
  CHECK(f.planner.fetch_outstanding());
  f.planner.Tick(f.t0 + milliseconds(10001));
  CHECK_FALSE(f.planner.fetch_outstanding());

  // The priority lane's FETCH, unanswered as long, is asked again.
  const json priority_again = f.OneSent();
  CHECK(priority_again.value("lane", "") == "priority");
  const auto later = f.t0 + milliseconds(10001);
  f.planner.RequestIfBehind(later);
  f.planner.RequestIfBehind(later + milliseconds(300));
  const json retry = f.OneSent();
  REQUIRE(IsBulkFetch(retry, 1));
  CHECK(retry.at("id") != abandoned.at("id"));

  CHECK(f.Reply(abandoned, FetchPlannerSpan(1, 10), 10, 10, later) == Answer::kNone);
  CHECK(f.applier.buffered_records() == 0);
  CHECK(f.Reply(retry, FetchPlannerSpan(1, 10), 10, 10, later) == Answer::kBulk);
  CHECK(f.applier.buffered_records() == 10);
}

TEST_CASE("FetchPlanner keeps only an answer's records in gseq order within its span",
          "[node][fetch]") {
  FetchPlannerFixture f;
  f.Connect(10);
  const json fetch = f.Taken().at(1);
  CHECK(f.Reply(fetch, {1, 2, 2, 5, 4, 12}, 10, 10, f.t0) == Answer::kBulk);
  CHECK(f.applier.buffered_records() == 3);  // 1, 2, 5
  CHECK(f.applier.ChainEnd() == 10);         // the answer covers 1..10
  f.ApplyAll();
  auto held = f.db.QueryInt("SELECT count(*) FROM records");
  RequireOk(held.status());
  CHECK(held->value_or(0) == 3);
}

TEST_CASE("FetchPlanner fetches no further ahead of the cursor than its limit", "[node][fetch]") {
  FetchPlanner::Limits limits;
  limits.fetch_max = 10;
  limits.max_fetch_ahead = 20;
  FetchPlannerFixture f(limits);
  f.Connect(100);
  json fetch = f.Taken().at(1);
  CHECK(f.Reply(fetch, FetchPlannerSpan(1, 10), 10, 100, f.t0) == Answer::kBulk);
  fetch = f.Taken().at(0);
  REQUIRE(IsBulkFetch(fetch, 11));
  CHECK(f.Reply(fetch, FetchPlannerSpan(11, 20), 20, 100, f.t0) == Answer::kBulk);
  CHECK(f.Taken().empty());  // 21 would be 21 gseqs ahead of the cursor
  f.planner.RequestIfBehind(f.t0 + std::chrono::seconds(5));
  CHECK(f.Taken().empty());
  // Applied: the next slice is asked for.
  f.ApplyAll();
  f.planner.MoreIfRoom(f.t0);
  CHECK(IsBulkFetch(f.OneSent(), 21));
}

TEST_CASE("FetchPlanner asks for the priority lane until an answer reaches the head",
          "[node][fetch]") {
  FetchPlannerFixture f;
  f.Connect(50);
  const json lane = f.Taken().at(0);
  REQUIRE(lane.value("lane", "") == "priority");
  const int64_t id = lane.at("id");
  const std::string uuid = Uuid7::Generate();
  f.planner.OnRecords(
      Frame({{"t", "RECORDS"},
             {"id", id},
             {"records", {cen::test::AsStored(cen::test::WireAlert("A-1", uuid, 1), 40)}}}));
  CHECK(f.applier.priority_waiting() == 1);
  CHECK(f.applier.urgent_waiting());

  SECTION("an answer ending below the head asks for the rest") {
    CHECK(f.planner.OnUpto(
              Frame({{"t", "UPTO"}, {"id", id}, {"upto", 30}, {"head", 50}, {"lane", "priority"}}),
              f.t0) == Answer::kPriority);
    std::vector<json> more = f.Taken();
    REQUIRE(more.size() == 1);
    CHECK(more[0].value("lane", "") == "priority");
    CHECK(more[0].value("from", -1) == 31);
  }
  SECTION("a hub that does not know the lane answered with everything: asked once") {
    CHECK(f.planner.OnUpto(Frame({{"t", "UPTO"}, {"id", id}, {"upto", 30}, {"head", 50}}), f.t0) ==
          Answer::kPriority);
    CHECK(f.Taken().empty());
    CHECK_FALSE(f.planner.priority_catching_up());
  }
  SECTION("the catch-up is over only once an answer reaches the head, whatever is forgotten") {
    CHECK(f.planner.priority_catching_up());
    // The link is lost before the answer: no FETCH outstanding, not over.
    f.planner.Disconnected();
    CHECK_FALSE(f.planner.priority_outstanding());
    CHECK(f.planner.priority_catching_up());
    f.Connect(50);
    const json again = f.Taken().at(0);
    REQUIRE(again.value("lane", "") == "priority");
    CHECK(f.planner.OnUpto(Frame({{"t", "UPTO"},
                                  {"id", again.at("id")},
                                  {"upto", 50},
                                  {"head", 50},
                                  {"lane", "priority"}}),
                           f.t0) == Answer::kPriority);
    CHECK_FALSE(f.planner.priority_catching_up());
  }
}

TEST_CASE("FetchPlanner asks nothing while the hub is away or the link refuses", "[node][fetch]") {
  FetchPlannerFixture f;
  f.Connect(10);
  REQUIRE(f.Taken().size() == 2);
  f.planner.Disconnected();
  CHECK_FALSE(f.planner.fetch_outstanding());
  CHECK_FALSE(f.planner.priority_outstanding());
  f.planner.RequestIfBehind(f.t0, /*at_once=*/true);
  f.planner.RequestPriority(1);
  CHECK(f.Taken().empty());

  // Connected, but the frame could not be sent: asked again at the next turn.
  f.link_up = false;
  f.Connect(10);
  CHECK_FALSE(f.planner.fetch_outstanding());
  f.link_up = true;
  f.planner.RequestIfBehind(f.t0 + milliseconds(300));
  CHECK(IsBulkFetch(f.OneSent(), 1));
}
