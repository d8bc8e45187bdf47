// The regional node agent (`cen-node run`): forwards the outbox to the hub with
// a window of records in flight and resends whatever was not acked after any
// reconnect; applies the feed to the replica in gseq order, repairs gaps by
// FETCH, notices what it missed from the heartbeat's head; rebuilds the replica
// and re-offers its own records when the hub's epoch changes.
//
//   NodeAgent agent(data_dir);
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
  explicit NodeAgent(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  common::Status Run(const std::atomic<bool>& stop);

 private:
  std::string data_dir_;
};

}  // namespace cen::node
