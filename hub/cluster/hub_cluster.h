// The Raft side of a hub that runs as a cluster member (hub.toml's
// [cluster] table): its state machine over hub.db and its Raft member,
// started from the configuration. The hub's loop proposes group commits
// here and acks what comes back applied; it polls backend_fd() beside its
// sockets and calls RunOnce() after every poll.
//
//   auto cluster = HubCluster::Start(data_dir, config, keys);
//   if ((*cluster)->is_leader()) (*cluster)->Propose(batch.Entry(notes), done);
//   else refuse, naming (*cluster)->leader()->ingest;
//
// Not thread-safe: owned by the hub's loop.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "common/curve_keys.h"
#include "common/status.h"
#include "hub/cluster/hub_state_machine.h"
#include "hub/cluster/raft_member.h"
#include "hub/hub_config.h"

namespace cen::hub {

class HubCluster {
 public:
  // Opens hub.db for the state machine and starts the member with its log in
  // DATA_DIR/raft (made if missing; a new log starts the cluster with every
  // configured member). The member's key is the hub's own.
  // `stop`: set when the hub stops (an entry that cannot be applied is tried
  // again until then).
  static common::Result<std::unique_ptr<HubCluster>> Start(const std::string& data_dir,
                                                           const HubConfig& config,
                                                           const common::CurveKeys& keys,
                                                           const std::atomic<bool>* stop);

  bool is_leader() const { return member_->is_leader(); }
  // Leads, and has applied every entry of the terms before its own (a
  // barrier it proposes once elected): only then may it serve nodes, whose
  // WELCOME must name a head at or above everything acked before. Starts
  // that barrier when needed.
  bool Serving();
  // True once each time Serving() became true: the hub reads its journal's
  // head again.
  bool TakeReady() { return std::exchange(became_ready_, false); }
  // The leader as the cluster's configuration names it, or nothing while
  // none is known (an election).
  std::optional<ClusterMemberConfig> leader() const;
  int Propose(const std::string& entry, RaftMember::Done done) {
    return member_->Propose(entry, std::move(done));
  }
  int backend_fd() const { return member_->backend_fd(); }
  std::chrono::milliseconds backend_timeout() const { return member_->backend_timeout(); }
  void RunOnce(std::chrono::milliseconds timeout) { member_->RunOnce(timeout); }
  const RaftMember& member() const { return *member_; }
  // Every member of the configuration: id, role (voter, standby, spare),
  // raft, ingest, key; on the leader also the last entry each holds
  // (match_index), how many it lacks (lag) and whether it answers
  // (reachable).
  nlohmann::json MembersJson() const;
  // Membership changes, made by the leader (RaftMember's).
  int AddMember(const ClusterPeer& peer, std::function<void(int status)> done) {
    return member_->AddMember(peer, std::move(done));
  }
  int RemoveMember(raft_id id, std::function<void(int status)> done) {
    return member_->RemoveMember(id, std::move(done));
  }
  void PromoteCaughtUp() { member_->PromoteCaughtUp(); }

 private:
  HubCluster(HubConfig config, std::unique_ptr<HubStateMachine> machine)
      : config_(std::move(config)), machine_(std::move(machine)) {}

  HubConfig config_;
  uint64_t ready_term_ = 0;    // the term whose barrier has been applied
  uint64_t barrier_term_ = 0;  // the term a barrier is in flight for
  bool became_ready_ = false;
  std::unique_ptr<HubStateMachine> machine_;
  std::unique_ptr<RaftMember> member_;  // declared last: stopped first
};

}  // namespace cen::hub
