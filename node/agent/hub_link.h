// The node's connection to the hub: the DEALER for requests and answers, its
// socket monitor (handshakes), and the two feed SUBs (`N:<id>/` and the
// priority lane's `P:<id>/`), all with CURVE.
//
//   HubLink link(&ctx, {endpoint, hub_key, keys.public_key(), keys.secret_key()});
//   CEN_RETURN_IF_ERROR(link.Open());
//   for (HubLink::Event e : link.DrainEvents(now)) ...   // kConnected: send HELLO
//   link.Send(hello_bytes);
//   auto frame = link.Receive();                          // a whole message, or nullopt
//   link.Subscribe(welcome_node, welcome_feed_port);      // after a WELCOME
//   auto batch = link.ReceiveFeed(HubLink::Feed::kBulk);
//
// libzmq does not retry a connection the hub's ZAP handler refused: after
// kUnauthorized the link asks to be opened again (ReopenDue) after a back-off
// of 1 s doubling to 10 s, which Authorized() resets.
// Not thread-safe: one thread owns the sockets.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/status.h"

namespace cen::node {

class HubLink {
 public:
  using Clock = std::chrono::steady_clock;
  struct Settings {
    std::string hub_endpoint;  // tcp://HOST:PORT of the hub's ingest socket
    std::string hub_key;       // Z85
    std::string public_key;    // this node's, Z85
    std::string secret_key;
  };
  enum class Event {
    kConnected,        // CURVE handshake done: say HELLO
    kUnauthorized,     // the hub refused this node's key (value: ZAP status code)
    kHandshakeFailed,  // wrong hub key or protocol
    kDisconnected,
  };
  struct Happened {
    Event event;
    int value = 0;  // kUnauthorized: the ZAP status code (400)
  };
  enum class Feed { kBulk, kPriority };

  static constexpr auto kFirstAuthBackoff = std::chrono::milliseconds(1000);
  static constexpr auto kMaxAuthBackoff = std::chrono::milliseconds(10000);

  HubLink(zmq::context_t* ctx, Settings settings);
  ~HubLink() { Close(); }
  HubLink(const HubLink&) = delete;
  HubLink& operator=(const HubLink&) = delete;

  // (Re)creates the DEALER and its monitor and connects; the feed SUBs come
  // with the next Subscribe(). kInvalidInput for a malformed endpoint.
  common::Status Open();
  void Close();
  // Opens again towards another hub (a cluster member).
  common::Status Retarget(const std::string& hub_endpoint, const std::string& hub_key) {
    settings_.hub_endpoint = hub_endpoint;
    settings_.hub_key = hub_key;
    return Open();
  }
  const std::string& hub_endpoint() const { return settings_.hub_endpoint; }
  bool is_open() const { return dealer_.has_value(); }

  // Never blocks: false when the message could not be queued.
  bool Send(const std::string& bytes);
  // The next message from the hub, if one is waiting.
  std::optional<zmq::message_t> Receive();
  // Handshake events since the last call (never blocks).
  std::vector<Happened> DrainEvents(Clock::time_point now);
  // After kUnauthorized: true once the back-off has passed (then call Open()).
  bool ReopenDue(Clock::time_point now) const { return reopen_at_ && now >= *reopen_at_; }
  // The hub accepted this node (WELCOME): the next refusal waits 1 s again.
  void Authorized() { auth_backoff_ = kFirstAuthBackoff; }

  // Connects the feed SUBs to the hub's feed port for `node_id` (the id the
  // hub's WELCOME names); kept as they are when nothing changed.
  void Subscribe(const std::string& node_id, int feed_port);
  bool subscribed() const { return bulk_.has_value(); }
  // The body of the next message on the node's own topic of `feed`, if one is
  // waiting; messages on any other topic are dropped.
  std::optional<zmq::message_t> ReceiveFeed(Feed feed);
  // A message waits on the priority feed (cheap: no system call when the
  // socket has nothing new). An apply slice in progress asks it to end early.
  bool PriorityWaiting();
  // The priority SUB's ZMQ_FD (readable when the socket has news; reading
  // it is the socket's business, polling it is anyone's), or -1 when not
  // subscribed. It changes when priority_generation() does.
  int PriorityFd();
  int priority_generation() const { return priority_generation_; }
  // The hub sends a HEAD on every node's feed each second, so a feed silent
  // for `limit` has lost its subscription. (When the hub reopens its feed,
  // after a revoke or a key change, the SUBs reconnect and subscribe again;
  // in FeedGrants' unit test a reconnected SUB's subscription once did not
  // reach the hub's manual XPUB. The agent does not rely on it.)
  // Resubscribe() then makes new SUBs, whose subscriptions the hub grants.
  // Messages waiting unread in the SUB (the agent busy, or its buffer full)
  // are not silence.
  bool FeedSilent(Clock::time_point now, Clock::duration limit);
  void Resubscribe();

  // For zmq::poll: the DEALER, the monitor, then the SUBs once subscribed.
  // REQUIRES: is_open().
  std::vector<zmq::pollitem_t> PollItems();

 private:
  std::string FeedEndpoint(int feed_port) const;

  zmq::context_t* ctx_;  // not owned
  Settings settings_;
  std::optional<zmq::socket_t> dealer_;
  std::optional<zmq::socket_t> monitor_;
  int generation_ = 0;  // names each monitor's inproc endpoint
  std::optional<Clock::time_point> reopen_at_;
  std::chrono::milliseconds auth_backoff_ = kFirstAuthBackoff;
  std::optional<zmq::socket_t> bulk_;
  std::optional<zmq::socket_t> priority_;
  int priority_generation_ = 0;  // counts each priority_ made or dropped
  std::string bulk_topic_;
  std::string priority_topic_;
  int feed_port_ = 0;
  std::string node_id_;
  Clock::time_point last_feed_at_;  // subscribed, or the last bulk feed message
};

}  // namespace cen::node
