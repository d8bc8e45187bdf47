// node.toml in a node's data directory: who the node is and where its hub is.
#pragma once

#include <string>
#include <vector>

#include "common/rt_priority.h"
#include "common/status.h"

namespace cen::node {

// Where a hub listens for nodes, and its key.
struct HubAddress {
  std::string endpoint;  // tcp://HOST:PORT of its ingest socket
  std::string key;       // its CURVE public key, Z85
  bool operator==(const HubAddress&) const = default;
};

struct NodeConfig {
  std::string node_id;
  std::string hub_endpoint;  // tcp://HOST:PORT of the hub's ingest socket
  std::string hub_key;       // the hub's CURVE public key, Z85
  // The other members when the hub is a cluster (node.toml's other_hubs):
  // the agent goes to whichever member leads.
  std::vector<HubAddress> other_hubs;
  std::string region;
  int window = 16384;  // records in flight, not yet acked
  int batch = 256;     // records per PUBLISH frame (the hub commits about this many at once)
  // How large node.db's write-ahead log may grow before the agent's bulk
  // work (apply, country batches) waits for a checkpoint (common::LogLimit).
  int64_t max_log_mib = 64;
  std::string drop_dir;  // the agent's drop folder (see DropFolder); "" for none.
                         // In node.toml a relative path is below the data directory.
  std::string on_alert;  // hook: shell command run with each new alert as JSON on stdin
  std::string on_hit;    // hook: shell command run with each new hit as JSON on stdin
  // The SCHED_FIFO priority of the thread that watches for urgent alerts
  // and lends it to the agent's loop until the alert is applied
  // (common::UrgentWatch); 0: none. Needs CAP_SYS_NICE or RLIMIT_RTPRIO.
  int rt_priority = common::RtPriority::kDefault;

  static common::Result<NodeConfig> Load(const std::string& data_dir);
  // hub_key is a Z85 public key (the agent needs it; queries and submits do not).
  common::Status CheckHubKey(const std::string& data_dir) const;
  common::Status Save(const std::string& data_dir) const;
  // tcp://HOST:<feed_port>, from the ingest endpoint's host.
  std::string FeedEndpoint(int feed_port) const;
};

}  // namespace cen::node
