// The registry a restore keeps: the nodes and groups of the hub.db it
// replaces, not the backup's. The operator's allow, revoke, set-role and
// group commands made after the backup are the operator's last word; a
// restore that put the backup's registry back silently undid them (a trial:
// a member removed from a group after the backup was one again, and received
// the group's records journaled after its removal).
//
//   auto tx = restored.Begin();
//   auto changes = RegistryCarry::Carry(replaced, restored);  // inside tx
//   for (const RegistryChange& c : **changes) std::cout << RegistryCarry::Describe(c, true) <<
//   "\n";
//
// A node's own observations are not the operator's: `last_seen` is taken
// from the replaced hub.db (when the hub last heard the node), `replica_gseq`
// and `outbox` stay the backup's (they count against the restored journal;
// the node's next PING says them anew; 0 for a node allowed since).
// Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::hub {

// One difference between the backup's registry and the replaced hub.db's.
struct RegistryChange {
  enum class Kind {
    kNodeAllowed,         // registered since the backup; `to`: its region
    kNodeGone,            // in the backup, not in the replaced hub.db
    kNodeRevoked,         // revoked since the backup
    kNodeAllowedAgain,    // revoked at the backup, allowed since
    kNodeRekeyed,         // another key
    kNodeMoved,           // region `from` -> `to` ("" for none)
    kNodeRoleChanged,     // role `from` -> `to`: "rilo", or "ncp of RILO"
    kGroupCreated,        // `to`: its expiry ("" for none)
    kGroupGone,           // in the backup, not in the replaced hub.db
    kGroupExpiryChanged,  // `from` -> `to`
    kMemberAdded,         // `member` added to group `subject`
    kMemberRemoved,
    kMemberAddedAgain,  // removed and added again since: a member from `to`
  };
  Kind kind;
  std::string subject;  // the node's id, or the group's name
  std::string member;   // kMember*: the node
  std::string from;
  std::string to;

  bool operator==(const RegistryChange&) const = default;
};

class RegistryCarry {
 public:
  // Replaces the registry of `restored` (nodes, groups, group_members) by
  // that of `replaced`, a hub database of schema 4 or later, and returns how
  // it differs from the one `restored` had, nodes then groups, each by name.
  // nullopt when `replaced` cannot be read whole: `restored` is left as it
  // was. REQUIRES: a transaction open on `restored` (an error rolls the
  // change back with it).
  static common::Result<std::optional<std::vector<RegistryChange>>> Carry(
      common::Database& replaced, common::Database& restored);

  // The change in a line: in the language in use (`translated`, what the
  // operator reads), else in English (the audit trail).
  static std::string Describe(const RegistryChange& change, bool translated);
};

}  // namespace cen::hub
