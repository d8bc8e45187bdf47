// A single hub says nothing of a bulk commit before hub.db's log is durable
// (DESIGN guarantee 4): over real sockets, with the log's sync held back or
// failing.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/hub_server.h"
#include "tests/hub/test_hub.h"
#include "tests/test_support/sample_records.h"

using cen::common::CurveKeys;
using cen::common::MsgpackJson;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::HubServer;
using cen::test::FeedClient;
using cen::test::IngestClient;
using cen::test::Show;
using cen::test::TestHub;
using cen::test::Topic;
using nlohmann::json;
namespace frame = cen::common::frame;
using namespace std::chrono_literals;

namespace {

// hub.db's log sync as the test decides: done while open, held while shut,
// failing (EIO) once told to. Open again when destroyed: a hub that stops
// syncs its log once more.
class SyncGate {
 public:
  SyncGate() = default;
  ~SyncGate() { Open(); }
  SyncGate(const SyncGate&) = delete;
  SyncGate& operator=(const SyncGate&) = delete;

  HubServer::Options Options() const {
    HubServer::Options options;
    options.wal_sync = [state = state_](int fd) {
      std::unique_lock<std::mutex> lock(state->mu);
      ++state->asked;
      state->changed.notify_all();
      state->changed.wait(lock, [&] { return state->open || state->fail; });
      if (state->fail) {
        errno = EIO;
        return -1;
      }
      lock.unlock();
      return ::fdatasync(fd);
    };
    return options;
  }
  void Shut() {
    Set([](State& s) { s.open = false; });
  }
  void Open() {
    Set([](State& s) { s.open = true; });
  }
  void Fail() {
    Set([](State& s) { s.fail = true; });
  }
  // Waits until the hub has asked for a sync: a bulk commit is held.
  bool Asked(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(state_->mu);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->asked > 0; });
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable changed;
    bool open = true;
    bool fail = false;
    int asked = 0;
  };
  template <typename Edit>
  void Set(Edit edit) {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      edit(*state_);
    }
    state_->changed.notify_all();
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

json HubDurabilitySeizure(const std::string& ref) {
  return cen::test::WireSeizure(ref, Uuid7::Generate());
}
json Urgent(const std::string& ref) { return cen::test::WireAlert(ref, Uuid7::Generate()); }

// A PUBLISH of `records`, sent without waiting for its ACK.
void SendPublish(IngestClient& client, const std::vector<json>& records) {
  std::vector<std::string> encoded;
  for (const json& r : records) encoded.push_back(MsgpackJson::Encode(r));
  client.SendBytes(WireFrame::EncodeRecords(frame::kPublish, encoded));
}

// The head the hub reports (PONG).
int64_t Head(IngestClient& client) {
  client.Send({{"t", frame::kPing}, {"replica_gseq", 0}, {"outbox", 0}});
  return client.Expect(frame::kPong)["head"].get<int64_t>();
}

// The ACK of a one-record PUBLISH: its record's status.
std::string AckedStatus(const json& ack, const json& record) {
  INFO(Show(ack));
  REQUIRE(ack["acks"].size() == 1);
  CHECK(ack["acks"][0]["uuid"] == record["uuid"]);
  return ack["acks"][0]["status"].get<std::string>();
}

// A hub whose log sync is held back (the gate shut once the node said
// HELLO), and node n1's ingest connection to it.
class HeldLog {
 public:
  HeldLog() : n1(hub.Register("n1", "EU")) {
    hub.Start(gate.Options());
    client.emplace(ctx, hub, n1);
    (void)client->Hello();
    gate.Shut();
  }

 protected:
  // Publishes a seizure in a bulk commit that the hub holds (it asked for
  // the sync the gate keeps back) and returns it.
  json PublishHeld() {
    const json record = HubDurabilitySeizure("R1");
    SendPublish(*client, {record});
    REQUIRE(gate.Asked(10s));
    return record;
  }

  TestHub hub;
  const CurveKeys n1;
  SyncGate gate;  // opened before the hub stops
  zmq::context_t ctx;
  std::optional<IngestClient> client;
};

}  // namespace

TEST_CASE_METHOD(HeldLog,
                 "HubServer acks, serves and reports a bulk commit only once its log is synced",
                 "[hub][server][durability]") {
  const json record = PublishHeld();
  // Written to hub.db's log, not yet durable: no head, no FETCH, no ACK
  // (one sent before the PONG would fail Head's Expect).
  CHECK(Head(*client) == 0);
  CHECK_FALSE(client->Receive(300ms).has_value());
  CHECK(client->Fetch(1, 100).first.empty());

  gate.Open();
  CHECK(AckedStatus(client->Expect(frame::kAck), record) == "NEW");
  CHECK(Head(*client) == 1);
  const auto fetched = client->Fetch(1, 100).first;
  REQUIRE(fetched.size() == 1);
  CHECK(fetched[0]["uuid"] == record["uuid"]);
}

TEST_CASE_METHOD(
    HeldLog,
    "HubServer answers a priority frame that journaled nothing after the unsynced commit before it",
    "[hub][server][durability]") {
  const json bulk = PublishHeld();
  // An urgent alert that is refused commits nothing, so it syncs nothing:
  // answering it must not answer for the bulk commit before it either.
  json refused = Urgent("U-BAD");
  refused["version"] = 0;
  SendPublish(*client, {refused});
  // A PING is bulk: answered after the priority frame before it was handled.
  // An ACK sent then would come before the PONG and fail Head's Expect.
  CHECK(Head(*client) == 0);
  CHECK_FALSE(client->Receive(300ms).has_value());

  gate.Open();
  CHECK(AckedStatus(client->Expect(frame::kAck), bulk) == "NEW");
  CHECK(AckedStatus(client->Expect(frame::kAck), refused) == "REJECTED");
  CHECK(Head(*client) == 1);
}

TEST_CASE_METHOD(HeldLog,
                 "HubServer acks an urgent alert at once, after the unsynced bulk commit before it",
                 "[hub][server][durability]") {
  const json bulk = PublishHeld();
  // The alert's commit syncs the log (synchronous=FULL), and so the bulk
  // commit written before it: both are answered, in gseq order, while the
  // syncer is still held.
  const json alert = Urgent("U1");
  SendPublish(*client, {alert});
  const json first = client->Expect(frame::kAck);
  CHECK(AckedStatus(first, bulk) == "NEW");
  CHECK(first["acks"][0]["gseq"] == 1);
  const json second = client->Expect(frame::kAck);
  CHECK(AckedStatus(second, alert) == "NEW");
  CHECK(second["acks"][0]["gseq"] == 2);
  CHECK(Head(*client) == 2);
  const auto fetched = client->Fetch(1, 100).first;
  REQUIRE(fetched.size() == 2);
  CHECK(fetched[0]["uuid"] == bulk["uuid"]);
  CHECK(fetched[1]["uuid"] == alert["uuid"]);
}

TEST_CASE_METHOD(HeldLog,
                 "HubServer puts an urgent alert on the feed before the bulk commit it releases",
                 "[hub][server][durability]") {
  FeedClient feed(ctx, hub, n1, {Topic("n1"), WireFrame::PriorityTopic("n1")});
  const auto granted = feed.Receive();  // the HEAD sent with the grant
  REQUIRE(granted.has_value());
  REQUIRE(WireFrame::Type(granted->frame) == frame::kHead);
  const json bulk = PublishHeld();
  const json alert = Urgent("U1");
  SendPublish(*client, {alert});
  // The offices get the alert first; the bulk feed stays in gseq order.
  const auto first = feed.ReceiveBatch();
  REQUIRE(first.has_value());
  CHECK(first->topic == WireFrame::PriorityTopic("n1"));
  CHECK(first->frame["records"][0]["uuid"] == alert["uuid"]);
  const auto second = feed.ReceiveBatch();
  REQUIRE(second.has_value());
  CHECK(second->topic == Topic("n1"));
  CHECK(second->frame["last"] == 1);
  CHECK(second->frame["records"][0]["uuid"] == bulk["uuid"]);
  const auto third = feed.ReceiveBatch();
  REQUIRE(third.has_value());
  CHECK(third->topic == Topic("n1"));
  CHECK(third->frame["first"] == 2);
  CHECK(third->frame["records"][0]["uuid"] == alert["uuid"]);
  // Its ACKs stay in gseq order too.
  CHECK(AckedStatus(client->Expect(frame::kAck), bulk) == "NEW");
  CHECK(AckedStatus(client->Expect(frame::kAck), alert) == "NEW");
}

TEST_CASE_METHOD(HeldLog, "HubServer stops on a failed log sync without acknowledging what it held",
                 "[hub][server][durability]") {
  const json record = PublishHeld();
  gate.Fail();
  // Linux may have dropped pages it could not write: the hub stops rather
  // than call anything after that durable.
  CHECK_FALSE(client->Receive(1000ms).has_value());
  const auto stopped = hub.Stop();
  CHECK(stopped.code() == StatusCode::kUnavailable);
  CHECK_THAT(stopped.message(), Catch::Contains("hub.db-wal"));

  // The node offers the record again to the next run, which has it (here
  // the disk kept it) and says so.
  gate.Open();
  hub.Start();
  IngestClient again(ctx, hub, n1);
  (void)again.Hello();
  const json acks = again.Publish({record});
  CHECK(acks[0]["status"] == "DUP");
  CHECK(acks[0]["gseq"] == 1);
}
