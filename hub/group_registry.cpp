#include "hub/group_registry.h"

#include <algorithm>

#include "common/clock.h"
#include "common/utf8.h"

namespace cen::hub {
bool GroupRegistry::IsValidName(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return common::Utf8::IsAsciiUpper(c) || common::Utf8::IsAsciiLower(c) ||
           common::Utf8::IsAsciiDigit(c) || c == '_' || c == '-';
  });
}

bool GroupRegistry::IsValidDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (const size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!common::Utf8::IsAsciiDigit(d[i])) return false;
  }
  const int month = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

common::Status GroupRegistry::Create(const std::string& name, const std::string& expires,
                                     const std::string& at) {
  loaded_version_ = -1;  // this connection's own writes leave data_version as it is
  auto stmt = db_->Prepare("INSERT INTO groups(name, expires, created_at) VALUES (?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, name).Bind(3, at.empty() ? common::Clock::NowRfc3339() : at);
  if (expires.empty()) {
    stmt->BindNull(2);
  } else {
    stmt->Bind(2, expires);
  }
  const common::Status s = stmt->Run();
  if (s.code() == common::StatusCode::kAlreadyExists)
    return common::AlreadyExists("group: '" + name + "' already exists");
  return s;
}

common::Status GroupRegistry::RequireGroup(const std::string& name) {
  auto stmt = db_->Prepare("SELECT 1 FROM groups WHERE name=?");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Bind(1, name).Step();
  if (!row.ok()) return row.status();
  if (!*row)
    return common::NotFound("group: no group '" + name + "'; create it with cen-hub group create");
  return common::Status::Ok();
}

common::Status GroupRegistry::Add(const std::string& name, const std::string& node,
                                  const std::string& at) {
  loaded_version_ = -1;  // this connection's own writes leave data_version as it is
  CEN_RETURN_IF_ERROR(RequireGroup(name));
  auto known = db_->Prepare("SELECT 1 FROM nodes WHERE id=?");
  if (!known.ok()) return known.status();
  auto row = known->Bind(1, node).Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::NotFound("node: no node '" + node + "' is registered");
  auto stmt = db_->Prepare(
      "INSERT OR IGNORE INTO group_members(group_name, node, added_at) VALUES (?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, name)
      .Bind(2, node)
      .Bind(3, at.empty() ? common::Clock::NowRfc3339() : at)
      .Run();
}

common::Status GroupRegistry::Remove(const std::string& name, const std::string& node) {
  loaded_version_ = -1;  // this connection's own writes leave data_version as it is
  CEN_RETURN_IF_ERROR(RequireGroup(name));
  auto stmt = db_->Prepare("DELETE FROM group_members WHERE group_name=? AND node=?");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(stmt->Bind(1, name).Bind(2, node).Run());
  if (db_->Changes() == 0)
    return common::NotFound("node: '" + node + "' is not a member of group '" + name + "'");
  return common::Status::Ok();
}

common::Result<std::vector<GroupInfo>> GroupRegistry::List() {
  auto stmt = db_->Prepare(
      "SELECT g.name, coalesce(g.expires, ''), m.node, m.added_at FROM groups AS g "
      "LEFT JOIN group_members AS m ON m.group_name = g.name ORDER BY g.name, m.node");
  if (!stmt.ok()) return stmt.status();
  std::vector<GroupInfo> groups;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string name = stmt->ColumnText(0);
    if (groups.empty() || groups.back().name != name)
      groups.push_back({name, stmt->ColumnText(1), {}, {}});
    if (stmt->ColumnIsNull(2)) continue;
    groups.back().members.push_back(stmt->ColumnText(2));
    groups.back().added_at.push_back(stmt->ColumnText(3));
  }
  return groups;
}

common::Status GroupRegistry::Refresh(std::string_view day) {
  const int64_t version = db_->DataVersion();
  const std::string today = day.empty() ? common::Clock::TodayUtc() : std::string(day);
  if (version == loaded_version_ && today == loaded_date_) return common::Status::Ok();
  auto groups = List();
  if (!groups.ok()) return groups.status();
  active_.clear();
  known_.clear();
  for (auto& g : *groups) {
    known_.insert(g.name);
    // ISO dates compare as text.
    if (!g.expires.empty() && g.expires < today) continue;
    auto& members = active_[g.name];
    for (size_t i = 0; i < g.members.size(); ++i) members[g.members[i]] = g.added_at[i];
  }
  loaded_version_ = version;
  loaded_date_ = today;
  return common::Status::Ok();
}

bool GroupRegistry::IsMember(std::string_view name, std::string_view node) const {
  auto it = active_.find(name);
  return it != active_.end() && it->second.find(node) != it->second.end();
}

std::vector<std::string> GroupRegistry::GroupsOf(std::string_view node) const {
  std::vector<std::string> out;
  for (const auto& [name, members] : active_) {
    if (members.find(node) != members.end()) out.push_back(name);
  }
  return out;
}

std::vector<std::string> GroupRegistry::GroupsSince(std::string_view node) const {
  std::vector<std::string> out;
  for (const auto& [name, members] : active_) {
    if (auto it = members.find(node); it != members.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace cen::hub
