// A change the hub operator makes to the node registry or the groups
// (`cen-hub allow`, `set-role`, `revoke`, `group create|add|remove`), as one
// value: a single hub applies it to hub.db at once; a cluster member queues
// it for the leader (AdminQueue), which carries it in a Raft entry that
// every member applies alike (HubStateMachine).
//
//   AdminChange change{AdminChange::Op::kRevoke, "RILO-WE"};
//   auto tx = db.Begin();
//   auto effect = change.Apply(db, registry, groups, common::Clock::NowRfc3339());
//
// Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/sqlite_db.h"
#include "common/status.h"
#include "hub/group_registry.h"
#include "hub/node_registry.h"

namespace cen::hub {

struct AdminChange {
  enum class Op {
    kAllow,
    kSetRole,
    kRevoke,
    kGroupCreate,
    kGroupAdd,
    kGroupRemove,
    // Cluster membership (`cen-hub cluster add|remove`): made by the leader
    // through Raft's own configuration changes, not by Apply().
    kMemberAdd,
    kMemberRemove,
  };
  Op op = Op::kAllow;
  std::string node = {};     // every op but kGroupCreate
  std::string key = {};      // kAllow: Z85
  std::string region = {};   // kAllow
  std::string role = {};     // kAllow (may be empty: kept), kSetRole: "rilo" or "ncp"
  std::string rilo = {};     // role "ncp"
  std::string group = {};    // kGroup*
  std::string expires = {};  // kGroupCreate: YYYY-MM-DD or empty
  int64_t member = 0;        // kMember*: its Raft id
  std::string raft = {};     // kMemberAdd: tcp://HOST:PORT of its Raft
  std::string ingest = {};   // kMemberAdd: tcp://HOST:PORT where nodes reach it
  bool membership() const { return op == Op::kMemberAdd || op == Op::kMemberRemove; }

  // What Apply() did, for the operator's message.
  struct Effect {
    bool rekeyed = false;      // kAllow: the node had another key
    bool was_revoked = false;  // kAllow: a revocation was lifted; kRevoke: revoked already
    std::string detail;        // as audited
  };

  // Makes the change and its audit entry (stamped `at`) inside the caller's
  // transaction. The registries' own refusals (an unknown node, a group that
  // exists) come back as they are, with nothing changed: the caller rolls
  // back, or on a cluster member reports them as the change's outcome.
  common::Result<Effect> Apply(common::Database& db, NodeRegistry& registry, GroupRegistry& groups,
                               const std::string& at) const;
  // True for the refusals Apply() reports about the change itself (every
  // member refuses it alike), false for a failure of the store.
  static bool IsRefusal(const common::Status& s);

  nlohmann::json ToJson() const;
  // kInvalidInput naming the field on anything ToJson() did not write.
  static common::Result<AdminChange> FromJson(const nlohmann::json& j);
  static nlohmann::json EffectToJson(const Effect& e);
  static Effect EffectFromJson(const nlohmann::json& j);
};

}  // namespace cen::hub
