// hub.toml in the hub's data directory: where the hub listens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/rt_priority.h"
#include "common/status.h"

namespace cen::hub {

// A member of a hub cluster, as every member's hub.toml lists it.
struct ClusterMemberConfig {
  int64_t id = 0;      // Raft server id, >= 1
  std::string raft;    // tcp://HOST:PORT where it talks Raft with the others
  std::string ingest;  // tcp://HOST:PORT where nodes reach it (a follower names the leader's)
  std::string key;     // its CURVE public key (Z85): its curve.pub
};

struct HubConfig {
  std::string hub_id = "hub";
  std::string bind = "127.0.0.1";
  int ingest_port = 7701;
  int feed_port = 7702;
  // Default: 16 MiB. Frames larger than this are dropped by libzmq.
  int64_t max_message_bytes = 16 * 1024 * 1024;
  // How large hub.db's write-ahead log may grow, in MiB, before the hub
  // commits no bulk records until a checkpoint has copied all of it (urgent
  // alerts still go in); the file is cut back to this size (common::LogLimit).
  int64_t max_log_mib = 64;
  // The SCHED_FIFO priority of the thread that watches the ingest socket
  // and lends it to the hub's loop until an urgent alert is journaled and
  // fanned out, and of the sockets' I/O thread (common::UrgentWatch); 0:
  // none. Needs CAP_SYS_NICE or RLIMIT_RTPRIO.
  int rt_priority = common::RtPriority::kDefault;
  // A member of a hub cluster (the [cluster] table): its Raft id, and every
  // member (itself included). 0: a single hub, no Raft.
  int64_t cluster_member = 0;
  std::vector<ClusterMemberConfig> cluster_members;
  // How many Raft entries (group commits) between two snapshots of hub.db,
  // and how many entries the log keeps behind a snapshot (a member that far
  // behind catches up from the log; further behind, from the snapshot).
  int64_t snapshot_every = 1024;
  // This member joined a running cluster (`cen-hub join`): it never starts
  // one of its own; it waits, with an empty log, for the leader.
  bool cluster_join = false;
  int64_t log_kept = 256;
  // Raft's election timeout: a follower that hears nothing from the leader
  // this long starts an election (libraft waits one to two of them). Longer
  // on slow or distant links, at the cost of a slower failover. At 500 a
  // 90,000-row drop on two cores cost one to three elections nobody needed;
  // at 750 and 1000 none (README, "Three hubs on Raft").
  int64_t election_timeout_ms = 750;

  bool clustered() const { return cluster_member != 0; }
  // Whether the [cluster] table makes sense; the message names the field.
  common::Status CheckCluster() const;
  // This member's entry (REQUIRES: clustered() and Load() accepted it).
  const ClusterMemberConfig& self() const;

  static common::Result<HubConfig> Load(const std::string& data_dir);
  common::Status Save(const std::string& data_dir) const;
};

}  // namespace cen::hub
