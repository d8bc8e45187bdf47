// The regional node agent (`cen-node run`): forwards the outbox to the hub with
// a window of records in flight and resends whatever was not acked after any
// reconnect; applies the feed to the replica in gseq order, repairs gaps by
// FETCH, notices what it missed from the heartbeat's head; rebuilds the replica
// and re-offers its own records when the hub's epoch changes.
//
// With a drop folder it also imports the files handed in there (DropFolder).
// It reacts to alerts and hits (AlertTracker: receipts, indicator and watch
// hits) and runs the office's hooks for them (HookRunner).
//
//   NodeAgent agent(data_dir);  // or NodeAgent(data_dir, drop_dir)
//   CEN_RETURN_IF_ERROR(agent.Run(stop_flag));
//
// Not thread-safe: Run() owns its sockets and its node.db connection.
#pragma once

#include <atomic>
#include <string>

#include "common/status.h"

namespace cen::node {

class NodeAgent {
 public:
  // Each one, when not empty, overrides node.toml's setting of that name.
  struct Overrides {
    std::string drop_dir;
    std::string on_alert;
    std::string on_hit;
    int rt_priority = -1;  // overrides node.toml's rt_priority when >= 0
  };
  explicit NodeAgent(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  NodeAgent(std::string data_dir, Overrides overrides)
      : data_dir_(std::move(data_dir)), overrides_(std::move(overrides)) {}
  common::Status Run(const std::atomic<bool>& stop);

 private:
  std::string data_dir_;
  Overrides overrides_;
};

}  // namespace cen::node
