#include "hub/registry_carry.h"

#include <map>
#include <string_view>
#include <utility>

#include "common/messages.h"
#include "hub/hub_schema.h"

namespace cen::hub {
namespace {

using Kind = RegistryChange::Kind;

// A `nodes` row. NULL stays NULL (nullopt), as the commands wrote it.
struct RegisteredNode {
  std::string pubkey;
  std::optional<std::string> region;
  std::string added_at;
  std::optional<std::string> last_seen;
  int64_t replica_gseq = 0;
  int64_t outbox = 0;
  std::optional<std::string> revoked_at;
  std::string role;
  std::optional<std::string> rilo;
};

struct RegisteredGroup {
  std::optional<std::string> expires;
  std::string created_at;
  std::map<std::string, std::string> members;  // node -> added_at
};

struct RegistryTables {
  std::map<std::string, RegisteredNode> nodes;
  std::map<std::string, RegisteredGroup> groups;
};

std::optional<std::string> NullableText(const common::Statement& stmt, int col) {
  if (stmt.ColumnIsNull(col)) return std::nullopt;
  return stmt.ColumnText(col);
}

// Runs `sql` and hands each row to `take`.
template <typename Take>
common::Status EachRow(common::Database& db, std::string_view sql, Take take) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return common::Status::Ok();
    take(*stmt);
  }
}

common::Result<RegistryTables> ReadRegistry(common::Database& db) {
  // Roles came with schema 5: every node registered before is a RILO.
  auto schema = HubSchema::Version(db);
  if (!schema.ok()) return schema.status();
  const bool has_roles = schema->value_or(0) >= 5;
  RegistryTables registry;
  CEN_RETURN_IF_ERROR(
      EachRow(db,
              std::string("SELECT id, pubkey, region, added_at, last_seen, replica_gseq, outbox, "
                          "revoked_at, ") +
                  (has_roles ? "role, rilo" : "'rilo', NULL") + " FROM nodes",
              [&](const common::Statement& s) {
                registry.nodes[s.ColumnText(0)] = {
                    s.ColumnText(1),    NullableText(s, 2), s.ColumnText(3),
                    NullableText(s, 4), s.ColumnInt(5),     s.ColumnInt(6),
                    NullableText(s, 7), s.ColumnText(8),    NullableText(s, 9)};
              }));
  CEN_RETURN_IF_ERROR(
      EachRow(db, "SELECT name, expires, created_at FROM groups", [&](const common::Statement& s) {
        registry.groups[s.ColumnText(0)] = {NullableText(s, 1), s.ColumnText(2), {}};
      }));
  CEN_RETURN_IF_ERROR(EachRow(
      db, "SELECT group_name, node, added_at FROM group_members", [&](const common::Statement& s) {
        registry.groups[s.ColumnText(0)].members[s.ColumnText(1)] = s.ColumnText(2);
      }));
  return registry;
}

// Calls `visit(key, in a or nullptr, in b or nullptr)` for every key of
// either map, in order.
template <typename Value, typename Visit>
void EachKey(const std::map<std::string, Value>& a, const std::map<std::string, Value>& b,
             Visit visit) {
  std::map<std::string, std::pair<const Value*, const Value*>> both;
  for (const auto& [key, value] : a) both[key].first = &value;
  for (const auto& [key, value] : b) both[key].second = &value;
  for (const auto& [key, values] : both) visit(key, values.first, values.second);
}

// An NCP's RILO; "" for a RILO.
std::string RiloOf(const RegisteredNode& node) {
  return node.role == "ncp" ? node.rilo.value_or("") : "";
}

void CompareNode(const std::string& id, const RegisteredNode* was, const RegisteredNode* is,
                 std::vector<RegistryChange>* changes) {
  auto add = [&](Kind kind, std::string from = {}, std::string to = {}) {
    changes->push_back({kind, id, "", std::move(from), std::move(to)});
  };
  if (is == nullptr) {
    add(Kind::kNodeGone);
    return;
  }
  if (was == nullptr) {
    add(Kind::kNodeAllowed, "", is->region.value_or(""));
    if (is->revoked_at) add(Kind::kNodeRevoked);
    if (!RiloOf(*is).empty()) add(Kind::kNodeRoleChanged, "", RiloOf(*is));
    return;
  }
  if (was->revoked_at.has_value() != is->revoked_at.has_value())
    add(is->revoked_at ? Kind::kNodeRevoked : Kind::kNodeAllowedAgain);
  if (was->pubkey != is->pubkey) add(Kind::kNodeRekeyed);
  if (was->region != is->region)
    add(Kind::kNodeMoved, was->region.value_or(""), is->region.value_or(""));
  if (RiloOf(*was) != RiloOf(*is)) add(Kind::kNodeRoleChanged, RiloOf(*was), RiloOf(*is));
}

void CompareGroup(const std::string& name, const RegisteredGroup* was, const RegisteredGroup* is,
                  std::vector<RegistryChange>* changes) {
  if (is == nullptr) {
    changes->push_back({Kind::kGroupGone, name, "", "", ""});
    return;
  }
  static const RegisteredGroup kNone;
  if (was == nullptr) {
    changes->push_back({Kind::kGroupCreated, name, "", "", is->expires.value_or("")});
    was = &kNone;
  } else if (was->expires != is->expires) {
    changes->push_back(
        {Kind::kGroupExpiryChanged, name, "", was->expires.value_or(""), is->expires.value_or("")});
  }
  EachKey(was->members, is->members,
          [&](const std::string& node, const std::string* before, const std::string* now) {
            if (now == nullptr) {
              changes->push_back({Kind::kMemberRemoved, name, node, "", ""});
            } else if (before == nullptr) {
              changes->push_back({Kind::kMemberAdded, name, node, "", *now});
            } else if (*before != *now) {
              changes->push_back({Kind::kMemberAddedAgain, name, node, *before, *now});
            }
          });
}

std::optional<std::string_view> NullableView(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return *text;
}

// Writes `carried` as the whole registry of `db`; a node keeps the cursor
// and outbox `db` has for it (`kept`).
common::Status WriteRegistry(common::Database& db, const RegistryTables& carried,
                             const RegistryTables& kept) {
  CEN_RETURN_IF_ERROR(db.Exec("DELETE FROM group_members; DELETE FROM groups; DELETE FROM nodes;"));
  auto node = db.Prepare(
      "INSERT INTO nodes(id, pubkey, region, added_at, last_seen, replica_gseq, outbox, "
      "revoked_at, role, rilo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!node.ok()) return node.status();
  for (const auto& [id, n] : carried.nodes) {
    const auto backup = kept.nodes.find(id);
    const bool known = backup != kept.nodes.end();
    CEN_RETURN_IF_ERROR(node->Bind(1, id)
                            .Bind(2, n.pubkey)
                            .BindViewOrNull(3, NullableView(n.region))
                            .Bind(4, n.added_at)
                            .BindViewOrNull(5, NullableView(n.last_seen))
                            .Bind(6, known ? backup->second.replica_gseq : 0)
                            .Bind(7, known ? backup->second.outbox : 0)
                            .BindViewOrNull(8, NullableView(n.revoked_at))
                            .Bind(9, n.role)
                            .BindViewOrNull(10, NullableView(n.rilo))
                            .Run());
    node->Reset();
  }
  auto group = db.Prepare("INSERT INTO groups(name, expires, created_at) VALUES (?, ?, ?)");
  if (!group.ok()) return group.status();
  auto member =
      db.Prepare("INSERT INTO group_members(group_name, node, added_at) VALUES (?, ?, ?)");
  if (!member.ok()) return member.status();
  for (const auto& [name, g] : carried.groups) {
    CEN_RETURN_IF_ERROR(group->Bind(1, name)
                            .BindViewOrNull(2, NullableView(g.expires))
                            .Bind(3, g.created_at)
                            .Run());
    group->Reset();
    for (const auto& [id, since] : g.members) {
      CEN_RETURN_IF_ERROR(member->Bind(1, name).Bind(2, id).Bind(3, since).Run());
      member->Reset();
    }
  }
  return common::Status::Ok();
}

// The message id that says `change`: {0} the node or group, {1} the member,
// {2} from, {3} to.
const char* MessageOf(const RegistryChange& change) {
  switch (change.kind) {
    case Kind::kNodeAllowed:
      return change.to.empty() ? N_("node {0} allowed (no region)")
                               : N_("node {0} allowed (region {3})");
    case Kind::kNodeGone:
      return N_("node {0} no longer registered (not in the replaced hub.db)");
    case Kind::kNodeRevoked:
      return N_("node {0} revoked");
    case Kind::kNodeAllowedAgain:
      return N_("node {0} allowed again (no longer revoked)");
    case Kind::kNodeRekeyed:
      return N_("node {0}: new key");
    case Kind::kNodeMoved:
      if (change.from.empty()) return N_("node {0} moved into region {3} (it had none)");
      if (change.to.empty()) return N_("node {0} moved out of region {2} (it has none now)");
      return N_("node {0} moved from region {2} to {3}");
    case Kind::kNodeRoleChanged:
      return change.to.empty() ? N_("node {0}: now a RILO")
                               : N_("node {0}: now an NCP validated by {3}");
    case Kind::kGroupCreated:
      return change.to.empty() ? N_("group {0} created (no expiry)")
                               : N_("group {0} created (expires {3})");
    case Kind::kGroupGone:
      return N_("group {0} gone with its members (not in the replaced hub.db)");
    case Kind::kGroupExpiryChanged:
      if (change.from.empty()) return N_("group {0}: expires {3} (no expiry at the backup)");
      if (change.to.empty()) return N_("group {0}: no expiry (it was {2} at the backup)");
      return N_("group {0}: expires {3} (it was {2} at the backup)");
    case Kind::kMemberAdded:
      return N_("group {0}: {1} added");
    case Kind::kMemberRemoved:
      return N_("group {0}: {1} removed");
    case Kind::kMemberAddedAgain:
      return N_("group {0}: {1} removed and added again (a member since {3})");
  }
  return "";
}

}  // namespace

common::Result<std::optional<std::vector<RegistryChange>>> RegistryCarry::Carry(
    common::Database& replaced, common::Database& restored) {
  auto carried = ReadRegistry(replaced);
  if (!carried.ok()) return std::optional<std::vector<RegistryChange>>();
  auto backup = ReadRegistry(restored);
  if (!backup.ok()) return backup.status();
  std::vector<RegistryChange> changes;
  EachKey(backup->nodes, carried->nodes,
          [&](const std::string& id, const RegisteredNode* was, const RegisteredNode* is) {
            CompareNode(id, was, is, &changes);
          });
  EachKey(backup->groups, carried->groups,
          [&](const std::string& name, const RegisteredGroup* was, const RegisteredGroup* is) {
            CompareGroup(name, was, is, &changes);
          });
  CEN_RETURN_IF_ERROR(WriteRegistry(restored, *carried, *backup));
  return std::optional<std::vector<RegistryChange>>(std::move(changes));
}

std::string RegistryCarry::Describe(const RegistryChange& change, bool translated) {
  const char* id = MessageOf(change);
  if (translated)
    return common::Messages::Format(id, change.subject, change.member, change.from, change.to);
  return fmt::format(fmt::runtime(id), change.subject, change.member, change.from, change.to);
}

}  // namespace cen::hub
