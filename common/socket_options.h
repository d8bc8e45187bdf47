// The socket options every cenhub TCP socket carries (DESIGN.md, libzmq traps):
// CURVE, ZMQ heartbeats, linger 0, a size limit on what a peer may send.
#pragma once

#include <string>
#include <zmq.hpp>

namespace cen::common {

class SocketOptions {
 public:
  // A hub socket: CURVE server with `secret_key`, ZAP domain "cenhub",
  // ZMQ_MAXMSGSIZE, heartbeats.
  static void CurveServer(zmq::socket_t& s, const std::string& secret_key, int64_t max_msg_bytes);
  // What a node accepts from the hub in one message. The hub's frames stay
  // near 4 MiB; one record up to the hub's own limit (16 MiB by default) may
  // go alone.
  static constexpr int64_t kNodeMaxMessageBytes = 64 << 20;
  // A node socket: CURVE client of `server_key`, heartbeats, reconnect back-off
  // from 100 ms up to 5 s, ZMQ_MAXMSGSIZE kNodeMaxMessageBytes.
  static void CurveClient(zmq::socket_t& s, const std::string& server_key,
                          const std::string& public_key, const std::string& secret_key);
};

}  // namespace cen::common
