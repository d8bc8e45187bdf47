// Who may listen to the feed. The hub's XPUB reports every SUB's subscribe
// and unsubscribe; FeedGrants passes on (ZMQ_XPUB_MANUAL) only a node's own
// topics, `N:<id>/` and `P:<id>/`, from a connection authenticated with the
// node's current key, and audits every grant and refusal. When a node is
// revoked or re-keyed it drops every feed connection (libzmq cannot drop one
// subscriber), so each SUB handshakes again through ZAP.
//
//   FeedGrants grants(&xpub, endpoint, bound, &registry, &audit);
//   for (const std::string& topic : grants.Drain()) SendHead(topic);  // granted feeds
//   grants.NoteKeys();  // after the registry changed
//
// Not thread-safe: the thread that owns the XPUB.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "hub/audit_trail.h"
#include "hub/node_registry.h"

namespace cen::hub {

class FeedGrants {
 public:
  // `endpoint`: what the XPUB was bound to; `bound`: its ZMQ_LAST_ENDPOINT.
  FeedGrants(zmq::socket_t* xpub, std::string endpoint, std::string bound,
             const NodeRegistry* registry, AuditTrail* audit);

  // Handles up to `max` subscription messages waiting. Returns the feed
  // topics (`N:<id>/` and `P:<id>/`) granted now: the caller sends each a
  // HEAD at once.
  std::vector<std::string> Drain(int max);
  // Remembers the key of every active node; when one was revoked, removed or
  // re-keyed since the last call, reopens the feed (every connection drops).
  void NoteKeys();
  // How many times the feed was reopened (for tests and logs).
  int64_t reopened() const { return reopened_; }

 private:
  void Reopen();

  zmq::socket_t* xpub_;  // not owned
  std::string endpoint_;
  std::string bound_;
  const NodeRegistry* registry_;             // not owned
  AuditTrail* audit_;                        // not owned
  std::map<std::string, std::string> keys_;  // active node id -> key
  int64_t generation_ = -1;                  // of the registry when keys_ was taken
  int64_t reopened_ = 0;
};

}  // namespace cen::hub
