// Three cen-hub members of one cluster, run in the test's process over real
// CURVE sockets on 127.0.0.1 (ingest for the node, Raft between members),
// each with its own hub.db and Raft log.
#include "hub/cluster/hub_cluster.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/uuid7.h"
#include "hub/hub_config.h"
#include "tests/hub/test_hub.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/ports.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::ClusterMemberConfig;
using cen::hub::HubConfig;
using cen::test::FreeLoopbackPorts;
using cen::test::IngestClient;
using cen::test::Show;
using cen::test::TestHub;
using cen::test::WireSeizure;
using nlohmann::json;
namespace frame = cen::common::frame;
using namespace std::chrono_literals;

namespace {

// Journal rows and chain links of a member's hub.db, for comparison.
std::vector<std::string> MemberJournal(const TestHub& hub) {
  auto db = cen::hub::HubSchema::OpenReadOnly(hub.data_dir());
  REQUIRE(db.ok());
  return cen::test::JournalLinks(*db);
}

// Three members; node RILO-WE registered before they first start.
class ThreeHubs {
 public:
  ThreeHubs() : hubs_(NewHubs()), node_keys_(hubs_[0]->Register("RILO-WE", "WE")) {
    // Another process may take a port named in every member's hub.toml
    // before its member binds it: then three new members choose again.
    for (int attempt = 1; !StartAll(); ++attempt) {
      REQUIRE(attempt < 5);
      hubs_ = NewHubs();
      node_keys_ = hubs_[0]->Register("RILO-WE", "WE");
    }
  }

  TestHub& hub(size_t i) { return *hubs_[i]; }
  const CurveKeys& node_keys() const { return node_keys_; }

  // HELLO to each member until one welcomes the node: the leader. The
  // others answer not_leader, naming it once elected.
  size_t FindLeader(zmq::context_t& ctx, std::vector<json>* refusals = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (size_t i = 0; i < hubs_.size(); ++i) {
        IngestClient client(ctx, *hubs_[i], node_keys_);
        client.Send({{"t", frame::kHello},
                     {"proto", frame::kProtocolVersion},
                     {"replica_gseq", 0},
                     {"outbox", 0}});
        auto reply = client.Receive(2000ms);
        if (!reply) continue;
        if (WireFrame::Type(*reply) == frame::kWelcome) return i;
        INFO(Show(*reply));
        REQUIRE(WireFrame::Type(*reply) == frame::kError);
        REQUIRE((*reply)["code"] == "not_leader");
        if (refusals != nullptr) refusals->push_back(*reply);
      }
      std::this_thread::sleep_for(100ms);
    }
    FAIL("no member welcomed the node within 30 s");
    return 0;
  }

 private:
  // Names every member in each member's hub.toml and starts them; false
  // when a port was taken.
  bool StartAll() {
    const std::vector<int> raft_ports = FreeLoopbackPorts(3);
    std::vector<ClusterMemberConfig> members;
    for (size_t i = 0; i < 3; ++i) {
      members.push_back({static_cast<int64_t>(i + 1),
                         "tcp://127.0.0.1:" + std::to_string(raft_ports[i]),
                         hubs_[i]->IngestEndpoint(), hubs_[i]->public_key()});
    }
    // hub.db copied while no member runs yet.
    for (size_t i = 0; i < 3; ++i) {
      if (i > 0) hubs_[i]->CopyDbFrom(*hubs_[0]);
      hubs_[i]->Configure([&](HubConfig& c) {
        c.cluster_member = static_cast<int64_t>(i + 1);
        c.cluster_members = members;
        // Three hubs in one test process on a loaded machine: a stall of
        // half a second must not start an election nobody asked for.
        c.election_timeout_ms = 2000;
      });
    }
    for (size_t i = 0; i < 3; ++i) {
      hubs_[i]->Start();
      if (hubs_[i]->serving()) continue;
      WARN("member " << i + 1 << ": " << hubs_[i]->Stop().message()
                     << "; the members choose their ports again");
      for (auto& hub : hubs_) (void)hub->Stop();
      return false;
    }
    return true;
  }

  static std::vector<std::unique_ptr<TestHub>> NewHubs() {
    std::vector<std::unique_ptr<TestHub>> hubs;
    for (int i = 0; i < 3; ++i) hubs.push_back(std::make_unique<TestHub>());
    return hubs;
  }

  std::vector<std::unique_ptr<TestHub>> hubs_;
  CurveKeys node_keys_;
};

}  // namespace

TEST_CASE("A hub cluster acks after Raft commit and every member journals alike",
          "[hub][cluster][server]") {
  ThreeHubs cluster;
  zmq::context_t ctx;
  std::vector<json> refusals;
  const size_t leader = cluster.FindLeader(ctx, &refusals);

  IngestClient client(ctx, cluster.hub(leader), cluster.node_keys());
  client.Hello();
  for (int round = 0; round < 3; ++round) {
    std::vector<json> records;
    for (int i = 0; i < 4; ++i)
      records.push_back(WireSeizure("WE-" + std::to_string(round * 4 + i), Uuid7::Generate()));
    const json acks = client.Publish(records);
    for (int i = 0; i < 4; ++i) {
      INFO(Show(acks));
      CHECK(acks[static_cast<size_t>(i)]["status"] == "NEW");
      CHECK(acks[static_cast<size_t>(i)]["gseq"] == round * 4 + i + 1);
    }
  }

  SECTION("a follower serves nothing and names the leader") {
    const size_t follower = (leader + 1) % 3;
    IngestClient other(ctx, cluster.hub(follower), cluster.node_keys());
    other.Send({{"t", frame::kHello},
                {"proto", frame::kProtocolVersion},
                {"replica_gseq", 0},
                {"outbox", 0}});
    const json error = other.Expect(frame::kError);
    CHECK(error["code"] == "not_leader");
    CHECK(error["leader"] == cluster.hub(leader).IngestEndpoint());
    CHECK(error["leader_key"] == cluster.hub(leader).public_key());
  }

  // Every member holds the same journal: gseq, received_at, chain links.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::vector<std::string> rows[3];
  do {
    std::this_thread::sleep_for(100ms);
    for (size_t i = 0; i < 3; ++i) rows[i] = MemberJournal(cluster.hub(i));
  } while ((rows[0].size() < 12 || rows[1] != rows[0] || rows[2] != rows[0]) &&
           std::chrono::steady_clock::now() < deadline);
  CHECK(rows[0].size() == 12);
  CHECK(rows[1] == rows[0]);
  CHECK(rows[2] == rows[0]);
  for (size_t i = 0; i < 3; ++i) cen::test::RequireOk(cluster.hub(i).Stop());
}

namespace {

// hub.toml of member 1 of a cluster of one, its Raft on a free loopback port.
HubConfig ClusterOfOne(const CurveKeys& keys) {
  HubConfig config;
  config.cluster_member = 1;
  config.cluster_members = {{1, "tcp://127.0.0.1:" + std::to_string(FreeLoopbackPorts(1)[0]),
                             "tcp://127.0.0.1:1", keys.public_key()}};
  return config;
}

}  // namespace

TEST_CASE("hub.toml's election timeout is the one libraft runs with, heartbeats a fifth of it",
          "[hub][cluster]") {
  const int timeout_ms = GENERATE(200, 1500, 60000);
  cen::test::TempDir dir;
  { auto db = cen::test::CreateHubDb(dir); }
  auto keys = CurveKeys::Generate();
  REQUIRE(keys.ok());
  HubConfig config = ClusterOfOne(*keys);
  config.election_timeout_ms = timeout_ms;
  const std::atomic<bool> stop{false};
  auto cluster = cen::hub::HubCluster::Start(dir.path(), config, *keys, &stop);
  cen::test::RequireOk(cluster.status());
  CHECK((*cluster)->member().election_timeout_ms() == static_cast<unsigned>(timeout_ms));
  CHECK((*cluster)->member().heartbeat_timeout_ms() == static_cast<unsigned>(timeout_ms / 5));
}

TEST_CASE("A cluster member stops cleanly, run after run", "[hub][cluster]") {
  // A trial: cen-hub run of a cluster member ended in "free(): double free
  // detected in tcache 2" (exit 134) on 7 of 14 SIGTERMs: libraft 0.15 may
  // call its I/O's close callback twice (a second time as the last of its
  // closing work ends), which freed its address and configuration again.
  cen::test::TempDir dir;
  { auto db = cen::test::CreateHubDb(dir); }
  auto keys = CurveKeys::Generate();
  REQUIRE(keys.ok());
  HubConfig config = ClusterOfOne(*keys);
  const std::atomic<bool> stop{false};
  for (int run = 0; run < 30; ++run) {
    INFO("run " << run);
    auto cluster = cen::hub::HubCluster::Start(dir.path(), config, *keys, &stop);
    cen::test::RequireOk(cluster.status());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(*cluster)->Serving() && std::chrono::steady_clock::now() < until)
      (*cluster)->RunOnce(std::chrono::milliseconds(10));
    REQUIRE((*cluster)->Serving());
    for (int turn = 0; turn < 3; ++turn) (*cluster)->RunOnce(std::chrono::milliseconds(5));
  }  // each run's member closed here, as cen-hub run closes it
}
