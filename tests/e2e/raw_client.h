// A hand-driven ZeroMQ DEALER on the hub's ingest port, for tests that send
// what no cenhub agent would: spoofed fields, malformed, truncated, oversized
// or deeply nested frames, plaintext; or a SUB on its feed port (Feed()), to
// see what a connection receives. Bounded in time: Receive() and
// ReceivedWithin() wait at most their timeout.
//
//   RawClient client = RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), keys);
//   client.Send(WireFrame::Encode({{"t", "HELLO"}, {"proto", 1}}));
//   std::optional<nlohmann::json> reply = client.Receive();
//
// Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"

namespace cen::e2e {

// A seizure as a node would publish it, in wire form.
nlohmann::json WireRecord(const std::string& ref, const std::string& uuid, int version = 1);
// A PUBLISH frame of `records`.
std::string Publish(const std::vector<nlohmann::json>& records);
// The type of a reply, or "(no reply)".
std::string TypeOf(const std::optional<nlohmann::json>& reply);

class RawClient {
 public:
  // A CURVE client with `keys`, as a node agent connects.
  static RawClient Curve(const std::string& endpoint, const std::string& hub_key,
                         const common::CurveKeys& keys);
  // A CURVE SUB on the feed, subscribed to `topic`.
  static RawClient Feed(const std::string& endpoint, const std::string& hub_key,
                        const common::CurveKeys& keys, const std::string& topic);
  // A client without any security mechanism (ZMTP NULL).
  static RawClient Plaintext(const std::string& endpoint);

  void Send(const std::string& bytes);
  // The next message from the hub decoded (a non-map or undecodable reply
  // FAILs the test), or nothing after `timeout`.
  std::optional<nlohmann::json> Receive(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Every byte of the next message (all its parts, concatenated), or nothing
  // after `timeout`: what crossed this connection, undecoded.
  std::optional<std::string> ReceiveBytes(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when any message (all its parts read) arrives within `timeout`.
  bool ReceivedWithin(std::chrono::milliseconds timeout);
  // HELLO, then the reply (WELCOME or ERROR), or nothing after `timeout`.
  std::optional<nlohmann::json> Hello(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  RawClient(zmq::socket_type type, const std::string& endpoint, const common::CurveKeys* keys,
            const std::string& hub_key, const std::string& topic = "");
  std::unique_ptr<zmq::context_t> ctx_;  // first: destroyed after the socket
  std::unique_ptr<zmq::socket_t> socket_;
};

}  // namespace cen::e2e
