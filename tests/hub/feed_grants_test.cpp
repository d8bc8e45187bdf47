#include "hub/feed_grants.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/socket_options.h"
#include "hub/audit_trail.h"
#include "hub/node_registry.h"
#include "hub/zap_handler.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Database;
using cen::common::SocketOptions;
using cen::hub::AuditTrail;
using cen::hub::FeedGrants;
using cen::hub::NodeRegistry;
using cen::hub::ZapHandler;
using cen::test::NewKeys;
using cen::test::RequireOk;
using cen::test::TempDir;
using std::chrono::milliseconds;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// The hub's feed side: hub.db with n1 registered, the real ZAP handler, an
// XPUB in manual mode as cen-hub makes it, and FeedGrants over them.
struct Feed {
  Feed() : db(cen::test::CreateHubDb(tmp)), registry(&db), zap(&ctx, tmp.path(), "hub", &audit) {
    RequireOk(registry.Allow({"n1", n1.public_key(), "EU"}));
    RequireOk(registry.Allow({"n2", n2.public_key(), "AF"}));
    RequireOk(zap.Start());
    SocketOptions::CurveServer(xpub, hub.secret_key(), 1 << 20);
    xpub.set(zmq::sockopt::xpub_manual, 1);
    xpub.bind("tcp://127.0.0.1:*");
    bound = xpub.get(zmq::sockopt::last_endpoint);
    grants.emplace(&xpub, bound, bound, &registry, &audit);
    grants->NoteKeys();
  }

  zmq::socket_t Subscriber(const CurveKeys& keys, const std::string& topic) {
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    SocketOptions::CurveClient(sub, hub.public_key(), keys.public_key(), keys.secret_key());
    sub.set(zmq::sockopt::subscribe, topic);
    sub.connect(bound);
    return sub;
  }

  // Drains subscriptions until `topic` is granted or kWait passes.
  bool Granted(const std::string& topic, milliseconds within = kWait) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      for (const std::string& t : grants->Drain(256)) {
        if (t == topic) return true;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

  // Publishes on `topic` until `sub` receives it, or gives up after `within`.
  bool Reaches(zmq::socket_t& sub, const std::string& topic, milliseconds within = kWait) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      (void)grants->Drain(256);
      xpub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
      xpub.send(zmq::str_buffer("body"));
      zmq::message_t head;
      if (sub.recv(head, zmq::recv_flags::dontwait)) return head.to_string() == topic;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  TempDir tmp;
  Database db;
  NodeRegistry registry;
  zmq::context_t ctx;
  AuditTrail audit;
  ZapHandler zap;
  CurveKeys hub = NewKeys();
  CurveKeys n1 = NewKeys();
  CurveKeys n2 = NewKeys();
  zmq::socket_t xpub{ctx, zmq::socket_type::xpub};
  std::string bound;
  std::optional<FeedGrants> grants;
};

}  // namespace

TEST_CASE("FeedGrants grants a node its own topics only", "[hub][feed_grants]") {
  Feed feed;
  zmq::socket_t own = feed.Subscriber(feed.n1, "N:n1/");
  REQUIRE(feed.Granted("N:n1/"));
  CHECK(feed.Reaches(own, "N:n1/"));

  zmq::socket_t priority = feed.Subscriber(feed.n1, "P:n1/");
  CHECK(feed.Reaches(priority, "P:n1/"));

  // n1 asking for n2's feed gets nothing, though the topic is published.
  zmq::socket_t other = feed.Subscriber(feed.n1, "N:n2/");
  CHECK_FALSE(feed.Reaches(other, "N:n2/", milliseconds(500)));
  // Its unsubscription, on close, needs no grant and breaks nothing.
  own.close();
  CHECK(feed.grants->Drain(256).empty());
}

TEST_CASE("FeedGrants reports a granted priority topic, so the hub sends it a HEAD",
          "[hub][feed_grants]") {
  // The node's agent answers that HEAD with a priority-lane FETCH: what was
  // journaled before the grant reached nobody on the priority feed.
  Feed feed;
  zmq::socket_t priority = feed.Subscriber(feed.n1, "P:n1/");
  CHECK(feed.Granted("P:n1/"));
}

TEST_CASE("FeedGrants drops every feed connection when a node is revoked", "[hub][feed_grants]") {
  Feed feed;
  zmq::socket_t n1 = feed.Subscriber(feed.n1, "N:n1/");
  zmq::socket_t n2 = feed.Subscriber(feed.n2, "N:n2/");
  REQUIRE(feed.Reaches(n1, "N:n1/"));
  REQUIRE(feed.Reaches(n2, "N:n2/"));

  feed.grants->NoteKeys();  // nothing changed
  CHECK(feed.grants->reopened() == 0);
  RequireOk(feed.registry.Revoke("n1"));
  feed.grants->NoteKeys();
  CHECK(feed.grants->reopened() == 1);
  // The nodes' SUBs reconnect (an agent whose feed stays silent also makes
  // new ones: HubLink::FeedSilent). A new n2 SUB is granted again; revoked
  // n1 is refused at the handshake.
  zmq::socket_t n2_again = feed.Subscriber(feed.n2, "N:n2/");
  zmq::socket_t n1_again = feed.Subscriber(feed.n1, "N:n1/");
  CHECK(feed.Reaches(n2_again, "N:n2/"));
  CHECK_FALSE(feed.Reaches(n1_again, "N:n1/", milliseconds(500)));
}
