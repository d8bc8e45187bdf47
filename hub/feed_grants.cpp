#include "hub/feed_grants.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "common/wire_frame.h"
#include "hub/peer_identity.h"

namespace cen::hub {

FeedGrants::FeedGrants(zmq::socket_t* xpub, std::string endpoint, std::string bound,
                       const NodeRegistry* registry, AuditTrail* audit)
    : xpub_(xpub),
      endpoint_(std::move(endpoint)),
      bound_(std::move(bound)),
      registry_(registry),
      audit_(audit) {}

std::vector<std::string> FeedGrants::Drain(int max) {
  std::vector<std::string> granted;
  for (int i = 0; i < max; ++i) {
    zmq::message_t msg;
    if (!xpub_->recv(msg, zmq::recv_flags::dontwait)) break;
    if (msg.size() < 1) continue;
    const auto* data = static_cast<const char*>(msg.data());
    const bool subscribe = data[0] == 1;
    const std::string topic(data + 1, msg.size() - 1);
    const auto uid = PeerIdentity::UserId(msg);
    // libzmq reports the unsubscriptions of a closed connection without its
    // metadata; they need no grant.
    if (!subscribe && !uid) continue;
    std::string why = "topic '" + topic + "' is not the node's own";
    const bool own = uid && (topic == common::WireFrame::FeedTopic(*uid) ||
                             topic == common::WireFrame::PriorityTopic(*uid));
    if (!own || PeerIdentity::Authenticated(*registry_, msg, *uid, &why) == nullptr) {
      spdlog::warn("refused feed subscription '{}' from {}: {}", topic, uid.value_or("?"), why);
      if (subscribe) {
        audit_->NoteThrottled("sub:" + uid.value_or("?"), AuditTrail::kSubscribe, uid.value_or(""),
                              "refused '" + topic + "': " + why);
      }
      continue;
    }
    if (subscribe) {
      xpub_->set(zmq::sockopt::subscribe, topic);
      spdlog::info("node {} subscribed to {}", *uid, topic);
      audit_->Note(AuditTrail::kSubscribe, *uid, "granted " + topic);
      granted.push_back(topic);  // a HEAD follows on it
    } else {
      xpub_->set(zmq::sockopt::unsubscribe, topic);
    }
  }
  return granted;
}

void FeedGrants::NoteKeys() {
  if (registry_->generation() == generation_) return;
  std::map<std::string, std::string> keys;
  for (const auto& [id, node] : registry_->nodes()) {
    if (!node.revoked) keys.emplace(id, node.pubkey);
  }
  bool lost = false;
  for (const auto& [id, key] : keys_) {
    const auto it = keys.find(id);
    lost = lost || it == keys.end() || it->second != key;
  }
  keys_ = std::move(keys);
  generation_ = registry_->generation();
  if (lost) Reopen();
}

// Unbinding drops every connection accepted on the endpoint: each node's SUB
// reconnects and subscribes again through ZAP, where a revoked or replaced key
// is refused. The feed is an accelerator; what a node misses meanwhile it
// FETCHes.
void FeedGrants::Reopen() {
  try {
    xpub_->unbind(bound_);
  } catch (const zmq::error_t& e) {
    spdlog::error("cannot close the feed endpoint {}: {}", bound_, e.what());
    return;
  }
  for (int attempt = 0; attempt < 200; ++attempt) {  // the old listener closes asynchronously
    try {
      xpub_->bind(endpoint_);
      bound_ = xpub_->get(zmq::sockopt::last_endpoint);
      ++reopened_;
      spdlog::info("feed reopened: every feed connection handshakes again");
      audit_->Note(AuditTrail::kAdmin, "", "feed reopened after a revoke or key change");
      return;
    } catch (const zmq::error_t&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  spdlog::error("cannot listen on {} again; the feed is down until the hub restarts", endpoint_);
}

}  // namespace cen::hub
