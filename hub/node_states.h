// What each node last said of itself in a HELLO or PING (its replica's gseq,
// its outbox's size, when): kept in memory as frames arrive and written to
// hub.db's node rows once a second, for `cen-hub status` and its lag column.
//
//   NodeStates states;
//   CEN_RETURN_IF_ERROR(states.Note("RILO-WE", ping_frame, Clock::NowRfc3339()));
//   CEN_RETURN_IF_ERROR(states.Flush(registry));  // what changed since the last flush
//   for (const auto& id : states.NewlySilent(now, std::chrono::seconds(10))) ...  // log it
//
// Not thread-safe: owned by the hub's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "hub/node_registry.h"

namespace cen::hub {

class NodeStates {
 public:
  // Both counters ("replica_gseq", "outbox") are optional; when present they
  // are integers, 0 or more (otherwise an error naming the key, and nothing
  // is kept).
  // `heard`: when, on the hub's steady clock (NewlySilent()).
  common::Status Note(
      const std::string& node, const nlohmann::json& frame, std::string seen_at,
      std::chrono::steady_clock::time_point heard = std::chrono::steady_clock::now());
  // Writes the states noted since the last flush. On error the rest stay
  // noted, and are written by a later flush.
  common::Status Flush(NodeRegistry& registry);
  // Noted and not yet written.
  size_t dirty() const;
  // The nodes heard from since the hub started that have said nothing for
  // `silence` at `now` (a connected agent PINGs every second), each once
  // until it is heard from again: ZeroMQ tells the hub of no disconnection
  // (a trial read a log with "connected" lines and never a lost one).
  std::vector<std::string> NewlySilent(std::chrono::steady_clock::time_point now,
                                       std::chrono::steady_clock::duration silence);

 private:
  struct State {
    int64_t replica_gseq = 0;
    int64_t outbox = 0;
    std::string seen_at;
    bool dirty = false;
    std::chrono::steady_clock::time_point heard{};
    bool silent = false;  // NewlySilent() said so, and nothing was heard since
  };
  std::map<std::string, State> states_;
};

}  // namespace cen::hub
