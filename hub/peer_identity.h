// Who sent a message, as the hub's ZAP handler established it: the node id
// (ZAP User-Id) and the key the connection authenticated with (X-Key), and
// whether that node may still be served.
//
//   auto node = PeerIdentity::UserId(last_part);
//   std::string why;
//   const NodeInfo* info = PeerIdentity::Authenticated(registry, last_part, *node, &why);
//   if (info == nullptr) Refuse(why);
//
// Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <zmq.hpp>

#include "hub/node_registry.h"

namespace cen::hub {

class PeerIdentity {
 public:
  // The ZAP User-Id of the connection `msg` came on; nullopt without one.
  static std::optional<std::string> UserId(zmq::message_t& msg);
  // The Z85 key the connection of `msg` authenticated with (ZapHandler).
  static std::optional<std::string> KeyOf(zmq::message_t& msg);
  // The registered, unrevoked node `node`, when `msg` came on a connection
  // authenticated with the key registered for it now; else nullptr and `why`
  // says what is wrong (fails closed without the key property).
  static const NodeInfo* Authenticated(const NodeRegistry& registry, zmq::message_t& msg,
                                       const std::string& node, std::string* why);
};

}  // namespace cen::hub
