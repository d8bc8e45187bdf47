// The hub's registry of nodes allowed to connect: id, CURVE public key, region.
// Backed by the `nodes` table of hub.db, so `cen-hub allow` run from another
// process takes effect on a running hub: Refresh() re-reads the table when
// another connection has committed.
//
// Not thread-safe: each thread keeps its own NodeRegistry over its own Database.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::hub {

// What a node is in the validation workflow. A RILO's records reach their
// scope when journaled; an NCP's records wait for its RILO's decision.
enum class NodeRole { kRilo, kNcp };

struct NodeInfo {
  std::string id;
  std::string pubkey;    // Z85
  std::string region;    // may be empty
  bool revoked = false;  // `cen-hub revoke`: refused at ZAP, served nothing
  NodeRole role = NodeRole::kRilo;
  std::string rilo = {};  // kNcp: the RILO that validates its records
};

class NodeRegistry {
 public:
  explicit NodeRegistry(common::Database* db) : db_(db) {}

  // Registers a node, or updates its key (and its region, when one is given:
  // an empty one keeps the node's) when the id exists (the
  // old key is refused from then on) and lifts a revocation.
  // REQUIRES: id and key already validated. `at` (RFC 3339) stamps it;
  // empty: now (a cluster member passes the time the leader gave).
  common::Status Allow(const NodeInfo& node, const std::string& at = "");
  // Makes `id` a RILO (`rilo` empty) or an NCP validated by RILO `rilo`.
  // kInvalidInput naming the field when the change would leave an NCP
  // without a registered, active RILO; kNotFound when no such id.
  common::Status SetRole(const std::string& id, NodeRole role, const std::string& rilo);
  // "rilo" or "ncp"; Parse gives nullopt for anything else.
  static std::string_view RoleName(NodeRole role);
  static std::optional<NodeRole> ParseRole(std::string_view name);
  // The RILO that must validate `origin`'s records, or "" when they need no
  // validation (a RILO, the hub operator, an unknown id).
  std::string ValidatorOf(std::string_view origin) const;
  // Marks a registered node revoked (at `at`, as for Allow). kNotFound
  // when no such id.
  common::Status Revoke(const std::string& id, const std::string& at = "");
  // Re-reads the table if any connection changed the database since last time.
  common::Status Refresh();
  // The next Refresh() reads the table again (after this connection itself
  // replaced the database, which PRAGMA data_version does not report).
  void Invalidate() { loaded_version_ = -1; }
  // Revoked nodes included: callers check `revoked`.
  std::optional<NodeInfo> FindByKey(const std::string& z85) const;
  const NodeInfo* Find(const std::string& id) const;
  // Registered and not revoked, else nullptr.
  const NodeInfo* FindActive(const std::string& id) const;
  const std::map<std::string, NodeInfo>& nodes() const { return nodes_; }
  // The NCPs whose RILO is `rilo` ("A, B"; "" for none), revoked ones too
  // unless `active_only`.
  std::string NcpsOf(const std::string& rilo, bool active_only) const;
  // Changes each time Refresh() or a write re-reads the table.
  int64_t generation() const { return generation_; }

  // Remembers what a node last told about itself (for `cen-hub status`).
  common::Status RecordNodeState(const std::string& id, const std::string& seen_at,
                                 int64_t replica_gseq, int64_t outbox);

 private:
  common::Database* db_;  // not owned
  int64_t loaded_version_ = -1;
  std::map<std::string, NodeInfo> nodes_;
  int64_t generation_ = 0;
};

}  // namespace cen::hub
