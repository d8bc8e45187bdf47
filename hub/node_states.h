// What each node last said of itself in a HELLO or PING (its replica's gseq,
// its outbox's size, when): kept in memory as frames arrive and written to
// hub.db's node rows once a second, for `cen-hub status` and its lag column.
//
//   NodeStates states;
//   CEN_RETURN_IF_ERROR(states.Note("RILO-WE", ping_frame, Clock::NowRfc3339()));
//   CEN_RETURN_IF_ERROR(states.Flush(registry));  // what changed since the last flush
//
// Not thread-safe: owned by the hub's thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "hub/node_registry.h"

namespace cen::hub {

class NodeStates {
 public:
  // Both counters ("replica_gseq", "outbox") are optional; when present they
  // are integers, 0 or more (otherwise an error naming the key, and nothing
  // is kept).
  common::Status Note(const std::string& node, const nlohmann::json& frame, std::string seen_at);
  // Writes the states noted since the last flush. On error the rest stay
  // noted, and are written by a later flush.
  common::Status Flush(NodeRegistry& registry);
  // Noted and not yet written.
  size_t dirty() const;

 private:
  struct State {
    int64_t replica_gseq = 0;
    int64_t outbox = 0;
    std::string seen_at;
    bool dirty = false;
  };
  std::map<std::string, State> states_;
};

}  // namespace cen::hub
