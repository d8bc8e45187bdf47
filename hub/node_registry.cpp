#include "hub/node_registry.h"

#include "common/clock.h"

namespace cen::hub {

common::Status NodeRegistry::Allow(const NodeInfo& node) {
  auto stmt = db_->Prepare(
      "INSERT INTO nodes(id, pubkey, region, added_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET pubkey=excluded.pubkey, region=excluded.region, "
      "revoked_at=NULL");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, node.id).Bind(2, node.pubkey);
  if (node.region.empty()) {
    stmt->BindNull(3);
  } else {
    stmt->Bind(3, node.region);
  }
  stmt->Bind(4, common::Clock::NowRfc3339());
  common::Status s = stmt->Run();
  if (s.code() == common::StatusCode::kAlreadyExists)
    return common::AlreadyExists("key: this public key is already registered to another node");
  CEN_RETURN_IF_ERROR(s);
  loaded_version_ = -1;
  return Refresh();
}

common::Status NodeRegistry::Revoke(const std::string& id) {
  auto stmt = db_->Prepare("UPDATE nodes SET revoked_at=coalesce(revoked_at, ?) WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(stmt->Bind(1, common::Clock::NowRfc3339()).Bind(2, id).Run());
  if (db_->Changes() == 0) return common::NotFound("node: no node '" + id + "' is registered");
  loaded_version_ = -1;
  return Refresh();
}

common::Status NodeRegistry::Refresh() {
  const int64_t version = db_->DataVersion();
  if (version == loaded_version_ && loaded_version_ != -1) return common::Status::Ok();
  auto stmt =
      db_->Prepare("SELECT id, pubkey, coalesce(region, ''), revoked_at IS NOT NULL FROM nodes");
  if (!stmt.ok()) return stmt.status();
  std::map<std::string, NodeInfo> fresh;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    NodeInfo n{stmt->ColumnText(0), stmt->ColumnText(1), stmt->ColumnText(2),
               stmt->ColumnInt(3) != 0};
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
