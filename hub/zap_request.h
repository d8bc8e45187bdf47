// One ZAP request (RFC 27) as a handler's REP socket receives it, and the
// reply it must get. Used by the hub's handler for nodes (ZapHandler) and by
// the cluster's for its members (CurveTransport).
//
//   auto request = ZapRequest::Receive(rep);      // after POLLIN on rep
//   if (request.client_key == expected) request.Reply(rep, "200", "OK", "RILO-WE");
//   else request.Reply(rep, "400", "unknown key");
//
// Not thread-safe: a REP socket belongs to one thread.
#pragma once

#include <string>
#include <string_view>
#include <zmq.hpp>

namespace cen::hub {

struct ZapRequest {
  std::string request_id;
  std::string address;     // the peer's, as libzmq gives it
  std::string mechanism;   // "CURVE", "NULL", "PLAIN"; "" for a malformed request
  std::string client_key;  // CURVE: the client's public key as Z85 text; else ""

  // Reads every part of one request. A malformed one (libzmq never sends
  // it) comes back with an empty mechanism and must be answered all the same.
  static ZapRequest Receive(zmq::socket_t& rep);
  // The reply: status `code` ("200" or "400"), its text, the User-Id every
  // message of an accepted connection will carry, and a ZMTP metadata frame.
  void Reply(zmq::socket_t& rep, std::string_view code, std::string_view text,
             std::string_view user_id = {}, std::string_view metadata = {}) const;
};

}  // namespace cen::hub
