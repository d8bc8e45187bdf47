// The running hub over real CURVE sockets on 127.0.0.1, as a node agent sees it.
#include "hub/hub_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/msgpack_json.h"
#include "common/socket_options.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/hub_commands.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "tests/hub/test_hub.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/page_size.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Database;
using cen::common::MsgpackJson;
using cen::common::SocketOptions;
using cen::common::Status;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::HubCommands;
using cen::test::NewKeys;
using cen::test::RequireOk;
using cen::test::TempDir;
using cen::test::WireSeizure;
using nlohmann::json;
namespace frame = cen::common::frame;
using namespace std::chrono_literals;

namespace {

using cen::test::FeedClient;
using cen::test::IngestClient;
using cen::test::PortHolder;
using cen::test::Show;
using cen::test::TestHub;
using cen::test::Topic;

// The README's sample seizure, ready for the wire.
json HubServerSeizure(const std::string& ref) { return WireSeizure(ref, Uuid7::Generate()); }

json WithScope(json record, const std::string& scope) {
  record["scope"] = scope;
  return record;
}

}  // namespace

TEST_CASE("HubServer welcomes a registered node", "[hub][server]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);

  client.Send({{"t", frame::kHello},
               {"proto", frame::kProtocolVersion},
               {"node", "someone-else"},  // a claim the hub ignores
               {"replica_gseq", 0},
               {"outbox", 0}});
  const json welcome = client.Expect(frame::kWelcome);
  CHECK(welcome["node"] == "n1");  // the authenticated identity
  CHECK(welcome["region"] == "EU");
  CHECK(welcome["head"] == 0);
  CHECK(welcome["proto"] == frame::kProtocolVersion);
  CHECK(welcome["feed_port"] == hub.feed_port());
  CHECK(welcome["epoch"] == hub.Epoch());

  // A HELLO of another protocol version, or a mistyped one, gets ERROR, and
  // the hub keeps serving.
  for (const json& proto : {json(2), json("1"), json(nullptr)}) {
    INFO("proto " << Show(proto));
    client.Send({{"t", frame::kHello}, {"proto", proto}});
    CHECK(client.Expect(frame::kError)["code"] == "protocol");
  }

  // PING gets PONG with the head.
  client.Send({{"t", frame::kPing}, {"replica_gseq", 0}, {"outbox", 0}});
  const json pong = client.Expect(frame::kPong);
  CHECK(pong["head"] == 0);

  // The hub records what the node told it, for `cen-hub status`, and stops
  // cleanly when asked.
  RequireOk(hub.Stop());
  CHECK(hub.Query("SELECT count(*) FROM nodes WHERE id = 'n1' AND last_seen IS NOT NULL") == 1);
}

TEST_CASE("HubServer acks a published record after it is journaled", "[hub][server]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);
  (void)client.Hello();

  const json record = HubServerSeizure("R1");
  const json first = client.Publish({record})[0];
  CHECK(first["status"] == "NEW");
  CHECK(first["gseq"] == 1);
  CHECK(first["uuid"] == record["uuid"]);
  CHECK(first["version"] == 1);
  // On disk, from another connection, by the time the ACK arrives.
  CHECK(hub.Query("SELECT count(*) FROM journal") == 1);
  CHECK(hub.Query("SELECT count(*) FROM journal WHERE origin = 'n1' AND gseq = 1") == 1);

  const json again = client.Publish({record})[0];
  CHECK(again["status"] == "DUP");
  CHECK(again["gseq"] == 1);
  CHECK(hub.Query("SELECT count(*) FROM journal") == 1);

  // The same record twice in one frame.
  const json twin = HubServerSeizure("R2");
  const json acks = client.Publish({twin, twin});
  CHECK(acks[0]["status"] == "NEW");
  CHECK(acks[0]["gseq"] == 2);
  CHECK(acks[1]["status"] == "DUP");
  CHECK(acks[1]["gseq"] == 2);

  // An amendment by the origin gets the next gseq.
  json amended = record;
  amended["version"] = 2;
  amended["quantity"] = 2;
  const json amend_ack = client.Publish({amended})[0];
  CHECK(amend_ack["status"] == "NEW");
  CHECK(amend_ack["gseq"] == 3);

  // The head and the duplicates survive a hub restart.
  RequireOk(hub.Stop());
  hub.Start();
  IngestClient fresh(ctx, hub, n1);
  CHECK(fresh.Hello()["head"] == 3);
  CHECK(fresh.Publish({record})[0]["status"] == "DUP");
  const json next = fresh.Publish({HubServerSeizure("R3")})[0];
  CHECK(next["status"] == "NEW");
  CHECK(next["gseq"] == 4);
}

TEST_CASE("A single hub gives an old hub.db 16 KiB pages when it starts, its journal kept",
          "[hub][server]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  const json first = HubServerSeizure("R1");
  {
    hub.Start();
    zmq::context_t ctx;
    IngestClient client(ctx, hub, n1);
    (void)client.Hello();
    const json acks = client.Publish({first, HubServerSeizure("R2")});
    CHECK(acks[1]["gseq"] == 2);
    RequireOk(hub.Stop());
  }
  {
    // As every hub.db made before 2026-12-05.
    auto db = Database::Open(hub.DbPath(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    cen::test::SetPageSize(*db, 4096);
  }
  REQUIRE(hub.Query("PRAGMA page_size") == 4096);
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);
  CHECK(client.Hello()["head"] == 2);
  CHECK(client.Publish({first})[0]["status"] == "DUP");
  CHECK(client.Publish({HubServerSeizure("R3")})[0]["gseq"] == 3);
  RequireOk(hub.Stop());
  CHECK(hub.Query("PRAGMA page_size") == Database::kPageBytes);
  CHECK(hub.Query("SELECT count(*) FROM journal") == 3);
}

TEST_CASE("HubServer rejects an invalid record with a reason naming the field", "[hub][server]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);
  (void)client.Hello();

  struct HubServerCase {
    const char* field;
    json record;
  };
  std::vector<HubServerCase> cases;
  {
    json r = HubServerSeizure("BAD-UNIT");
    r["unit"] = "XYZ";
    cases.push_back({"unit", r});
  }
  {
    json r = HubServerSeizure("NO-DATE");
    r.erase("seizure_date");
    cases.push_back({"seizure_date", r});
  }
  {
    json r = HubServerSeizure("BAD-UUID");
    r["uuid"] = "not-a-uuid";
    cases.push_back({"uuid", r});
  }
  {
    json r = HubServerSeizure("BAD-VERSION");
    r["version"] = 0;
    cases.push_back({"version", r});
  }
  {
    json r = HubServerSeizure("BAD-SCOPE");
    r["scope"] = "everyone";
    cases.push_back({"scope", r});
  }
  {
    json r = HubServerSeizure("BAD-TEXT");
    r["description"] = std::string("\xff\xfe", 2);
    cases.push_back({"description", r});
  }
  cases.push_back({"(record)", json(42)});

  std::vector<json> records;
  for (const auto& c : cases) records.push_back(c.record);
  records.push_back(HubServerSeizure("GOOD"));  // valid records in the same frame still go in
  const json acks = client.Publish(records);
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].field << ": " << Show(acks[i]));
    CHECK(acks[i]["status"] == "REJECTED");
    CHECK_THAT(acks[i]["reason"].get<std::string>(),
               Catch::Contains(std::string(cases[i].field) + ":"));
    CHECK_FALSE(acks[i].contains("gseq"));
  }
  CHECK(acks[0]["uuid"] == cases[0].record["uuid"]);
  CHECK(acks.back()["status"] == "NEW");
  CHECK(acks.back()["gseq"] == 1);  // rejections take no gseq
  CHECK(hub.Query("SELECT count(*) FROM journal") == 1);
}

// PROTOCOL.md §4.1: text must be valid UTF-8. A record carrying other bytes,
// even in a key the hub does not know, would be relayed to every node in scope,
// whose replica stores records as JSON: the hub rejects it, naming the key.
TEST_CASE("HubServer rejects a record with text that is not UTF-8 in a key it does not know",
          "[hub][server]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);
  (void)client.Hello();

  json odd = HubServerSeizure("ODD-TEXT");
  odd["x-note"] = std::string("\xff\xfe") + " not UTF-8";
  json nested = HubServerSeizure("ODD-NESTED");
  nested["x-extra"] = {{"list", json::array({"fine", std::string("\xc0\xaf")})}};
  const json acks = client.Publish({odd, nested, HubServerSeizure("GOOD-TEXT")});
  INFO(Show(acks));
  CHECK(acks[0]["status"] == "REJECTED");
  CHECK_THAT(acks[0]["reason"].get<std::string>(), Catch::Contains("x-note: must be valid UTF-8"));
  CHECK(acks[1]["status"] == "REJECTED");
  CHECK_THAT(acks[1]["reason"].get<std::string>(), Catch::Contains("x-extra:"));
  CHECK(acks[2]["status"] == "NEW");
  CHECK(hub.Query("SELECT count(*) FROM journal") == 1);
}

TEST_CASE("HubServer answers a malformed frame with ERROR and keeps the connection",
          "[hub][server]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);
  (void)client.Hello();

  struct HubServerCase {
    const char* name;
    std::string bytes;
    const char* reason_mentions;
  };
  const HubServerCase cases[] = {
      {"garbage bytes", std::string("\xc1\xff garbage \x00\x01", 13), ""},
      {"truncated msgpack", WireFrame::Encode({{"t", "HELLO"}}).substr(0, 3), ""},
      {"not a map", WireFrame::Encode(json::array({1, 2})), "map"},
      {"no type", WireFrame::Encode({{"from", 1}}), "\"t\""},
      {"unknown type", WireFrame::Encode({{"t", "NOPE"}}), "NOPE"},
      {"PUBLISH without records", WireFrame::Encode({{"t", "PUBLISH"}, {"records", 5}}), "records"},
      {"FETCH without max", WireFrame::Encode({{"t", "FETCH"}, {"from", 1}}), "max"},
      {"FETCH with a text from", WireFrame::Encode({{"t", "FETCH"}, {"from", "1"}, {"max", 5}}),
       "from"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    client.SendBytes(c.bytes);
    const json error = client.Expect(frame::kError);
    CHECK(error["code"] == "bad_frame");
    CHECK_THAT(error["reason"].get<std::string>(), Catch::Contains(c.reason_mentions));
  }
  // A request of two frames.
  client.SendMultipart("extra", WireFrame::Encode({{"t", "HELLO"}}));
  CHECK(client.Expect(frame::kError)["code"] == "bad_frame");
  // Still served, and nothing reached the journal.
  (void)client.Hello();
  const json ack = client.Publish({HubServerSeizure("AFTER")})[0];
  CHECK(ack["status"] == "NEW");
  CHECK(ack["gseq"] == 1);
}

TEST_CASE("HubServer does not answer a key it does not know", "[hub][server][zap]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient known(ctx, hub, n1);
  (void)known.Hello();  // the hub is up and answering

  auto stranger_keys = CurveKeys::Generate();
  REQUIRE(stranger_keys.ok());
  IngestClient stranger(ctx, hub, *stranger_keys);
  stranger.Send({{"t", frame::kHello}, {"proto", frame::kProtocolVersion}});
  stranger.SendBytes(
      WireFrame::EncodeRecords(frame::kPublish, {MsgpackJson::Encode(HubServerSeizure("S"))}));
  CHECK_FALSE(stranger.Receive(700ms).has_value());
  CHECK(hub.Query("SELECT count(*) FROM journal") == 0);

  // A node allowed while the hub runs gets in without a restart.
  const CurveKeys late = hub.Register("n-late", "XX");
  IngestClient late_client(ctx, hub, late);
  const json welcome = late_client.Hello();
  CHECK(welcome["node"] == "n-late");
  CHECK(welcome["region"] == "XX");
}

TEST_CASE("HubServer FETCH sends only what the node may see, UPTO covers the rest",
          "[hub][server][scope]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  const CurveKeys n2 = hub.Register("n2", "EU");
  const CurveKeys n3 = hub.Register("n3", "XX");
  hub.Start();
  zmq::context_t ctx;
  IngestClient c1(ctx, hub, n1);
  IngestClient c2(ctx, hub, n2);
  IngestClient c3(ctx, hub, n3);
  (void)c1.Hello();
  (void)c2.Hello();
  (void)c3.Hello();

  // n1 publishes a record for region XX, claiming n2 as its origin.
  json restricted = WithScope(HubServerSeizure("A"), "region:XX");
  restricted["origin"] = "n2";
  REQUIRE(c1.Publish({restricted})[0]["gseq"] == 1);

  {
    auto [records, upto] = c2.Fetch(1, 100);
    CHECK(records.empty());  // no RECORDS frame at all
    CHECK(upto["upto"] == 1);
    CHECK(upto["head"] == 1);
    CHECK(upto["from"] == 1);
    CHECK(upto["epoch"] == hub.Epoch());
  }

  const json global = HubServerSeizure("B");
  REQUIRE(c1.Publish({global})[0]["gseq"] == 2);

  {  // a node outside the scope gets the global record only
    auto [records, upto] = c2.Fetch(1, 100);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["uuid"] == global["uuid"]);
    CHECK(records[0]["gseq"] == 2);
    CHECK(records[0]["origin"] == "n1");
    CHECK(upto["upto"] == 2);
  }
  {  // a node in the scope gets both, with the origin the hub authenticated
    auto [records, upto] = c3.Fetch(1, 100);
    REQUIRE(records.size() == 2);
    CHECK(records[0]["uuid"] == restricted["uuid"]);
    CHECK(records[0]["origin"] == "n1");
    CHECK(records[0]["gseq"] == 1);
    CHECK(records[0]["scope"] == "region:XX");
    CHECK(records[1]["gseq"] == 2);
    CHECK(upto["upto"] == 2);
  }
  {  // the origin sees its own restricted record
    auto [records, upto] = c1.Fetch(1, 100);
    CHECK(records.size() == 2);
    CHECK(upto["upto"] == 2);
  }
  {  // max bounds the answer and UPTO says where it stopped
    auto [records, upto] = c3.Fetch(1, 1);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["gseq"] == 1);
    CHECK(upto["upto"] == 1);
    CHECK(upto["head"] == 2);
  }
  {  // fetching past the head answers UPTO at the head
    auto [records, upto] = c2.Fetch(3, 100);
    CHECK(records.empty());
    CHECK(upto["upto"] == 2);
  }
  {  // far past the head: UPTO still never points beyond the head
    auto [records, upto] = c2.Fetch(10, 100);
    CHECK(records.empty());
    CHECK(upto["upto"] == 2);
    CHECK(upto["from"] == 10);
  }
  {  // a hidden record at the end of a window still moves UPTO
    REQUIRE(c1.Publish({WithScope(HubServerSeizure("C"), "nodes:n3")})[0]["gseq"] == 3);
    auto [records, upto] = c2.Fetch(3, 100);
    CHECK(records.empty());
    CHECK(upto["upto"] == 3);
  }
}

TEST_CASE("HubServer feed: each node's BATCH holds only the records it may see",
          "[hub][server][feed]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  const CurveKeys n2 = hub.Register("n2", "XX");
  hub.Start();
  zmq::context_t ctx;
  // n1 also asks for n2's topic, for everything, and for its topic without the
  // terminator: the hub must grant none of these.
  FeedClient feed1(ctx, hub, n1, {Topic("n2"), "", "N:", "N:n1", Topic("n1")});
  FeedClient feed2(ctx, hub, n2, {Topic("n2")});
  IngestClient c1(ctx, hub, n1);
  (void)c1.Hello();

  // A HEAD arrives once the hub granted the subscription.
  for (auto [feed, topic] : {std::pair{&feed1, Topic("n1")}, std::pair{&feed2, Topic("n2")}}) {
    auto head = feed->Receive();
    REQUIRE(head.has_value());
    CHECK(head->topic == topic);
    CHECK(WireFrame::Type(head->frame) == frame::kHead);
    CHECK(head->frame["head"] == 0);
    CHECK(head->frame["epoch"] == hub.Epoch());
  }

  const json only_n1 = WithScope(HubServerSeizure("A"), "nodes:n1");
  const json global = HubServerSeizure("B");
  const json acks = c1.Publish({only_n1, global});
  REQUIRE(acks[0]["gseq"] == 1);
  REQUIRE(acks[1]["gseq"] == 2);

  auto b1 = feed1.ReceiveBatch();
  REQUIRE(b1.has_value());
  CHECK(b1->topic == Topic("n1"));
  REQUIRE(WireFrame::Type(b1->frame) == frame::kBatch);
  CHECK(b1->frame["epoch"] == hub.Epoch());
  CHECK(b1->frame["first"] == 1);
  CHECK(b1->frame["last"] == 2);
  REQUIRE(b1->frame["records"].size() == 2);
  CHECK(b1->frame["records"][0]["uuid"] == only_n1["uuid"]);
  CHECK(b1->frame["records"][0]["gseq"] == 1);
  CHECK(b1->frame["records"][0]["origin"] == "n1");
  CHECK(b1->frame["records"][1]["gseq"] == 2);

  auto b2 = feed2.ReceiveBatch();
  REQUIRE(b2.has_value());
  CHECK(b2->topic == Topic("n2"));
  REQUIRE(WireFrame::Type(b2->frame) == frame::kBatch);
  CHECK(b2->frame["first"] == 1);  // gseq 1 is covered, not lost ...
  CHECK(b2->frame["last"] == 2);
  REQUIRE(b2->frame["records"].size() == 1);  // ... and nothing of it leaks
  CHECK(b2->frame["records"][0]["uuid"] == global["uuid"]);
  CHECK(b2->frame["records"][0]["gseq"] == 2);

  // Nothing for n2's topic ever reaches n1.
  (void)feed1.ReceiveBatch(200ms);
  for (const auto& topic : feed1.topics_seen()) CHECK(topic == Topic("n1"));

  // The next commit continues where this one ended.
  REQUIRE(c1.Publish({HubServerSeizure("C")})[0]["gseq"] == 3);
  auto next = feed2.ReceiveBatch();
  REQUIRE(next.has_value());
  CHECK(next->frame["first"] == 3);
  CHECK(next->frame["last"] == 3);
}

TEST_CASE("HubServer feed: a node that reconnects gets its topic again", "[hub][server][feed]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient c1(ctx, hub, n1);
  (void)c1.Hello();
  {
    FeedClient first_run(ctx, hub, n1, {Topic("n1")});
    auto head = first_run.Receive();
    REQUIRE(head.has_value());
    CHECK(WireFrame::Type(head->frame) == frame::kHead);
  }  // the agent stops: its SUB closes and libzmq unsubscribes for it

  FeedClient second_run(ctx, hub, n1, {Topic("n1")});
  auto head = second_run.Receive();
  REQUIRE(head.has_value());
  CHECK(WireFrame::Type(head->frame) == frame::kHead);
  REQUIRE(c1.Publish({HubServerSeizure("A")})[0]["gseq"] == 1);
  auto batch = second_run.ReceiveBatch();
  REQUIRE(batch.has_value());
  CHECK(batch->topic == Topic("n1"));
  CHECK(batch->frame["last"] == 1);
  CHECK(batch->frame["records"].size() == 1);
}

// DESIGN.md guarantee 4: a node never receives a record outside its scopes, on
// the feed either. ZeroMQ matches topics by prefix, so the topic of "n1" must
// not be a prefix of the topic of "n12".
TEST_CASE("HubServer feed: a node whose id prefixes another's gets none of its records",
          "[hub][server][feed][scope]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  const CurveKeys n12 = hub.Register("n12", "XX");
  const CurveKeys n3 = hub.Register("n3", "ZZ");
  hub.Start();
  zmq::context_t ctx;
  FeedClient feed1(ctx, hub, n1, {Topic("n1")});
  REQUIRE(feed1.Receive().has_value());  // HEAD: granted
  IngestClient c3(ctx, hub, n3);
  (void)c3.Hello();

  const json secret = WithScope(HubServerSeizure("XX-ONLY"), "region:XX");
  REQUIRE(c3.Publish({secret})[0]["gseq"] == 1);

  // Collect what reaches n1's socket for a moment.
  int leaked = 0;
  std::vector<std::string> topics;
  while (auto m = feed1.Receive(300ms)) {
    topics.push_back(m->topic);
    if (WireFrame::Type(m->frame) != frame::kBatch) continue;
    for (const auto& r : m->frame["records"]) leaked += r["uuid"] == secret["uuid"] ? 1 : 0;
  }
  INFO("topics delivered to n1: " << json(topics).dump());
  CHECK(leaked == 0);
  for (const auto& topic : topics) CHECK(topic == Topic("n1"));
}

TEST_CASE("HubServer reports why it cannot start", "[hub][server]") {
  SECTION("no hub in the data directory") {
    TempDir tmp;
    std::atomic<bool> stop{false};
    const Status s = HubCommands::Run(tmp.File("nothing-here"), stop);
    CHECK(s.code() == StatusCode::kNotFound);
    CHECK_THAT(s.message(), Catch::Contains("cen-hub init"));
  }
  SECTION("the ingest port is taken") {
    TestHub hub;
    PortHolder squatter;  // another program listens on the port hub.toml names
    std::atomic<bool> stop{false};
    auto config = cen::hub::HubConfig::Load(hub.data_dir());
    REQUIRE(config.ok());
    config->ingest_port = squatter.port();
    RequireOk(config->Save(hub.data_dir()));
    const Status s = HubCommands::Run(hub.data_dir(), stop);
    CHECK(s.code() == StatusCode::kUnavailable);
    CHECK_THAT(s.message(), Catch::Contains(std::to_string(squatter.port())));
  }
}

namespace {

json HubServerAlert(const std::string& ref, const std::string& priority) {
  return cen::test::WireAlert(ref, Uuid7::Generate(), 1, priority);
}

}  // namespace

TEST_CASE(
    "HubServer commits an urgent alert ahead of a bulk backlog and sends it on the "
    "priority topic",
    "[hub][server][priority]") {
  TestHub hub;
  const CurveKeys bulk_keys = hub.Register("bulk", "EU");
  const CurveKeys alert_keys = hub.Register("alerter", "AF");
  const CurveKeys watch_keys = hub.Register("watch", "AS");
  hub.Start();
  zmq::context_t ctx;
  // watch also asks for another node's priority topic: never granted.
  FeedClient lane(ctx, hub, watch_keys,
                  {WireFrame::PriorityTopic("bulk"), WireFrame::PriorityTopic("watch")});
  IngestClient bulk(ctx, hub, bulk_keys);
  IngestClient alerter(ctx, hub, alert_keys);
  (void)bulk.Hello();
  (void)alerter.Hello();
  // The priority subscription is granted asynchronously: alerts until one arrives.
  int warmup = 0;
  bool granted = false;
  while (!granted && warmup < 50) {
    REQUIRE(alerter.Publish({HubServerAlert("A-0-" + std::to_string(warmup++),
                                            "urgent")})[0]["status"] == "NEW");
    granted = lane.ReceiveBatch(100ms).has_value();
  }
  REQUIRE(granted);
  while (lane.ReceiveBatch(50ms).has_value()) {
  }

  // Ten frames of 1000 seizures queue at the hub, then an urgent alert comes
  // from another office.
  constexpr int kFrames = 10;
  constexpr int kPerFrame = 1000;
  for (int f = 0; f < kFrames; ++f) {
    std::vector<std::string> encoded;
    for (int i = 0; i < kPerFrame; ++i)
      encoded.push_back(
          MsgpackJson::Encode(HubServerSeizure("S-" + std::to_string(f * kPerFrame + i))));
    bulk.SendBytes(WireFrame::EncodeRecords(frame::kPublish, encoded));
  }
  const json urgent = HubServerAlert("A-1", "urgent");
  const json restricted = WithScope(HubServerAlert("A-2", "high"), "nodes:alerter");
  const json acks = alerter.Publish({urgent, restricted});
  REQUIRE(acks[0]["status"] == "NEW");
  const int64_t gseq = acks[0]["gseq"].get<int64_t>();
  INFO("urgent alert journaled at gseq " << gseq);
  // It did not wait for the whole backlog: at most one bulk commit went first.
  CHECK(gseq < warmup + kFrames * kPerFrame);

  auto pushed = lane.ReceiveBatch();
  REQUIRE(pushed.has_value());
  CHECK(pushed->topic == WireFrame::PriorityTopic("watch"));
  REQUIRE(WireFrame::Type(pushed->frame) == frame::kPriority);
  CHECK(pushed->frame["epoch"] == hub.Epoch());
  REQUIRE(pushed->frame["records"].size() == 1);  // the nodes:alerter one is not for watch
  CHECK(pushed->frame["records"][0]["uuid"] == urgent["uuid"]);
  CHECK(pushed->frame["records"][0]["gseq"] == gseq);
  CHECK(pushed->frame["records"][0]["origin"] == "alerter");

  // Every bulk record is acked too, and no seizure ever goes on the priority topic.
  int acked = 0;
  while (acked < kFrames * kPerFrame) {
    const json ack = bulk.Expect(frame::kAck);
    acked += static_cast<int>(ack["acks"].size());
  }
  CHECK(hub.Query("SELECT count(*) FROM journal") == warmup + 2 + kFrames * kPerFrame);
  CHECK(hub.Query("SELECT count(*) FROM journal WHERE lane > 0") == warmup + 2);
  CHECK_FALSE(lane.ReceiveBatch(300ms).has_value());
  for (const auto& topic : lane.topics_seen()) CHECK(topic == WireFrame::PriorityTopic("watch"));
}

TEST_CASE("HubServer FETCH of the priority lane returns urgent and high alerts only",
          "[hub][server][priority]") {
  TestHub hub;
  const CurveKeys n1 = hub.Register("n1", "EU");
  hub.Start();
  zmq::context_t ctx;
  IngestClient client(ctx, hub, n1);
  (void)client.Hello();
  const json high = HubServerAlert("H", "high");
  const json urgent = HubServerAlert("U", "urgent");
  (void)client.Publish({HubServerSeizure("S1"), high, HubServerAlert("N", "normal"),
                        HubServerSeizure("S2"), urgent});

  client.Send({{"t", frame::kFetch}, {"id", 7}, {"from", 1}, {"max", 100}, {"lane", "priority"}});
  json records = client.Expect(frame::kRecords);
  CHECK(records["id"] == 7);
  REQUIRE(records["records"].size() == 2);
  CHECK(records["records"][0]["uuid"] == high["uuid"]);
  CHECK(records["records"][1]["uuid"] == urgent["uuid"]);
  json upto = client.Expect(frame::kUpto);
  CHECK(upto["lane"] == "priority");
  CHECK(upto["upto"] == 5);  // nothing more up to the head
  CHECK(upto["head"] == 5);

  SECTION("max counts the priority records; upto says where to go on") {
    client.Send({{"t", frame::kFetch}, {"id", 8}, {"from", 1}, {"max", 1}, {"lane", "priority"}});
    records = client.Expect(frame::kRecords);
    REQUIRE(records["records"].size() == 1);
    upto = client.Expect(frame::kUpto);
    CHECK(upto["upto"] == 2);
    client.Send({{"t", frame::kFetch}, {"id", 9}, {"from", 3}, {"max", 1}, {"lane", "priority"}});
    records = client.Expect(frame::kRecords);
    CHECK(records["records"][0]["gseq"] == 5);
  }
  SECTION("an unknown lane is refused") {
    client.Send({{"t", frame::kFetch}, {"from", 1}, {"max", 10}, {"lane", "fast"}});
    CHECK(client.Expect(frame::kError)["code"] == "bad_frame");
  }
}

TEST_CASE("A hub that cannot listen names the port taken and its setting", "[hub][server]") {
  // "cannot listen on tcp://...:27800 and tcp://...:27801" named both when
  // one was taken, and not the setting to change.
  cen::test::TestHub hub;
  zmq::context_t ctx;
  zmq::socket_t squatter(ctx, zmq::socket_type::pull);
  squatter.bind("tcp://127.0.0.1:" + std::to_string(hub.feed_port()));
  std::atomic<bool> stop{false};
  std::atomic<bool> ended{false};
  Status result;
  std::thread run([&] {
    result = cen::hub::HubServer(hub.data_dir(), {}).Run(stop);
    ended = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!ended && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  run.join();
  REQUIRE(result.code() == StatusCode::kUnavailable);
  CHECK_THAT(result.message(),
             Catch::Contains("cannot listen on tcp://127.0.0.1:" + std::to_string(hub.feed_port()) +
                             " (feed_port in " + hub.data_dir() + "/hub.toml)"));
  CHECK_THAT(result.message(), !Catch::Contains(std::to_string(hub.ingest_port())));
}
