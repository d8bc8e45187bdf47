#include "node/agent/hub_link.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/socket_options.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"

using cen::common::CurveKeys;
using cen::common::SocketOptions;
using cen::node::HubLink;
using cen::test::NewKeys;
using cen::test::RequireOk;
using Event = HubLink::Event;
using std::chrono::milliseconds;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// A CURVE server socket of the hub's kind bound to a free loopback port.
struct Server {
  Server(zmq::context_t& ctx, zmq::socket_type type, CurveKeys server_keys = NewKeys())
      : keys(std::move(server_keys)), socket(ctx, type) {
    SocketOptions::CurveServer(socket, keys.secret_key(), 1 << 20);
    socket.bind("tcp://127.0.0.1:*");
    endpoint = socket.get(zmq::sockopt::last_endpoint);
    port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  }
  CurveKeys keys;
  zmq::socket_t socket;
  std::string endpoint;
  int port = 0;
};

HubLink::Settings SettingsFor(const Server& server, const CurveKeys& node) {
  return {server.endpoint, server.keys.public_key(), node.public_key(), node.secret_key()};
}

// Drains the link's events until `wanted` comes (or kWait passes), answering
// ZAP requests on `zap` (if any) with `zap_status` meanwhile.
HubLink::Happened WaitFor(HubLink& link, Event wanted, zmq::socket_t* zap = nullptr,
                          const std::string& zap_status = "200") {
  const auto until = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < until) {
    if (zap != nullptr) {
      std::vector<zmq::message_t> request;
      zmq::message_t part;
      while (zap->recv(part, zmq::recv_flags::dontwait)) {
        const bool more = part.more();
        request.push_back(std::move(part));
        if (!more) break;
      }
      if (request.size() >= 2) {  // version, request id, ...
        zap->send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
        zap->send(request[1], zmq::send_flags::sndmore);
        zap->send(zmq::buffer(zap_status), zmq::send_flags::sndmore);
        zap->send(zmq::str_buffer(""), zmq::send_flags::sndmore);
        zap->send(zmq::str_buffer("n1"), zmq::send_flags::sndmore);
        zap->send(zmq::str_buffer(""), zmq::send_flags::none);
      }
    }
    for (const HubLink::Happened& h : link.DrainEvents(std::chrono::steady_clock::now())) {
      if (h.event == wanted) return h;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  FAIL("no such event from the hub link within 10 s");
  return {wanted};
}

}  // namespace

TEST_CASE("HubLink connects with CURVE and carries frames both ways", "[node][hub_link]") {
  zmq::context_t ctx;
  Server hub(ctx, zmq::socket_type::router);
  const CurveKeys node = NewKeys();
  HubLink link(&ctx, SettingsFor(hub, node));
  CHECK_FALSE(link.is_open());
  RequireOk(link.Open());
  REQUIRE(link.is_open());
  CHECK(link.PollItems().size() == 2);  // DEALER and monitor until subscribed
  WaitFor(link, Event::kConnected);

  REQUIRE(link.Send("HELLO"));
  zmq::message_t rid, body;
  hub.socket.set(zmq::sockopt::rcvtimeo, 10000);
  REQUIRE(hub.socket.recv(rid));
  REQUIRE(hub.socket.recv(body));
  CHECK(body.to_string() == "HELLO");
  hub.socket.send(rid, zmq::send_flags::sndmore);
  hub.socket.send(zmq::str_buffer("WELCOME"));
  std::optional<zmq::message_t> answer;
  const auto until = std::chrono::steady_clock::now() + kWait;
  while (!answer && std::chrono::steady_clock::now() < until) {
    answer = link.Receive();
    if (!answer) std::this_thread::sleep_for(milliseconds(5));
  }
  REQUIRE(answer);
  CHECK(answer->to_string() == "WELCOME");

  SECTION("a hub that goes away is reported") {
    hub.socket.close();
    WaitFor(link, Event::kDisconnected);
  }
  SECTION("closing drops the sockets; sending then fails without blocking") {
    link.Close();
    CHECK_FALSE(link.is_open());
    CHECK_FALSE(link.Send("PING"));
    CHECK_FALSE(link.Receive());
  }
}

TEST_CASE("HubLink reports a wrong hub key as a failed handshake", "[node][hub_link]") {
  zmq::context_t ctx;
  Server hub(ctx, zmq::socket_type::router);
  const CurveKeys node = NewKeys();
  HubLink::Settings settings = SettingsFor(hub, node);
  settings.hub_key = NewKeys().public_key();  // not the hub's
  HubLink link(&ctx, settings);
  RequireOk(link.Open());
  WaitFor(link, Event::kHandshakeFailed);
}

TEST_CASE("HubLink backs off before opening again after the hub refused its key",
          "[node][hub_link]") {
  zmq::context_t ctx;
  zmq::socket_t zap(ctx, zmq::socket_type::rep);
  zap.bind("inproc://zeromq.zap.01");
  Server hub(ctx, zmq::socket_type::router);
  const CurveKeys node = NewKeys();
  HubLink link(&ctx, SettingsFor(hub, node));
  RequireOk(link.Open());

  const auto first = std::chrono::steady_clock::now();
  const HubLink::Happened refused = WaitFor(link, Event::kUnauthorized, &zap, "400");
  CHECK(refused.value == 400);
  // 1 s after the refusal, not before (time is passed in: no sleeping).
  CHECK_FALSE(link.ReopenDue(first));
  CHECK(link.ReopenDue(std::chrono::steady_clock::now() + milliseconds(1000)));

  RequireOk(link.Open());  // what the agent does once due
  CHECK_FALSE(link.ReopenDue(std::chrono::steady_clock::now() + milliseconds(5000)));
  const auto second = std::chrono::steady_clock::now();
  WaitFor(link, Event::kUnauthorized, &zap, "400");
  // The back-off doubled: 2 s now.
  CHECK_FALSE(link.ReopenDue(second + milliseconds(1000)));
  CHECK(link.ReopenDue(std::chrono::steady_clock::now() + milliseconds(2000)));

  SECTION("once allowed, the next refusal waits 1 s again") {
    link.Authorized();
    RequireOk(link.Open());
    WaitFor(link, Event::kUnauthorized, &zap, "400");
    CHECK(link.ReopenDue(std::chrono::steady_clock::now() + milliseconds(1000)));
  }
  SECTION("a key the hub accepts connects") {
    RequireOk(link.Open());
    WaitFor(link, Event::kConnected, &zap, "200");
  }
}

TEST_CASE("HubLink subscribes the node's own feed topics and reads only them", "[node][hub_link]") {
  zmq::context_t ctx;
  Server hub(ctx, zmq::socket_type::router);
  Server feed(ctx, zmq::socket_type::xpub, hub.keys);  // one hub key, as cen-hub has
  feed.socket.set(zmq::sockopt::xpub_verbose, 1);      // every subscription, repeats too
  const CurveKeys node = NewKeys();
  HubLink link(&ctx, SettingsFor(hub, node));
  RequireOk(link.Open());
  CHECK_FALSE(link.subscribed());
  link.Subscribe("n1", feed.port);
  CHECK(link.subscribed());
  CHECK(link.PollItems().size() == 4);

  // Both subscriptions reach the hub's XPUB.
  std::vector<std::string> topics;
  feed.socket.set(zmq::sockopt::rcvtimeo, 10000);
  for (int i = 0; i < 2; ++i) {
    zmq::message_t sub;
    REQUIRE(feed.socket.recv(sub));
    REQUIRE(sub.size() > 1);
    CHECK(static_cast<const char*>(sub.data())[0] == 1);
    topics.emplace_back(static_cast<const char*>(sub.data()) + 1, sub.size() - 1);
  }
  std::sort(topics.begin(), topics.end());
  CHECK(topics == std::vector<std::string>{"N:n1/", "P:n1/"});

  auto publish = [&](const std::string& topic, const std::string& body) {
    feed.socket.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    feed.socket.send(zmq::buffer(body));
  };
  // A topic that merely starts with the node's passes the SUB's prefix
  // filter; the link drops it.
  publish("N:n1/x", "not mine");
  publish("N:n1/", "batch");
  publish("P:n1/", "urgent");
  auto read = [&](HubLink::Feed which) {
    const auto until = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < until) {
      if (auto body = link.ReceiveFeed(which)) return body->to_string();
      std::this_thread::sleep_for(milliseconds(5));
    }
    return std::string("(nothing)");
  };
  CHECK(read(HubLink::Feed::kPriority) == "urgent");
  CHECK(read(HubLink::Feed::kBulk) == "batch");

  SECTION("a feed silent for the limit is subscribed anew; one with messages waiting is not") {
    const auto now = std::chrono::steady_clock::now();
    CHECK_FALSE(link.FeedSilent(now, std::chrono::seconds(5)));
    publish("N:n1/", "head");
    bool waiting = false;  // the HEAD is in the SUB, unread
    const auto until = now + kWait;
    while (!waiting && std::chrono::steady_clock::now() < until) {
      std::vector<zmq::pollitem_t> items = link.PollItems();
      zmq::poll(items.data(), items.size(), milliseconds(10));
      waiting = (items[2].revents & ZMQ_POLLIN) != 0;
    }
    REQUIRE(waiting);
    // Unread: not silent, however long ago the last one was read.
    CHECK_FALSE(link.FeedSilent(now + std::chrono::seconds(60), std::chrono::seconds(5)));
    CHECK(read(HubLink::Feed::kBulk) == "head");
    CHECK(link.FeedSilent(std::chrono::steady_clock::now() + std::chrono::seconds(6),
                          std::chrono::seconds(5)));
    link.Resubscribe();
    std::set<std::string> again;  // subscriptions of the new SUBs (the old ones' ends ignored)
    while (again.size() < 2) {
      zmq::message_t sub;
      REQUIRE(feed.socket.recv(sub));
      if (sub.size() > 1 && static_cast<const char*>(sub.data())[0] == 1) {
        again.emplace(static_cast<const char*>(sub.data()) + 1, sub.size() - 1);
      }
    }
    CHECK(again == std::set<std::string>{"N:n1/", "P:n1/"});
    CHECK_FALSE(link.FeedSilent(std::chrono::steady_clock::now(), std::chrono::seconds(5)));
  }
  SECTION("subscribing again to the same port keeps the connections") {
    link.Subscribe("n1", feed.port);
    zmq::message_t again;
    feed.socket.set(zmq::sockopt::rcvtimeo, 200);
    CHECK_FALSE(feed.socket.recv(again));
  }
}
