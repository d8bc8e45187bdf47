// What the running agent last said about its link to the hub, kept in node.db
// (table agent_state) so `cen-node status` in another process can read it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/sqlite_db.h"

namespace cen::node {

// The agent's link to the hub; stored and shown by its name.
enum class HubState { kStopped, kConnecting, kConnected, kUnauthorized };
// "stopped", "connecting", "connected", "unauthorized".
std::string_view NameOf(HubState state);
// The state of that name; kStopped for any other text (a row written by a
// newer agent that knows more states reads as stopped, not as an error).
HubState HubStateNamed(std::string_view name);

struct AgentStatus {
  HubState hub_state = HubState::kStopped;
  int64_t hub_head = 0;
  std::string updated_at;
  std::string detail;  // the last problem, for a person

  static common::Result<AgentStatus> Read(common::Database& db);
  common::Status Write(common::Database& db) const;
  // The agent's link as its agent.state file says it (ToStateFile), when
  // written after the row: a full disk stops the row's updates, not the
  // file's (a trial read "connected" and an old head minutes after the hub
  // died).
  void TakeNewer(const nlohmann::json& state_file);
  // This link's fields for agent.state.
  void ToStateFile(nlohmann::json* state_file) const;
  bool operator==(const AgentStatus& o) const {
    return hub_state == o.hub_state && hub_head == o.hub_head && detail == o.detail;
  }
};

}  // namespace cen::node
