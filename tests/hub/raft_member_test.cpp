// Hub cluster members on loopback: real libraft with its disk log, real
// ZeroMQ CURVE connections between the members, a real hub.db each. The
// three members' loops run in turns on the test's thread.
#include "hub/cluster/raft_member.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/curve_keys.h"
#include "common/uuid7.h"
#include "hub/cluster/cluster_command.h"
#include "hub/cluster/hub_state_machine.h"
#include "hub/hub_schema.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/ports.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Database;
using cen::common::Uuid7;
using cen::hub::ClusterCommand;
using cen::hub::ClusterPeer;
using cen::hub::HubSchema;
using cen::hub::HubStateMachine;
using cen::hub::Journal;
using cen::hub::RaftMember;
using cen::test::CreateHubDb;
using cen::test::FreeLoopbackPorts;
using cen::test::JournalLinks;
using cen::test::TempDir;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string OneSeizure(const std::string& origin, const std::string& ref, const std::string& at) {
  std::vector<Journal::Candidate> batch;
  batch.emplace_back(origin, cen::test::HubSeizure(ref, Uuid7::Generate()));
  return ClusterCommand::EncodeJournal(at, batch, {}, {});
}

// Three members, each with a hub.db (the same file at the start) and a Raft
// directory of its own.
class LiveCluster {
 public:
  LiveCluster() {
    const std::vector<int> ports = FreeLoopbackPorts(3);
    for (int i = 0; i < 3; ++i) {
      auto keys = CurveKeys::Generate();
      REQUIRE(keys.ok());
      keys_.push_back(*keys);
      peers_.push_back({static_cast<raft_id>(i + 1),
                        "tcp://127.0.0.1:" + std::to_string(ports[static_cast<size_t>(i)]),
                        keys->public_key()});
      dirs_.push_back(std::make_unique<TempDir>());
      std::filesystem::create_directory(dirs_.back()->path() + "/raft");
    }
    { Database db = CreateHubDb(*dirs_[0]); }
    for (int i = 1; i < 3; ++i)
      std::filesystem::copy_file(HubSchema::DbPath(dirs_[0]->path()),
                                 HubSchema::DbPath(dirs_[static_cast<size_t>(i)]->path()));
    machines_.resize(3);
    members_.resize(3);
    for (unsigned i = 0; i < 3; ++i) Start(i);
  }
  ~LiveCluster() {
    for (auto& m : members_) m.reset();
  }

  RaftMember::Options OptionsFor(unsigned i) const {
    RaftMember::Options o{dirs_[i]->path() + "/raft", peers_[i].id, peers_, keys_[i]};
    // The members share the test's thread: a stall of the whole process (a
    // loaded machine, ASAN) longer than the election timeout starts an
    // election nobody asked for, so leave room for one of a second.
    o.election_timeout_ms = 1000;
    o.heartbeat_timeout_ms = 100;
    o.snapshot_threshold = 8;
    o.snapshot_trailing = 2;
    return o;
  }

  void Start(unsigned i) {
    auto machine = HubStateMachine::Open(dirs_[i]->path());
    REQUIRE(machine.ok());
    machines_[i] = std::move(*machine);
    auto member = RaftMember::Start(OptionsFor(i), machines_[i].get());
    INFO((member.ok() ? std::string() : member.status().ToString()));
    REQUIRE(member.ok());
    members_[i] = std::move(*member);
  }
  void Stop(unsigned i) {
    members_[i].reset();
    machines_[i].reset();
  }

  // Runs every live member's loop in turns until `done` or `timeout`.
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto end = SteadyClock::now() + timeout;
    while (SteadyClock::now() < end) {
      for (auto& m : members_) {
        if (m) m->RunOnce(std::chrono::milliseconds(1));
      }
      for (auto* extra : extra_) extra->RunOnce(std::chrono::milliseconds(1));
      if (done()) return true;
    }
    return false;
  }

  int Leader() {
    int leader = -1;
    REQUIRE(RunUntil([&] {
      for (unsigned i = 0; i < 3; ++i) {
        if (members_[i] && members_[i]->is_leader()) leader = static_cast<int>(i);
      }
      return leader >= 0;
    }));
    return leader;
  }

  // Proposes on the leader; runs until it is applied on every live member.
  std::vector<Journal::Outcome> Commit(const std::string& entry) {
    const auto leader = static_cast<unsigned>(Leader());
    bool done = false;
    int status = -1;
    std::vector<Journal::Outcome> outcomes;
    members_[leader]->Submit(entry, [&](int s, const HubStateMachine::Applied* applied) {
      done = true;
      status = s;
      if (applied != nullptr) outcomes = applied->outcomes;
    });
    REQUIRE(RunUntil([&] { return done; }));
    REQUIRE(status == 0);
    const uint64_t index = members_[leader]->last_applied();
    REQUIRE(RunUntil([&] {
      for (auto& m : members_) {
        if (m && m->last_applied() < index) return false;
      }
      return true;
    }));
    return outcomes;
  }

  RaftMember& member(unsigned i) { return *members_[i]; }
  HubStateMachine& machine(unsigned i) { return *machines_[i]; }
  const ClusterPeer& peer(unsigned i) const { return peers_[i]; }
  const CurveKeys& keys(unsigned i) const { return keys_[i]; }
  const std::vector<ClusterPeer>& peers() const { return peers_; }
  void AddExtra(RaftMember* m) { extra_.push_back(m); }
  void ClearExtras() { extra_.clear(); }

 private:
  std::vector<CurveKeys> keys_;
  std::vector<ClusterPeer> peers_;
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<HubStateMachine>> machines_;
  std::vector<std::unique_ptr<RaftMember>> members_;
  std::vector<RaftMember*> extra_;
};

}  // namespace

TEST_CASE("Members over CURVE elect one leader and journal identically", "[hub][cluster][raft]") {
  LiveCluster cluster;
  const int leader = cluster.Leader();
  for (unsigned i = 0; i < 3; ++i) {
    if (static_cast<int>(i) != leader) {
      CHECK_FALSE(cluster.member(i).is_leader());
    }
  }
  for (int i = 0; i < 5; ++i) {
    auto outcomes = cluster.Commit(OneSeizure("RILO-WE", "WE-" + std::to_string(i),
                                              "2026-12-01T10:00:0" + std::to_string(i) + ".000Z"));
    REQUIRE(outcomes.size() == 1);
    CHECK(outcomes[0].gseq == i + 1);
  }
  const auto chain = JournalLinks(cluster.machine(0).db());
  CHECK(chain.size() == 5);
  CHECK(JournalLinks(cluster.machine(1).db()) == chain);
  CHECK(JournalLinks(cluster.machine(2).db()) == chain);

  SECTION("a follower refuses proposals and names the leader") {
    const auto follower = static_cast<unsigned>((leader + 1) % 3);
    CHECK(cluster.member(follower).Propose("x", nullptr) == RAFT_NOTLEADER);
    CHECK(cluster.member(follower).leader_id() == cluster.peer(static_cast<unsigned>(leader)).id);
    CHECK(cluster.member(follower).leader_address() ==
          cluster.peer(static_cast<unsigned>(leader)).address);
  }
}

TEST_CASE("The cluster journals on without its leader, the leader catches up on return",
          "[hub][cluster][raft]") {
  LiveCluster cluster;
  cluster.Commit(OneSeizure("RILO-WE", "WE-1", "2026-12-01T10:00:00.000Z"));
  const auto old_leader = static_cast<unsigned>(cluster.Leader());
  cluster.Stop(old_leader);
  // Two of three are a majority: a new leader, and gseq goes on densely.
  for (int i = 2; i <= 12; ++i) {
    auto outcomes = cluster.Commit(
        OneSeizure("RILO-AP", "AP-" + std::to_string(i), "2026-12-01T10:01:00.000Z"));
    CHECK(outcomes[0].gseq == i);
  }
  CHECK(cluster.Leader() != static_cast<int>(old_leader));
  // Back with its own log and hub.db; the others took snapshots meanwhile.
  cluster.Start(old_leader);
  const auto leader = static_cast<unsigned>(cluster.Leader());
  const uint64_t index = cluster.member(leader).last_applied();
  REQUIRE(cluster.RunUntil([&] { return cluster.member(old_leader).last_applied() >= index; }));
  const auto chain = JournalLinks(cluster.machine(leader).db());
  CHECK(chain.size() == 12);
  CHECK(JournalLinks(cluster.machine(old_leader).db()) == chain);
}

TEST_CASE("A peer without a member's key is refused, and so is a member posing as another",
          "[hub][cluster][raft]") {
  LiveCluster cluster;
  const auto leader = static_cast<unsigned>(cluster.Leader());
  const uint64_t term = cluster.member(leader).term();

  // An outsider configured as if it were member 2, at an address of its own.
  TempDir outsider_dir;
  { Database db = CreateHubDb(outsider_dir); }
  std::filesystem::create_directory(outsider_dir.path() + "/raft");
  std::vector<ClusterPeer> view = cluster.peers();
  view[1].address = "tcp://127.0.0.1:" + std::to_string(FreeLoopbackPorts(1)[0]);
  auto stranger_keys = CurveKeys::Generate();
  REQUIRE(stranger_keys.ok());
  std::optional<CurveKeys> keys;
  SECTION("with a key of its own") { keys = *stranger_keys; }
  SECTION("with member 3's key") {
    // Member 1 hears "member 2" speak with member 3's key; member 3 hears
    // its own key from elsewhere.
    keys = cluster.keys(2);
  }
  view[1].public_key = keys->public_key();
  RaftMember::Options o{outsider_dir.path() + "/raft", 2, view, *keys};
  o.election_timeout_ms = 100;
  auto machine = HubStateMachine::Open(outsider_dir.path());
  REQUIRE(machine.ok());
  auto outsider = RaftMember::Start(o, machine->get());
  REQUIRE(outsider.ok());
  cluster.AddExtra(outsider->get());
  // It campaigns again and again; no member hears it.
  REQUIRE(cluster.RunUntil([&] {
    return cluster.member(0).transport().refused() > 0 &&
           cluster.member(2).transport().refused() > 0;
  }));
  cluster.RunUntil([] { return false; }, std::chrono::seconds(2));
  cluster.ClearExtras();
  CHECK(cluster.member(leader).is_leader());
  CHECK(cluster.member(leader).term() == term);
  CHECK((*outsider)->leader_id() == 0);
  // The cluster journals on as before.
  auto outcomes = cluster.Commit(OneSeizure("RILO-WE", "WE-1", "2026-12-01T10:00:00.000Z"));
  CHECK(outcomes[0].gseq == 1);
}
