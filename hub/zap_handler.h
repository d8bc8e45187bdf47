// The hub's ZAP handler (RFC 27) on inproc://zeromq.zap.01: allows a CURVE
// client only if its public key is in the node registry, and names it by its
// node id (the User-Id every later message carries). Without this handler
// libzmq would accept any CURVE client key. A revoked node's key is refused.
// The connection also carries the key it authenticated with as the metadata
// property "X-Key" (Z85), so the hub can refuse connections made with a key
// the operator has since replaced. Connections and refusals go to the audit
// trail.
//
// Start() binds before returning, so the caller can bind its CURVE sockets
// afterwards knowing no handshake goes unchecked. The handler runs on its own
// thread with its own socket and its own hub.db connection.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "common/status.h"
#include "hub/audit_trail.h"

namespace cen::hub {

class ZapHandler {
 public:
  // The metadata property naming the key a connection authenticated with.
  static constexpr const char* kKeyProperty = "X-Key";

  ZapHandler(zmq::context_t* ctx, std::string data_dir, std::string hub_id, AuditTrail* audit)
      : ctx_(ctx), data_dir_(std::move(data_dir)), hub_id_(std::move(hub_id)), audit_(audit) {}
  ~ZapHandler() { Stop(); }
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  common::Status Start();
  void Stop();

 private:
  void Serve(zmq::socket_t socket);

  zmq::context_t* ctx_;  // not owned
  std::string data_dir_;
  std::string hub_id_;
  AuditTrail* audit_;  // not owned; thread-safe
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cen::hub
