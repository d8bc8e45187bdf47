#include "common/socket_options.h"

namespace cen::common {
namespace {

void Common(zmq::socket_t& s) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::heartbeat_ivl, 1000);
  s.set(zmq::sockopt::heartbeat_timeout, 3000);
  s.set(zmq::sockopt::heartbeat_ttl, 3000);
}

}  // namespace

void SocketOptions::CurveServer(zmq::socket_t& s, const std::string& secret_key,
                                int64_t max_msg_bytes) {
  Common(s);
  s.set(zmq::sockopt::zap_domain, "cenhub");
  s.set(zmq::sockopt::curve_server, 1);
  s.set(zmq::sockopt::curve_secretkey, secret_key);
  s.set(zmq::sockopt::maxmsgsize, max_msg_bytes);
}

void SocketOptions::CurveClient(zmq::socket_t& s, const std::string& server_key,
                                const std::string& public_key, const std::string& secret_key) {
  Common(s);
  s.set(zmq::sockopt::curve_serverkey, server_key);
  s.set(zmq::sockopt::curve_publickey, public_key);
  s.set(zmq::sockopt::curve_secretkey, secret_key);
  s.set(zmq::sockopt::reconnect_ivl, 100);
  s.set(zmq::sockopt::reconnect_ivl_max, 5000);
  s.set(zmq::sockopt::maxmsgsize, kNodeMaxMessageBytes);
}

}  // namespace cen::common
