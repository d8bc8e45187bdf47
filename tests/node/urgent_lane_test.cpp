#include "node/agent/urgent_lane.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::node::AgentDoorbell;
using cen::node::FeedApplier;
using cen::node::FeedReader;
using cen::node::FetchPlanner;
using cen::node::Replica;
using cen::node::UrgentLane;
using cen::test::RequireOk;
using nlohmann::json;
using namespace std::chrono_literals;
namespace frame = cen::common::frame;

namespace {

// A real replica at epoch E1 with its applier, reader and fetch planner, and
// the priority feed as a real ZeroMQ socket pair: the test sends on `hub`.
struct UrgentLaneFixture {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateNodeDb(tmp, "n2");
  Replica replica{&db};
  FeedApplier applier{&replica};
  std::vector<json> fetches_sent;
  FetchPlanner fetches{&applier, &replica, [this](const std::string& f) {
                         fetches_sent.push_back(*WireFrame::Decode(f));
                         return true;
                       }};
  FeedReader reader{&applier, &fetches, &replica};
  zmq::context_t ctx;
  zmq::socket_t hub{ctx, zmq::socket_type::pair};
  zmq::socket_t feed{ctx, zmq::socket_type::pair};
  UrgentLane lane{&reader,
                  &fetches,
                  &applier,
                  &replica,
                  nullptr,
                  {[this]() -> std::optional<zmq::message_t> {
                     zmq::message_t m;
                     if (!feed.recv(m, zmq::recv_flags::dontwait)) return std::nullopt;
                     return m;
                   },
                   [this] { return (feed.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0; }}};
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();

  UrgentLaneFixture() {
    RequireOk(replica.Load());
    RequireOk(replica.SetEpoch("E1"));
    feed.bind("inproc://priority");
    hub.connect("inproc://priority");
  }

  void Send(const json& f) { hub.send(zmq::buffer(WireFrame::Encode(f))); }
  void SendAlert(const json& alert) {
    Send({{"t", frame::kPriority}, {"epoch", "E1"}, {"records", {alert}}});
  }
  // Waits until the pair socket has the message (inproc is asynchronous).
  void Arrived() {
    zmq::pollitem_t item{feed.handle(), 0, ZMQ_POLLIN, 0};
    REQUIRE(zmq::poll(&item, 1, 1000ms) == 1);
  }
  // gseqs 1..n as one BATCH on the bulk feed.
  void Backlog(int64_t n) {
    json records = json::array();
    for (int64_t g = 1; g <= n; ++g)
      records.push_back(cen::test::AsStored(
          cen::test::WireSeizure("S-" + std::to_string(g), Uuid7::Generate()), g));
    REQUIRE(reader.OnBulk(WireFrame::Encode({{"t", frame::kBatch},
                                             {"epoch", "E1"},
                                             {"first", 1},
                                             {"last", n},
                                             {"records", records}}),
                          now) == FeedReader::Seen::kBatch);
  }
  int64_t Held(const std::string& uuid) {
    auto n = db.QueryInt("SELECT count(*) FROM records WHERE uuid = '" + uuid + "'");
    REQUIRE(n.ok());
    return n->value_or(0);
  }
};

json UrgentLaneAlert(int64_t gseq, const std::string& priority, std::string* uuid) {
  *uuid = Uuid7::Generate();
  return cen::test::AsStored(cen::test::WireAlert("A-" + std::to_string(gseq), *uuid, 1, priority),
                             gseq);
}

}  // namespace

TEST_CASE("UrgentLane holds bulk work while submit waits for the write lock, at most 50 ms",
          "[node][priority]") {
  UrgentLaneFixture f;
  const auto t0 = f.now;
  CHECK_FALSE(f.lane.Held(t0));
  f.lane.OnRing({.queued = false, .waiting = true}, t0);  // submit knocked: about to write
  CHECK(f.lane.Held(t0 + 10ms));
  CHECK(f.lane.held_until() == t0 + UrgentLane::kKnockHold);
  // Another knock while held does not extend the hold: submits in a stream
  // must not stop the backlog.
  f.lane.OnRing({.queued = true, .waiting = true}, t0 + 40ms);
  CHECK_FALSE(f.lane.Held(t0 + UrgentLane::kKnockHold));
  // Its commit's ring ends the hold at once.
  f.lane.OnRing({.queued = false, .waiting = true}, t0 + 100ms);
  CHECK(f.lane.Held(t0 + 110ms));
  f.lane.OnRing({.queued = true, .waiting = false}, t0 + 120ms);
  CHECK_FALSE(f.lane.Held(t0 + 121ms));
}

TEST_CASE("UrgentLane cuts a bulk slice short for an urgent alert, which is applied first",
          "[node][priority]") {
  UrgentLaneFixture f;
  f.Backlog(400);
  std::string urgent;
  f.SendAlert(UrgentLaneAlert(900, "urgent", &urgent));
  f.Arrived();

  // The slice asks between records; the alert on the feed ends it.
  auto applied =
      f.applier.ApplySlice(std::chrono::steady_clock::time_point::max(), f.lane.Interrupt());
  RequireOk(applied.status());
  CHECK(*applied < 400);
  CHECK(f.replica.cursor() == static_cast<int64_t>(*applied));
  CHECK(f.applier.urgent_waiting());
  CHECK(f.Held(urgent) == 0);

  RequireOk(f.applier.ApplyPriority().status());
  CHECK(f.Held(urgent) == 1);  // visible, 500 gseqs ahead of the cursor
  CHECK(f.replica.cursor() < 400);
  CHECK_FALSE(f.lane.Interrupt()());  // nothing waits any more
}

TEST_CASE("UrgentLane lets a slice finish for a high alert, read in meanwhile",
          "[node][priority]") {
  UrgentLaneFixture f;
  f.Backlog(100);
  std::string high;
  f.SendAlert(UrgentLaneAlert(500, "high", &high));
  f.Arrived();
  auto applied =
      f.applier.ApplySlice(std::chrono::steady_clock::time_point::max(), f.lane.Interrupt());
  RequireOk(applied.status());
  CHECK(*applied == 100);
  CHECK(f.applier.priority_waiting() == 1);  // read in, applied when the slice ends
  RequireOk(f.applier.ApplyPriority().status());
  CHECK(f.Held(high) == 1);
}

TEST_CASE("UrgentLane ends a slice when submit rings, and asks for the lane when granted",
          "[node][priority]") {
  UrgentLaneFixture f;
  SECTION("a ring: submit may have queued an urgent alert to send") {
    auto bell = AgentDoorbell::Listen(f.tmp.path());
    REQUIRE(bell.ok());
    f.lane.set_bell(&*bell);
    CHECK_FALSE(f.lane.Interrupt()());
    AgentDoorbell::Ring(f.tmp.path());
    for (int i = 0; i < 100 && !bell->Rung(); ++i) std::this_thread::sleep_for(10ms);
    CHECK(f.lane.Interrupt()());
    bell->Clear();
    CHECK_FALSE(f.lane.Interrupt()());
  }
  SECTION("the hub's grant of the priority topic: the lane after the cursor is fetched") {
    f.fetches.Connected(10);
    f.fetches_sent.clear();
    f.Send({{"t", frame::kHead}, {"epoch", "E1"}, {"head", 10}});
    f.Arrived();
    f.lane.Receive();
    REQUIRE(f.fetches_sent.size() == 1);
    CHECK(f.fetches_sent[0]["lane"] == frame::kPriorityLane);
    CHECK(f.fetches_sent[0]["from"] == 1);
  }
}

TEST_CASE(
    "UrgentLane reads the priority feed between loop steps and says when an urgent alert waits",
    "[node][priority]") {
  UrgentLaneFixture f;
  CHECK_FALSE(f.lane.UrgentNow());  // nothing on the feed
  std::string high;
  f.SendAlert(UrgentLaneAlert(5, "high", &high));
  f.Arrived();
  // A high alert is read in but does not call for the urgent path.
  CHECK_FALSE(f.lane.UrgentNow());
  CHECK(f.applier.priority_waiting() == 1);
  std::string urgent;
  f.SendAlert(UrgentLaneAlert(6, "urgent", &urgent));
  f.Arrived();
  CHECK(f.lane.UrgentNow());
  CHECK(f.applier.priority_waiting() == 2);
  REQUIRE(f.applier.ApplyPriority().ok());
  CHECK(f.Held(high) == 1);
  CHECK(f.Held(urgent) == 1);
  CHECK_FALSE(f.lane.UrgentNow());
}

TEST_CASE("UrgentLane with a watch asks the feed only when it knocked, and ends the slice then",
          "[node][priority]") {
  UrgentLaneFixture f;
  cen::common::UrgentWatch watch(0);
  f.lane.set_watch(&watch);
  watch.Watch({f.feed.get(zmq::sockopt::fd)});
  // The socket's news read, its pipe found empty: the next message knocks.
  zmq::message_t none;
  REQUIRE_FALSE(f.feed.recv(none, zmq::recv_flags::dontwait));
  f.Backlog(400);
  auto knocked = [&] {
    for (int i = 0; i < 500 && !watch.knocked(); ++i) std::this_thread::sleep_for(10ms);
    return watch.knocked();
  };
  SECTION("an urgent alert: the slice ends at the knock") {
    std::string urgent;
    f.SendAlert(UrgentLaneAlert(900, "urgent", &urgent));
    REQUIRE(knocked());
    auto applied =
        f.applier.ApplySlice(std::chrono::steady_clock::time_point::max(), f.lane.Interrupt());
    RequireOk(applied.status());
    CHECK(*applied < 400);
    CHECK(f.applier.urgent_waiting());
  }
  SECTION("a high alert: read in at the knock, which is answered; the slice goes on") {
    std::string high;
    f.SendAlert(UrgentLaneAlert(500, "high", &high));
    REQUIRE(knocked());
    auto applied =
        f.applier.ApplySlice(std::chrono::steady_clock::time_point::max(), f.lane.Interrupt());
    RequireOk(applied.status());
    CHECK(*applied == 400);
    CHECK(f.applier.priority_waiting() == 1);
    CHECK_FALSE(watch.knocked());
  }
  SECTION("no knock, no look: a slice applies everything") {
    auto applied =
        f.applier.ApplySlice(std::chrono::steady_clock::time_point::max(), f.lane.Interrupt());
    RequireOk(applied.status());
    CHECK(*applied == 400);
  }
}
