// A hub run in the test's process over real CURVE sockets on 127.0.0.1, and
// a node's ingest connection to it, as the node agent makes it.
//
//   TestHub hub;
//   CurveKeys keys = hub.Register("RILO-WE", "WE");
//   hub.Start();
//   zmq::context_t ctx;
//   IngestClient client(ctx, hub, keys);
//   client.Hello();
//   json acks = client.Publish({record});
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
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
#include "common/wire_frame.h"
#include "hub/hub_commands.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "hub/hub_server.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/ports.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

namespace cen::test {

using common::CurveKeys;
using common::MsgpackJson;
using common::SocketOptions;
using common::Status;
using common::WireFrame;
using hub::HubCommands;
using nlohmann::json;
namespace frame = common::frame;
using namespace std::chrono_literals;

// A frame as text for a failure message, whatever bytes its strings hold.
inline std::string Show(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline std::string Topic(const std::string& node_id) { return WireFrame::FeedTopic(node_id); }

// A listening TCP socket on 127.0.0.1 with a port the kernel chose.
class PortHolder {
 public:
  PortHolder() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~PortHolder() { ::close(fd_); }
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// A hub made by `cen-hub init` in a temporary directory, run by
// HubServer::Run (what `cen-hub run` calls) on its own thread until the object
// is destroyed.
class TestHub {
 public:
  TestHub() : data_dir_(tmp_.File("hub")) {
    const std::vector<int> ports = FreeLoopbackPorts(2);
    ingest_port_ = ports[0];
    feed_port_ = ports[1];
    cen::hub::InitOptions o;
    o.data_dir = data_dir_;
    o.bind = "127.0.0.1";
    o.ingest_port = ingest_port_;
    o.feed_port = feed_port_;
    o.hub_id = "test-hub";
    std::ostringstream out;
    RequireOk(HubCommands::Init(o, out));
    public_key_ = out.str();
    while (!public_key_.empty() && public_key_.back() == '\n') public_key_.pop_back();
    REQUIRE(CurveKeys::IsZ85Key(public_key_));
  }
  ~TestHub() { (void)Stop(); }
  TestHub(const TestHub&) = delete;
  TestHub& operator=(const TestHub&) = delete;

  // `cen-hub allow`: registers a new key pair for `id` and returns it.
  CurveKeys Register(const std::string& id, const std::string& region) {
    CurveKeys keys = NewKeys();
    cen::hub::AllowOptions o;
    o.data_dir = data_dir_;
    o.node_id = id;
    o.key = keys.public_key();
    o.region = region;
    std::ostringstream out;
    RequireOk(HubCommands::Allow(o, out));
    return keys;
  }

  // As `cen-hub run` does, `options` as HubServer takes them; returns once
  // the hub serves. Another process may take a port between its choice and
  // the bind: a single hub then chooses its ports again; a cluster member's
  // are named in its peers' hub.toml, so Start returns with serving() false
  // and the caller chooses them all again (ThreeHubs). A hub that cannot
  // start for another reason fails the test with Run's reason.
  void Start(hub::HubServer::Options options = {}) {
    for (int attempt = 1;; ++attempt) {
      Launch(options);
      if (serving_) return;
      auto config = hub::HubConfig::Load(data_dir_);
      REQUIRE(config.ok());
      const bool own_ports = !config->clustered() && config->ingest_port == ingest_port_ &&
                             config->feed_port == feed_port_;
      if (PortTaken() && config->clustered()) return;
      if (!PortTaken() || !own_ports || attempt == 5)
        FAIL("the hub in " << data_dir_ << " did not start: " << Stop().message());
      WARN("a port of this hub was taken before it listened: " << result_.message());
      (void)Stop();
      ChooseNewPorts();
    }
  }
  Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  // Did Start() see the hub serve?
  bool serving() const { return serving_; }

  std::string DbPath() const { return cen::hub::HubSchema::DbPath(data_dir_); }

  // Counts rows of hub.db through a connection of its own.
  int64_t Query(const std::string& sql) const {
    auto db = cen::hub::HubSchema::OpenReadOnly(data_dir_);
    REQUIRE(db.ok());
    auto n = db->QueryInt(sql);
    REQUIRE(n.ok());
    return n->value_or(-1);
  }
  std::string Epoch() const {
    auto db = cen::hub::HubSchema::OpenReadOnly(data_dir_);
    REQUIRE(db.ok());
    auto stmt = db->Prepare("SELECT value FROM meta WHERE key = 'epoch'");
    REQUIRE(stmt.ok());
    REQUIRE(*stmt->Step());
    return stmt->ColumnText(0);
  }

  // Edits hub.toml (the hub must be stopped).
  void Configure(const std::function<void(hub::HubConfig&)>& edit) {
    auto config = hub::HubConfig::Load(data_dir_);
    REQUIRE(config.ok());
    edit(*config);
    RequireOk(config->Save(data_dir_));
  }
  // Takes `other`'s hub.db as its own (both stopped): a cluster's members
  // start from one state.
  void CopyDbFrom(const TestHub& other) {
    const std::string mine = hub::HubSchema::DbPath(data_dir_);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(mine + suffix);
    std::filesystem::copy_file(hub::HubSchema::DbPath(other.data_dir_), mine);
  }

  const std::string& data_dir() const { return data_dir_; }
  const std::string& public_key() const { return public_key_; }
  int feed_port() const { return feed_port_; }
  int ingest_port() const { return ingest_port_; }
  std::string IngestEndpoint() const { return "tcp://127.0.0.1:" + std::to_string(ingest_port_); }
  std::string FeedEndpoint() const { return "tcp://127.0.0.1:" + std::to_string(feed_port_); }

 private:
  // Did Run end because a port it names (ingest, feed, Raft) was taken?
  bool PortTaken() const {
    const std::string& why = result_.message();
    return !serving_ && (why.find("cannot listen") != std::string::npos ||
                         why.find("cannot bind the cluster endpoint") != std::string::npos);
  }
  // Gives the (stopped) hub new ingest and feed ports in hub.toml.
  void ChooseNewPorts() {
    const std::vector<int> ports = FreeLoopbackPorts(2);
    ingest_port_ = ports[0];
    feed_port_ = ports[1];
    Configure([&](hub::HubConfig& c) {
      c.ingest_port = ingest_port_;
      c.feed_port = feed_port_;
    });
  }
  // Runs the hub on a thread of its own until it serves or Run ends.
  void Launch(hub::HubServer::Options options) {
    stop_ = false;
    serving_ = ended_ = false;
    result_ = Status::Ok();
    std::function<void()> serving = std::move(options.serving);
    options.serving = [this, serving] {
      if (serving) serving();
      const std::lock_guard<std::mutex> lock(mutex_);
      serving_ = true;
      changed_.notify_all();
    };
    thread_ = std::thread([this, options = std::move(options)] {
      Status result = hub::HubServer(data_dir_, options).Run(stop_);
      const std::lock_guard<std::mutex> lock(mutex_);
      result_ = std::move(result);
      ended_ = true;
      changed_.notify_all();
    });
    std::unique_lock<std::mutex> lock(mutex_);
    const bool started = changed_.wait_for(lock, 60s, [this] { return serving_ || ended_; });
    INFO("the hub in " << data_dir_ << " neither served nor ended within 60 s");
    REQUIRE(started);
  }

  TempDir tmp_;
  std::string data_dir_;
  int ingest_port_ = 0;
  int feed_port_ = 0;
  std::string public_key_;
  std::atomic<bool> stop_{false};
  Status result_;  // Run's, once it ended (guarded by mutex_ until then)
  bool serving_ = false;
  bool ended_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
};

// A node's ingest connection: a CURVE DEALER, as the node agent makes it.
class IngestClient {
 public:
  IngestClient(zmq::context_t& ctx, const TestHub& hub, const CurveKeys& keys)
      : socket_(ctx, zmq::socket_type::dealer) {
    SocketOptions::CurveClient(socket_, hub.public_key(), keys.public_key(), keys.secret_key());
    // A send gives up after 5 s: once the hub has refused the handshake (a
    // stranger's key) the socket has no pipe, and a blocking send would wait
    // for ever (the node agent sends with dontwait).
    socket_.set(zmq::sockopt::sndtimeo, 5000);
    socket_.connect(hub.IngestEndpoint());
  }

  // Queues `bytes` for the hub; a send the socket cannot queue within 5 s
  // is dropped (what the hub answers, or not, is what tests check).
  void SendBytes(const std::string& bytes) {
    (void)socket_.send(zmq::buffer(bytes), zmq::send_flags::none);
  }
  void Send(const json& f) { SendBytes(WireFrame::Encode(f)); }
  void SendMultipart(const std::string& first, const std::string& second) {
    (void)socket_.send(zmq::buffer(first), zmq::send_flags::sndmore);
    (void)socket_.send(zmq::buffer(second), zmq::send_flags::none);
  }

  // The next frame from the hub, or nullopt after `timeout`.
  std::optional<json> Receive(std::chrono::milliseconds timeout = 5000ms) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    zmq::message_t msg;
    REQUIRE(socket_.recv(msg, zmq::recv_flags::none));
    REQUIRE_FALSE(msg.more());
    auto f = WireFrame::Decode(msg.to_string_view());
    INFO((f.ok() ? std::string() : f.status().ToString()));
    REQUIRE(f.ok());
    return *f;
  }
  // The next frame, which must be of `type`.
  json Expect(std::string_view type) {
    auto f = Receive();
    INFO("waiting for " << type);
    REQUIRE(f.has_value());
    INFO("got " << Show(*f));
    REQUIRE(WireFrame::Type(*f) == type);
    return *f;
  }

  json Hello() {
    Send({{"t", frame::kHello},
          {"proto", frame::kProtocolVersion},
          {"replica_gseq", 0},
          {"outbox", 0}});
    return Expect(frame::kWelcome);
  }
  // Publishes `records` in one PUBLISH frame and returns the acks.
  json Publish(const std::vector<json>& records) {
    std::vector<std::string> encoded;
    for (const auto& r : records) encoded.push_back(MsgpackJson::Encode(r));
    SendBytes(WireFrame::EncodeRecords(frame::kPublish, encoded));
    json ack = Expect(frame::kAck);
    REQUIRE(ack["acks"].size() == records.size());
    return ack["acks"];
  }
  // FETCH from `from`: the records of every RECORDS frame, then the UPTO frame.
  // Every answer must echo the FETCH's id.
  std::pair<std::vector<json>, json> Fetch(int64_t from, int64_t max) {
    const int64_t id = ++fetch_id_;
    Send({{"t", frame::kFetch}, {"id", id}, {"from", from}, {"max", max}});
    std::vector<json> records;
    while (true) {
      auto f = Receive();
      REQUIRE(f.has_value());
      INFO("got " << Show(*f));
      CHECK((*f)["id"] == id);
      const std::string type = WireFrame::Type(*f);
      if (type == frame::kUpto) return {records, *f};
      REQUIRE(type == frame::kRecords);
      for (auto& r : (*f)["records"]) records.push_back(r);
    }
  }

 private:
  zmq::socket_t socket_;
  int64_t fetch_id_ = 100;
};

// A node's feed connection: a CURVE SUB on the hub's XPUB.
class FeedClient {
 public:
  FeedClient(zmq::context_t& ctx, const TestHub& hub, const CurveKeys& keys,
             const std::vector<std::string>& topics)
      : socket_(ctx, zmq::socket_type::sub) {
    SocketOptions::CurveClient(socket_, hub.public_key(), keys.public_key(), keys.secret_key());
    for (const auto& t : topics) socket_.set(zmq::sockopt::subscribe, t);
    socket_.connect(hub.FeedEndpoint());
  }
  struct Message {
    std::string topic;
    json frame;
  };
  std::optional<Message> Receive(std::chrono::milliseconds timeout = 5000ms) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    zmq::message_t topic;
    zmq::message_t body;
    REQUIRE(socket_.recv(topic, zmq::recv_flags::none));
    REQUIRE(topic.more());
    REQUIRE(socket_.recv(body, zmq::recv_flags::none));
    auto f = WireFrame::Decode(body.to_string_view());
    REQUIRE(f.ok());
    return Message{topic.to_string(), *f};
  }
  // The next message that is not a heartbeat.
  std::optional<Message> ReceiveBatch(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto m = Receive(left);
      if (!m) return std::nullopt;
      topics_seen_.push_back(m->topic);
      if (WireFrame::Type(m->frame) != frame::kHead) return m;
    }
  }
  const std::vector<std::string>& topics_seen() const { return topics_seen_; }

 private:
  zmq::socket_t socket_;
  std::vector<std::string> topics_seen_;
};

}  // namespace cen::test
