// End-to-end: three cen-hub processes as one Raft cluster and two node
// agents that know every member. The leader is killed (SIGKILL) and frozen
// (SIGSTOP) while records stream: a new leader takes over, the agents find
// it by themselves, and every record acknowledged reaches every replica
// exactly once, with gseq dense and the same journal on every member.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/records.h"
#include "tests/e2e/replica_check.h"
#include "tests/test_support/databases.h"

namespace cen::e2e {
namespace {

constexpr auto kTimeout = std::chrono::seconds(60);

// A member's journal as "gseq uuid received_at chain" rows.
std::vector<std::string> JournalOf(const std::filesystem::path& dir) {
  auto db = common::Database::Open((dir / "hub.db").string(), common::Database::Mode::kReadOnly);
  REQUIRE(db.ok());
  return test::JournalLinks(*db);
}

// Waits until every member's journal holds `count` rows (records and
// receipts), alike on each.
void WaitForSameJournals(Cluster& cluster, int members, size_t count) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        const auto first = JournalOf(cluster.member_dir(0));
        bool same = first.size() == count;
        observed = "member 0: " + std::to_string(first.size()) + " rows\n";
        for (int i = 1; i < members; ++i) {
          const auto rows = JournalOf(cluster.member_dir(i));
          observed += "member " + std::to_string(i) + ": " + std::to_string(rows.size()) + " rows" +
                      (rows == first ? "" : " (differs)") + "\n";
          same = same && rows == first;
        }
        return same;
      },
      kTimeout, "the same journal on every member");
}

}  // namespace

TEST_CASE("A hub cluster survives its leader's death and freeze; nothing is lost or doubled",
          "[e2e][cluster]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  constexpr int kMembers = 3;
  cluster.MakeHubCluster(kMembers);
  for (int i = 0; i < kMembers; ++i) cluster.StartMember(i);
  for (const std::string& id : cluster.node_ids()) cluster.StartNode(id);
  const std::vector<std::string> ids = cluster.node_ids();

  AcceptedRecords accepted;
  cluster.Submit("EU", MakeRecords("EU", 0, 40), accepted);
  const int first_leader = cluster.WaitForLeader(kTimeout);
  cluster.UseMemberForHubChecks(first_leader);
  cluster.WaitForConvergence(accepted, ids, kTimeout);

  // The leader dies while records stream in from both offices.
  cluster.Submit("EU", MakeRecords("EU", 40, 60), accepted);
  cluster.Submit("AF", MakeRecords("AF", 0, 60), accepted);
  cluster.KillMember(first_leader);
  const int second_leader = cluster.WaitForLeader(kTimeout, first_leader);
  cluster.UseMemberForHubChecks(second_leader);
  cluster.Submit("AF", MakeRecords("AF", 60, 40), accepted);
  cluster.WaitForConvergence(accepted, ids, kTimeout);

  // The leader freezes (SIGSTOP): the others elect another; the frozen one,
  // thawed, finds itself a follower and acks nothing of its own.
  cluster.StartMember(first_leader);
  cluster.FreezeMember(second_leader);
  cluster.Submit("EU", MakeRecords("EU", 100, 30), accepted);
  cluster.UseMemberForHubChecks(cluster.WaitForLeader(kTimeout, second_leader));
  cluster.WaitForConvergence(accepted, ids, kTimeout);
  cluster.ThawMember(second_leader);
  cluster.Submit("AF", MakeRecords("AF", 100, 20), accepted);
  cluster.WaitForConvergence(accepted, ids, kTimeout);

  // Every member: one journal, gseq dense, both chains verified.
  const auto rows = static_cast<size_t>(cluster.HubQuery("SELECT count(*) FROM journal"));
  CHECK(rows > accepted.size());  // the records and the delivery receipts of their alerts
  WaitForSameJournals(cluster, kMembers, rows);
  CHECK(cluster.HubQuery("SELECT max(gseq) FROM journal") == static_cast<int64_t>(rows));
  for (int i = 0; i < kMembers; ++i) {
    const RunResult verify = cluster.RunHub({"verify", "--data", cluster.member_dir(i).string()});
    INFO(verify.command << "\n" << verify.out << verify.err);
    CHECK(verify.exit_code == 0);
  }
  cluster.RequireConverged(accepted, ids);
  // No agent rebuilt its replica: every leader served the same history, with
  // a head at or above its cursor.
  for (const auto& entry : std::filesystem::directory_iterator(cluster.dir() / "logs")) {
    if (entry.path().filename().string().rfind("node-", 0) != 0) continue;
    std::ifstream in(entry.path());
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(entry.path().string());
    CHECK(log.find("rebuilding the replica") == std::string::npos);
  }
}

}  // namespace cen::e2e
