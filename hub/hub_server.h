// The running hub: ingest ROUTER (HELLO, PUBLISH, FETCH, PING), durable
// journal with group commit, feed XPUB with per-node topics granted by the
// authenticated identity, heartbeats with the head.
//
//   HubServer server(data_dir);
//   CEN_RETURN_IF_ERROR(server.Run(stop_flag));  // until *stop_flag
//
// Feed topics: every node subscribes to "N:<its id>" and the hub grants that
// topic only to a connection whose ZAP User-Id is that id (ZMQ_XPUB_MANUAL).
// Each gseq goes to each node's topic as a REC (the node may see it) or a SKIP
// (it may not), so a node can tell a record withheld from a record lost.
//
// Not thread-safe: Run() owns every socket it creates.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "common/status.h"
#include "common/wal_syncer.h"

namespace cen::hub {

class HubServer {
 public:
  struct Options {
    // How a single hub makes hub.db's log durable after bulk commits (empty:
    // fdatasync). Tests hold it back or make it fail.
    common::WalSyncer::SyncFn wal_sync;
    int rt_priority = -1;  // overrides hub.toml's rt_priority when >= 0
    // Called once, when the hub listens on every port hub.toml names (and a
    // cluster member on its Raft endpoint) and starts serving; a program
    // embedding the hub waits for it rather than for a fixed time.
    std::function<void()> serving;
  };
  explicit HubServer(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  HubServer(std::string data_dir, Options options)
      : data_dir_(std::move(data_dir)), options_(std::move(options)) {}
  common::Status Run(const std::atomic<bool>& stop);

 private:
  std::string data_dir_;
  Options options_;
};

}  // namespace cen::hub
