// What the running agent last said about its link to the hub, kept in node.db
// (table agent_state) so `cen-node status` in another process can read it.
#pragma once

#include <cstdint>
#include <string>

#include "common/sqlite_db.h"

namespace cen::node {

struct AgentStatus {
  std::string hub_state = "stopped";  // connected | connecting | unauthorized | stopped
  int64_t hub_head = 0;
  std::string updated_at;
  std::string detail;  // the last problem, for a person

  static common::Result<AgentStatus> Read(common::Database& db);
  common::Status Write(common::Database& db) const;
  bool operator==(const AgentStatus& o) const {
    return hub_state == o.hub_state && hub_head == o.hub_head && detail == o.detail;
  }
};

}  // namespace cen::node
