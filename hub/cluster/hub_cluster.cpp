#include "hub/cluster/hub_cluster.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

namespace cen::hub {

common::Result<std::unique_ptr<HubCluster>> HubCluster::Start(const std::string& data_dir,
                                                              const HubConfig& config,
                                                              const common::CurveKeys& keys,
                                                              const std::atomic<bool>* stop) {
  const std::string raft_dir = data_dir + "/raft";
  std::error_code ec;
  std::filesystem::create_directory(raft_dir, ec);
  if (ec) return common::Internal("cannot make " + raft_dir + ": " + ec.message());
  auto machine = HubStateMachine::Open(data_dir);
  if (!machine.ok()) return machine.status();
  (*machine)->set_stop(stop);
  std::unique_ptr<HubCluster> cluster(new HubCluster(config, std::move(*machine)));

  RaftMember::Options options{raft_dir, static_cast<raft_id>(config.cluster_member), {}, keys};
  // By default a new leader within about a second of the last one's death
  // (libraft waits between one and two election timeouts); heartbeats five
  // to a timeout.
  options.election_timeout_ms = static_cast<unsigned>(config.election_timeout_ms);
  options.heartbeat_timeout_ms = static_cast<unsigned>(config.election_timeout_ms / 5);
  options.snapshot_threshold = static_cast<unsigned>(config.snapshot_every);
  options.snapshot_trailing = static_cast<unsigned>(config.log_kept);
  for (const ClusterMemberConfig& m : config.cluster_members)
    options.members.push_back({static_cast<raft_id>(m.id), m.raft, m.key, m.ingest});
  options.bootstrap = !config.cluster_join;
  auto member = RaftMember::Start(std::move(options), cluster->machine_.get());
  if (!member.ok()) return member.status();
  cluster->member_ = std::move(*member);
  // hub.toml names the members of the cluster this member was made or
  // joined with; the Raft configuration, those of now (a trial read "member
  // 2 of 2" in a cluster of three).
  const size_t members = cluster->member_->members().size();
  spdlog::info("cluster member {}: Raft on {}, log in {}; {}", config.cluster_member,
               config.self().raft, raft_dir,
               members == 0 ? std::string("the configuration comes from the leader")
                            : std::to_string(members) + " member(s) in the configuration");
  return cluster;
}

bool HubCluster::Serving() {
  if (!member_->is_leader()) {
    // A trial: a leader deposed during a catch-up (its barrier pending) said
    // nothing of it.
    if (ready_term_ != 0 || barrier_term_ != 0) {
      const raft_id leader = member_->leader_id();
      spdlog::warn("cluster member {} no longer leads (term {}); {}", config_.cluster_member,
                   member_->term(),
                   leader == 0 ? std::string("no leader known yet: its nodes try the others")
                               : "member " + std::to_string(leader) + " leads: its nodes go there");
    }
    ready_term_ = 0;
    barrier_term_ = 0;
    return false;
  }
  const uint64_t term = member_->term();
  if (ready_term_ == term) return true;
  if (barrier_term_ != term) {
    barrier_term_ = term;
    const int rv = member_->Barrier([this, term](int status) {
      if (status == 0 && member_->is_leader() && member_->term() == term) {
        ready_term_ = term;
        became_ready_ = true;
        spdlog::info("cluster member {} leads in term {}: serving nodes", config_.cluster_member,
                     term);
      } else {
        barrier_term_ = 0;  // asked again at the next turn
      }
    });
    if (rv != 0) barrier_term_ = 0;
  }
  return false;
}

std::optional<ClusterMemberConfig> HubCluster::leader() const {
  const raft_id id = member_->leader_id();
  if (id == 0) return std::nullopt;
  // The configuration names members added since hub.toml was written.
  for (const RaftMember::Member& m : member_->members()) {
    if (m.peer.id == id && !m.peer.ingest.empty())
      return ClusterMemberConfig{static_cast<int64_t>(id), m.peer.address, m.peer.ingest,
                                 m.peer.public_key};
  }
  for (const ClusterMemberConfig& m : config_.cluster_members) {
    if (static_cast<raft_id>(m.id) == id) return m;
  }
  return std::nullopt;
}

nlohmann::json HubCluster::MembersJson() const {
  nlohmann::json members = nlohmann::json::array();
  const std::vector<RaftMember::Progress> progress = member_->progress();
  const uint64_t last = member_->last_index();
  for (const RaftMember::Member& m : member_->members()) {
    nlohmann::json j = {{"member", m.peer.id},
                        {"role", RaftMember::RoleName(m.role)},
                        {"raft", m.peer.address},
                        {"ingest", m.peer.ingest},
                        {"key", m.peer.public_key}};
    for (const RaftMember::Progress& p : progress) {
      if (p.id != m.peer.id) continue;
      j["match_index"] = p.match_index;
      j["lag"] = last > p.match_index ? last - p.match_index : 0;
      j["reachable"] = p.recent;
    }
    members.push_back(j);
  }
  return members;
}

}  // namespace cen::hub
