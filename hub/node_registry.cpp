#include "hub/node_registry.h"

#include "common/clock.h"
#include "common/messages.h"

namespace cen::hub {

common::Status NodeRegistry::Allow(const NodeInfo& node, const std::string& at) {
  auto stmt = db_->Prepare(
      "INSERT INTO nodes(id, pubkey, region, added_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET pubkey=excluded.pubkey, "
      "region=coalesce(excluded.region, region), revoked_at=NULL");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, node.id).Bind(2, node.pubkey);
  if (node.region.empty()) {
    stmt->BindNull(3);
  } else {
    stmt->Bind(3, node.region);
  }
  stmt->Bind(4, at.empty() ? common::Clock::NowRfc3339() : at);
  common::Status s = stmt->Run();
  if (s.code() == common::StatusCode::kAlreadyExists)
    return common::AlreadyExists("key: this public key is already registered to another node");
  CEN_RETURN_IF_ERROR(s);
  loaded_version_ = -1;
  return Refresh();
}

std::string_view NodeRegistry::RoleName(NodeRole role) {
  return role == NodeRole::kNcp ? "ncp" : "rilo";
}

std::optional<NodeRole> NodeRegistry::ParseRole(std::string_view name) {
  if (name == "rilo") return NodeRole::kRilo;
  if (name == "ncp") return NodeRole::kNcp;
  return std::nullopt;
}

std::string NodeRegistry::ValidatorOf(std::string_view origin) const {
  const NodeInfo* n = Find(std::string(origin));
  return n != nullptr && n->role == NodeRole::kNcp ? n->rilo : std::string();
}

common::Status NodeRegistry::SetRole(const std::string& id, NodeRole role,
                                     const std::string& rilo) {
  CEN_RETURN_IF_ERROR(Refresh());
  if (Find(id) == nullptr)
    return common::NotFound(common::Messages::Format("node: no node '{}' is registered", id));
  if (role == NodeRole::kRilo && !rilo.empty())
    return common::InvalidInput(
        common::Messages::Tr("rilo: only an NCP has a RILO; leave --rilo out for --role rilo"));
  if (role == NodeRole::kNcp) {
    if (rilo.empty())
      return common::InvalidInput(common::Messages::Tr(
          "rilo: an NCP needs the RILO that validates its records: --rilo ID"));
    if (rilo == id)
      return common::InvalidInput(
          common::Messages::Tr("rilo: an NCP cannot validate its own records"));
    const NodeInfo* r = FindActive(rilo);
    if (r == nullptr)
      return common::InvalidInput(
          common::Messages::Format("rilo: no active node '{}' is registered", rilo));
    if (r->role != NodeRole::kRilo)
      return common::InvalidInput(
          common::Messages::Format("rilo: node '{}' is an NCP, not a RILO", rilo));
    if (const std::string ncps = NcpsOf(id, false); !ncps.empty())
      return common::InvalidInput(common::Messages::Format(
          "role: node '{}' is the RILO of {}; give them another RILO first", id, ncps));
    // Records journaled for it to decide stay its to decide.
    auto open = db_->Prepare(
        "SELECT count(*) FROM validations WHERE rilo = ? AND state IN ('pending', 'returned')");
    if (!open.ok()) return open.status();
    auto row = open->Bind(1, id).Step();
    if (!row.ok()) return row.status();
    if (open->ColumnInt(0) > 0)
      return common::InvalidInput(common::Messages::Format(
          "role: node '{}' still has {} NCP record(s) to decide (cen-query pending at that node)",
          id, std::to_string(open->ColumnInt(0))));
  }
  auto stmt = db_->Prepare("UPDATE nodes SET role=?, rilo=? WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, std::string(RoleName(role)));
  if (rilo.empty()) {
    stmt->BindNull(2);
  } else {
    stmt->Bind(2, rilo);
  }
  CEN_RETURN_IF_ERROR(stmt->Bind(3, id).Run());
  loaded_version_ = -1;
  return Refresh();
}

common::Status NodeRegistry::Revoke(const std::string& id, const std::string& at) {
  auto stmt = db_->Prepare("UPDATE nodes SET revoked_at=coalesce(revoked_at, ?) WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(
      stmt->Bind(1, at.empty() ? common::Clock::NowRfc3339() : at).Bind(2, id).Run());
  if (db_->Changes() == 0)
    return common::NotFound(common::Messages::Format("node: no node '{}' is registered", id));
  loaded_version_ = -1;
  return Refresh();
}

common::Status NodeRegistry::Refresh() {
  const int64_t version = db_->DataVersion();
  if (version == loaded_version_ && loaded_version_ != -1) return common::Status::Ok();
  auto stmt = db_->Prepare(
      "SELECT id, pubkey, coalesce(region, ''), revoked_at IS NOT NULL, role, "
      "coalesce(rilo, '') FROM nodes");
  if (!stmt.ok()) return stmt.status();
  std::map<std::string, NodeInfo> fresh;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    NodeInfo n{stmt->ColumnText(0),
               stmt->ColumnText(1),
               stmt->ColumnText(2),
               stmt->ColumnInt(3) != 0,
               ParseRole(stmt->ColumnText(4)).value_or(NodeRole::kRilo),
               stmt->ColumnText(5)};
    fresh.emplace(n.id, std::move(n));
  }
  nodes_ = std::move(fresh);
  loaded_version_ = version;
  ++generation_;
  return common::Status::Ok();
}

std::optional<NodeInfo> NodeRegistry::FindByKey(const std::string& z85) const {
  for (const auto& [id, n] : nodes_) {
    if (n.pubkey == z85) return n;
  }
  return std::nullopt;
}

std::string NodeRegistry::NcpsOf(const std::string& rilo, bool active_only) const {
  std::string ncps;
  for (const auto& [id, n] : nodes_) {
    if (n.role == NodeRole::kNcp && n.rilo == rilo && !(active_only && n.revoked))
      ncps += (ncps.empty() ? "" : ", ") + id;
  }
  return ncps;
}

const NodeInfo* NodeRegistry::Find(const std::string& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

const NodeInfo* NodeRegistry::FindActive(const std::string& id) const {
  const NodeInfo* n = Find(id);
  return n != nullptr && !n->revoked ? n : nullptr;
}

common::Status NodeRegistry::RecordNodeState(const std::string& id, const std::string& seen_at,
                                             int64_t replica_gseq, int64_t outbox) {
  auto stmt = db_->Prepare("UPDATE nodes SET last_seen=?, replica_gseq=?, outbox=? WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, seen_at).Bind(2, replica_gseq).Bind(3, outbox).Bind(4, id).Run();
}

}  // namespace cen::hub
