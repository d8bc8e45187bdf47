#include "node/agent/agent_status.h"

#include <utility>

#include "common/clock.h"

namespace cen::node {

namespace {
constexpr std::pair<HubState, std::string_view> kNames[] = {
    {HubState::kStopped, "stopped"},
    {HubState::kConnecting, "connecting"},
    {HubState::kConnected, "connected"},
    {HubState::kUnauthorized, "unauthorized"},
};
}  // namespace

std::string_view NameOf(HubState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "stopped";
}

HubState HubStateNamed(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return HubState::kStopped;
}

common::Result<AgentStatus> AgentStatus::Read(common::Database& db) {
  auto stmt = db.Prepare(
      "SELECT hub_state, hub_head, coalesce(updated_at,''), coalesce(detail,'') FROM agent_state "
      "WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  AgentStatus s;
  if (*row) {
    s.hub_state = HubStateNamed(stmt->ColumnText(0));
    s.hub_head = stmt->ColumnInt(1);
    s.updated_at = stmt->ColumnText(2);
    s.detail = stmt->ColumnText(3);
  }
  return s;
}

common::Status AgentStatus::Write(common::Database& db) const {
  auto stmt = db.Prepare(
      "UPDATE agent_state SET hub_state=?, hub_head=?, updated_at=?, detail=? WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, NameOf(hub_state))
      .Bind(2, hub_head)
      .Bind(3, common::Clock::NowRfc3339())
      .Bind(4, detail)
      .Run();
}

void AgentStatus::TakeNewer(const nlohmann::json& state_file) {
  const auto text = [&](const char* key) {
    const auto it = state_file.find(key);
    return it != state_file.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  // RFC 3339 UTC with milliseconds: later times sort later.
  const std::string at = text("updated_at");
  const auto head = state_file.find("hub_head");
  if (at.empty() || at <= updated_at || head == state_file.end() || !head->is_number_integer())
    return;
  hub_state = HubStateNamed(text("hub_state"));
  hub_head = head->get<int64_t>();
  detail = text("detail");
  updated_at = at;
}

void AgentStatus::ToStateFile(nlohmann::json* state_file) const {
  (*state_file)["hub_state"] = NameOf(hub_state);
  (*state_file)["hub_head"] = hub_head;
  (*state_file)["detail"] = detail;
}

}  // namespace cen::node
