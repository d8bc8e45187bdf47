#include "hub/admin_change.h"

#include <array>
#include <string_view>
#include <utility>

#include "hub/audit_trail.h"

namespace cen::hub {
namespace {

constexpr std::array<std::pair<AdminChange::Op, std::string_view>, 8> kOps = {{
    {AdminChange::Op::kAllow, "allow"},
    {AdminChange::Op::kSetRole, "set-role"},
    {AdminChange::Op::kRevoke, "revoke"},
    {AdminChange::Op::kGroupCreate, "group-create"},
    {AdminChange::Op::kGroupAdd, "group-add"},
    {AdminChange::Op::kGroupRemove, "group-remove"},
    {AdminChange::Op::kMemberAdd, "member-add"},
    {AdminChange::Op::kMemberRemove, "member-remove"},
}};

// Sets the role inside the caller's transaction and audits it.
common::Status ChangeRole(common::Database& db, NodeRegistry& registry, const std::string& id,
                          const std::string& role_name, const std::string& rilo,
                          const std::string& at) {
  const std::optional<NodeRole> role = NodeRegistry::ParseRole(role_name);
  if (!role) return common::InvalidInput("role: must be rilo or ncp, not '" + role_name + "'");
  CEN_RETURN_IF_ERROR(registry.SetRole(id, *role, rilo));
  return AuditTrail::Record(
      db, AuditTrail::kAdmin, id,
      "role " + std::string(NodeRegistry::RoleName(*role)) + (rilo.empty() ? "" : ", rilo " + rilo),
      at);
}

}  // namespace

common::Result<AdminChange::Effect> AdminChange::Apply(common::Database& db, NodeRegistry& registry,
                                                       GroupRegistry& groups,
                                                       const std::string& at) const {
  Effect effect;
  switch (op) {
    case Op::kAllow: {
      CEN_RETURN_IF_ERROR(registry.Refresh());
      const NodeInfo* before = registry.Find(node);
      effect.rekeyed = before != nullptr && before->pubkey != key;
      effect.was_revoked = before != nullptr && before->revoked;
      CEN_RETURN_IF_ERROR(registry.Allow({node, key, region}, at));
      effect.detail = std::string(effect.rekeyed ? "allow, key replaced by " : "allow, key ") +
                      key + ", region '" + region + "'" +
                      (effect.was_revoked ? ", revocation lifted" : "");
      break;
    }
    case Op::kSetRole:
      CEN_RETURN_IF_ERROR(ChangeRole(db, registry, node, role, rilo, at));
      return effect;  // audited by ChangeRole
    case Op::kRevoke: {
      CEN_RETURN_IF_ERROR(registry.Refresh());
      const NodeInfo* before = registry.Find(node);
      effect.was_revoked = before != nullptr && before->revoked;
      CEN_RETURN_IF_ERROR(registry.Revoke(node, at));
      effect.detail = effect.was_revoked ? "revoke (revoked already)" : "revoke";
      break;
    }
    case Op::kGroupCreate:
      CEN_RETURN_IF_ERROR(groups.Create(group, expires, at));
      effect.detail = "group create " + group + (expires.empty() ? "" : " expires " + expires);
      break;
    case Op::kGroupAdd:
      CEN_RETURN_IF_ERROR(groups.Add(group, node, at));
      effect.detail = "group add " + group;
      break;
    case Op::kGroupRemove:
      CEN_RETURN_IF_ERROR(groups.Remove(group, node));
      effect.detail = "group remove " + group;
      break;
    case Op::kMemberAdd:
    case Op::kMemberRemove:
      return common::Internal("a membership change is Raft's, not the registry's");
  }
  CEN_RETURN_IF_ERROR(AuditTrail::Record(db, AuditTrail::kAdmin, node, effect.detail, at));
  if (op == Op::kAllow && !role.empty())
    CEN_RETURN_IF_ERROR(ChangeRole(db, registry, node, role, rilo, at));
  return effect;
}

bool AdminChange::IsRefusal(const common::Status& s) {
  switch (s.code()) {
    case common::StatusCode::kInvalidInput:
    case common::StatusCode::kNotFound:
    case common::StatusCode::kAlreadyExists:
    case common::StatusCode::kUsage:
      return true;
    default:
      return false;
  }
}

nlohmann::json AdminChange::ToJson() const {
  std::string_view name;
  for (const auto& [o, n] : kOps) {
    if (o == op) name = n;
  }
  return {{"op", name},       {"node", node}, {"key", key},      {"region", region},
          {"role", role},     {"rilo", rilo}, {"group", group},  {"expires", expires},
          {"member", member}, {"raft", raft}, {"ingest", ingest}};
}

common::Result<AdminChange> AdminChange::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return common::InvalidInput("admin change: not an object");
  AdminChange c;
  const std::string name = j.value("op", "");
  bool known = false;
  for (const auto& [o, n] : kOps) {
    if (n == name) {
      c.op = o;
      known = true;
    }
  }
  if (!known) return common::InvalidInput("admin change: op: unknown \"" + name + "\"");
  for (auto [field, target] : {std::pair{"node", &c.node},
                               {"key", &c.key},
                               {"region", &c.region},
                               {"role", &c.role},
                               {"rilo", &c.rilo},
                               {"group", &c.group},
                               {"expires", &c.expires},
                               {"raft", &c.raft},
                               {"ingest", &c.ingest}}) {
    const auto it = j.find(field);
    if (it == j.end() || !it->is_string())
      return common::InvalidInput(std::string("admin change: ") + field + ": must be a string");
    *target = it->get<std::string>();
  }
  const auto member = j.find("member");
  if (member == j.end() || !member->is_number_integer())
    return common::InvalidInput("admin change: member: must be an integer");
  c.member = member->get<int64_t>();
  return c;
}

nlohmann::json AdminChange::EffectToJson(const Effect& e) {
  return {{"rekeyed", e.rekeyed}, {"was_revoked", e.was_revoked}, {"detail", e.detail}};
}

AdminChange::Effect AdminChange::EffectFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return {};
  return {j.value("rekeyed", false), j.value("was_revoked", false), j.value("detail", "")};
}

}  // namespace cen::hub
