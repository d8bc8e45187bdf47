#include "hub/peer_identity.h"

#include "hub/zap_handler.h"

namespace cen::hub {

std::optional<std::string> PeerIdentity::UserId(zmq::message_t& msg) {
  try {
    const char* uid = msg.gets("User-Id");
    if (uid != nullptr && *uid != '\0') return std::string(uid);
  } catch (const zmq::error_t&) {
  }
  return std::nullopt;
}

std::optional<std::string> PeerIdentity::KeyOf(zmq::message_t& msg) {
  try {
    const char* key = msg.gets(ZapHandler::kKeyProperty);
    if (key != nullptr) return std::string(key);
  } catch (const zmq::error_t&) {
  }
  return std::nullopt;
}

const NodeInfo* PeerIdentity::Authenticated(const NodeRegistry& registry, zmq::message_t& msg,
                                            const std::string& node, std::string* why) {
  const NodeInfo* info = registry.Find(node);
  if (info == nullptr) {
    *why = "node " + node + " is no longer registered";
  } else if (info->revoked) {
    *why = "node " + node + " has been revoked";
  } else if (KeyOf(msg) != info->pubkey) {
    *why = "this connection authenticated with a key of node " + node +
           " that has since been replaced; reconnect with the new key";
  } else {
    return info;
  }
  return nullptr;
}

}  // namespace cen::hub
