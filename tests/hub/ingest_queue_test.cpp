#include "hub/ingest_queue.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "tests/test_support/sample_records.h"

using cen::common::MsgpackJson;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::IngestQueue;
using nlohmann::json;
namespace frame = cen::common::frame;

namespace {

std::string IngestQueuePublish(const std::vector<json>& records) {
  std::vector<std::string> encoded;
  for (const auto& r : records) encoded.push_back(MsgpackJson::Encode(r));
  return WireFrame::EncodeRecords(frame::kPublish, encoded);
}

json IngestQueueSeizure(int i) {
  return cen::test::WireSeizure("S-" + std::to_string(i), Uuid7::Generate());
}
json IngestQueueAlert(const std::string& priority) {
  return cen::test::WireAlert("A-" + priority, Uuid7::Generate(), 1, priority);
}

// A ROUTER and a DEALER over inproc, and the queue on the ROUTER.
struct Pair {
  zmq::context_t ctx;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  bool allow_peek = true;
  // Room for about three one-seizure PUBLISH frames in the bulk queue.
  IngestQueue queue{
      &router, [this](zmq::message_t&) { return allow_peek; },
      3 * (IngestQueuePublish({IngestQueueSeizure(0)}).size() + 5 + IngestQueue::kMessageOverhead) -
          10};
  Pair() {
    router.bind("inproc://ingest");
    dealer.connect("inproc://ingest");
  }
  void Send(const std::string& bytes) { (void)dealer.send(zmq::buffer(bytes)); }
  // Intake until `n` messages were taken (inproc delivery is asynchronous).
  void TakeIn(size_t n) {
    size_t taken = 0;
    for (int i = 0; i < 200 && taken < n; ++i) {
      taken += queue.Intake();
      if (taken < n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(taken == n);
  }
};

std::string Body(IngestQueue::Message& m) { return m.back().to_string(); }

}  // namespace

TEST_CASE("WireFrame::CarriesPriority spots urgent and high alerts in a PUBLISH", "[hub][ingest]") {
  CHECK(WireFrame::CarriesPriority(
      IngestQueuePublish({IngestQueueSeizure(1), IngestQueueAlert("urgent")})));
  CHECK(WireFrame::CarriesPriority(IngestQueuePublish({IngestQueueAlert("high")})));
  CHECK_FALSE(WireFrame::CarriesPriority(
      IngestQueuePublish({IngestQueueSeizure(1), IngestQueueAlert("normal")})));
  CHECK_FALSE(WireFrame::CarriesPriority(IngestQueuePublish({})));
  // Another frame type, broken bytes, a record that is not a map: never.
  CHECK_FALSE(WireFrame::CarriesPriority(WireFrame::EncodeRecords(
      frame::kRecords, {MsgpackJson::Encode(IngestQueueAlert("urgent"))})));
  CHECK_FALSE(
      WireFrame::CarriesPriority(IngestQueuePublish({IngestQueueAlert("urgent")}).substr(0, 40)));
  CHECK_FALSE(WireFrame::CarriesPriority("\xc1"));
  CHECK_FALSE(WireFrame::CarriesPriority(WireFrame::Encode(
      {{"t", frame::kPublish}, {"records", json::array({1, "x", json::array()})}})));
}

TEST_CASE("WireFrame::CarriesPriority takes a frame that says \"bulk\" at its word",
          "[hub][ingest]") {
  std::vector<std::string> encoded;
  for (const auto& r : {IngestQueueSeizure(1), IngestQueueAlert("urgent")})
    encoded.push_back(MsgpackJson::Encode(r));
  const std::string declared = WireFrame::EncodePublish(encoded, /*bulk_only=*/true);
  CHECK(WireFrame::DeclaredLane(declared) == "bulk");
  // Its records are not read: a sender can only lose priority by the claim.
  CHECK_FALSE(WireFrame::CarriesPriority(declared));
  const std::string plain = WireFrame::EncodePublish(encoded, /*bulk_only=*/false);
  CHECK(WireFrame::DeclaredLane(plain).empty());
  CHECK(WireFrame::CarriesPriority(plain));
  // Only a top-level string before the records counts.
  const json after = {{"t", frame::kPublish},
                      {"records", json::array({IngestQueueAlert("urgent")})},
                      {"zlane", "x"}};
  CHECK(WireFrame::DeclaredLane(WireFrame::Encode(after)).empty());
  CHECK(
      WireFrame::DeclaredLane(
          WireFrame::Encode({{"a", {{"lane", "bulk"}}}, {"lane", "high"}, {"t", frame::kPublish}}))
          .empty());
  CHECK(WireFrame::DeclaredLane(WireFrame::Encode({{"lane", "high"}, {"t", frame::kPublish}})) ==
        "high");
  CHECK(WireFrame::DeclaredLane(declared.substr(0, 8)).empty());
  CHECK(WireFrame::DeclaredLane("\xc1").empty());
  CHECK(WireFrame::DeclaredLane("").empty());
}

TEST_CASE("WireFrame::DeclaredType reads a frame's type without its records", "[hub][ingest]") {
  // What the hub answers while its bulk commits wait for a checkpoint.
  CHECK(WireFrame::DeclaredType(WireFrame::Encode({{"t", frame::kFetch}, {"from", 7}})) ==
        frame::kFetch);
  CHECK(WireFrame::DeclaredType(WireFrame::Encode({{"t", frame::kPing}, {"outbox", 0}})) ==
        frame::kPing);
  std::vector<std::string> encoded = {MsgpackJson::Encode(IngestQueueSeizure(1))};
  CHECK(WireFrame::DeclaredType(WireFrame::EncodePublish(encoded, /*bulk_only=*/true)) ==
        frame::kPublish);
  // After the records, or not a string: unknown, so taken for a write.
  CHECK(
      WireFrame::DeclaredType(WireFrame::Encode({{"records", json::array({IngestQueueSeizure(2)})},
                                                 {"t", frame::kFetch}}))
          .empty());
  CHECK(WireFrame::DeclaredType(WireFrame::Encode({{"t", 5}})).empty());
  CHECK(WireFrame::DeclaredType("\xc1").empty());
}

TEST_CASE("IngestQueue queues a frame that says \"bulk\" as bulk, and finds the urgent one behind",
          "[hub][ingest]") {
  Pair p;
  std::vector<std::string> encoded;
  for (const auto& r : {IngestQueueSeizure(1), IngestQueueAlert("urgent")})
    encoded.push_back(MsgpackJson::Encode(r));
  const std::string declared = WireFrame::EncodePublish(encoded, /*bulk_only=*/true);
  const std::string urgent = WireFrame::EncodePublish(encoded, /*bulk_only=*/false);
  p.Send(declared);
  p.Send(urgent);
  p.TakeIn(2);
  auto first = p.queue.NextPriority();
  REQUIRE(first.has_value());
  CHECK(Body(*first) == urgent);
  auto bulk = p.queue.NextBulk();
  REQUIRE(bulk.has_value());
  CHECK(Body(*bulk) == declared);
  CHECK(p.queue.empty());
}

TEST_CASE("IngestQueue puts frames carrying urgent alerts ahead of bulk", "[hub][ingest]") {
  Pair p;
  const std::string bulk1 = IngestQueuePublish({IngestQueueSeizure(1), IngestQueueSeizure(2)});
  const std::string hello = WireFrame::Encode({{"t", frame::kHello}, {"proto", 1}});
  const std::string urgent =
      IngestQueuePublish({IngestQueueSeizure(3), IngestQueueAlert("urgent")});
  p.Send(bulk1);
  p.Send(hello);
  p.Send(urgent);
  p.TakeIn(3);

  auto first = p.queue.NextPriority();
  REQUIRE(first.has_value());
  CHECK(Body(*first) == urgent);
  CHECK_FALSE(p.queue.NextPriority().has_value());
  auto b1 = p.queue.NextBulk();
  auto b2 = p.queue.NextBulk();
  REQUIRE(b1.has_value());
  REQUIRE(b2.has_value());
  CHECK(Body(*b1) == bulk1);  // the bulk keeps its order
  CHECK(Body(*b2) == hello);
  CHECK(p.queue.empty());
}

TEST_CASE("IngestQueue holds a bounded bulk backlog and never peeks an untrusted sender",
          "[hub][ingest]") {
  Pair p;
  for (int i = 0; i < 5; ++i) p.Send(IngestQueuePublish({IngestQueueSeizure(i)}));
  p.TakeIn(3);  // the bound: the other two wait in the socket
  CHECK(p.queue.bulk_waiting() == 3);
  CHECK(p.queue.bulk_full());
  CHECK(p.queue.Intake() == 0);
  (void)p.queue.NextBulk();
  CHECK_FALSE(p.queue.bulk_full());
  p.TakeIn(1);
  CHECK(p.queue.bulk_waiting() == 3);

  while (p.queue.NextBulk()) {
  }
  p.TakeIn(1);
  while (p.queue.NextBulk()) {
  }
  p.allow_peek = false;  // e.g. a revoked node: its bytes are not parsed
  p.Send(IngestQueuePublish({IngestQueueAlert("urgent")}));
  p.TakeIn(1);
  CHECK_FALSE(p.queue.NextPriority().has_value());
  CHECK(p.queue.NextBulk().has_value());
}

TEST_CASE("IngestQueue finds an urgent frame behind more bulk frames than a node keeps in flight",
          "[hub][ingest]") {
  // What a national export looks like from the hub: a node's whole window of
  // PUBLISH frames waiting (64 frames of 256 records), then another office's
  // urgent alert. The alert must not wait in the socket until the bulk
  // queue has room.
  zmq::context_t ctx;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  router.bind("inproc://ingest-window");
  dealer.connect("inproc://ingest-window");
  IngestQueue queue{&router, [](zmq::message_t&) { return true; }};
  const int frames = 100;
  for (int i = 0; i < frames; ++i)
    (void)dealer.send(zmq::buffer(IngestQueuePublish({IngestQueueSeizure(i)})));
  const std::string urgent = IngestQueuePublish({IngestQueueAlert("urgent")});
  (void)dealer.send(zmq::buffer(urgent));
  size_t taken = 0;
  for (int i = 0; i < 200 && taken < frames + 1; ++i) {
    taken += queue.Intake();
    if (taken < frames + 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(taken == frames + 1);
  auto first = queue.NextPriority();
  REQUIRE(first.has_value());
  CHECK(Body(*first) == urgent);
  CHECK(queue.bulk_waiting() == frames);
}

TEST_CASE("IngestQueue::Intake returns once it has queued a priority frame", "[hub][ingest]") {
  Pair p;
  const std::string urgent = IngestQueuePublish({IngestQueueAlert("urgent")});
  p.Send(urgent);
  for (int i = 0; i < 2; ++i) p.Send(IngestQueuePublish({IngestQueueSeizure(i)}));
  p.TakeIn(1);  // the urgent frame alone: the hub commits it before reading on
  CHECK(p.queue.bulk_waiting() == 0);
  auto first = p.queue.NextPriority();
  REQUIRE(first.has_value());
  CHECK(Body(*first) == urgent);
  p.TakeIn(2);
  CHECK(p.queue.bulk_waiting() == 2);
}

TEST_CASE("IngestQueue takes back messages whose commit failed, in front and in order",
          "[hub][ingest]") {
  Pair p;
  const std::string a = IngestQueuePublish({IngestQueueSeizure(1)});
  const std::string b = IngestQueuePublish({IngestQueueSeizure(2)});
  const std::string c = IngestQueuePublish({IngestQueueSeizure(3)});
  p.Send(a);
  p.Send(b);
  p.Send(c);
  p.TakeIn(3);
  std::vector<IngestQueue::Message> taken;
  taken.push_back(*p.queue.NextBulk());
  taken.push_back(*p.queue.NextBulk());
  p.queue.Requeue(std::move(taken), /*priority=*/false);
  std::vector<std::string> order;
  while (auto m = p.queue.NextBulk()) order.push_back(Body(*m));
  CHECK(order == std::vector<std::string>{a, b, c});
}
