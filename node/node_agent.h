// The regional node agent (`cen-node run`): forwards the outbox to the hub with
// a window of records in flight and resends whatever was not acked after any
// reconnect; applies the feed to the replica in gseq order, repairs gaps by
// FETCH, notices what it missed from the heartbeat's head; rebuilds the replica
// and re-offers its own records when the hub's epoch changes.
//
// With a drop folder it also imports the files handed in there (DropFolder).
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
  // `drop_dir` overrides node.toml's drop_dir when not empty.
  explicit NodeAgent(std::string data_dir, std::string drop_dir = "")
      : data_dir_(std::move(data_dir)), drop_dir_(std::move(drop_dir)) {}
  common::Status Run(const std::atomic<bool>& stop);

 private:
  std::string data_dir_;
  std::string drop_dir_;
};

}  // namespace cen::node
