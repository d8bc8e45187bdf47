// End-to-end: three cen-hub processes as one Raft cluster and two node
// agents that know every member. The leader is killed (SIGKILL) and frozen
// (SIGSTOP) while records stream: a new leader takes over, the agents find
// it by themselves, and every record acknowledged reaches every replica
// exactly once, with gseq dense and the same journal on every member.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/process.h"
#include "tests/e2e/raw_client.h"
#include "tests/e2e/records.h"
#include "tests/e2e/replica_check.h"
#include "tests/e2e/small_disk.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/files.h"

namespace cen::e2e {
namespace {

constexpr auto kHubClusterTimeout = std::chrono::seconds(60);
constexpr int kMembers = 3;

// A member's journal as "gseq uuid received_at chain" rows.
std::vector<std::string> JournalOf(const std::filesystem::path& dir) {
  auto db = common::Database::Open((dir / "hub.db").string(), common::Database::Mode::kReadOnly);
  REQUIRE(db.ok());
  return test::JournalLinks(*db);
}

// Waits until the journals of `members` hold `count` rows (records and
// receipts) each, alike.
void WaitForSameJournals(Cluster& cluster, const std::vector<int>& members, size_t count) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        const auto first = JournalOf(cluster.member_dir(members[0]));
        bool same = first.size() == count;
        observed.clear();
        for (int i : members) {
          const auto rows = JournalOf(cluster.member_dir(i));
          observed += "member " + std::to_string(i) + ": " + std::to_string(rows.size()) + " rows" +
                      (rows == first ? "" : " (differs)") + "\n";
          same = same && rows == first;
        }
        return same;
      },
      kHubClusterTimeout, "the same journal on every member");
}

void WaitForSameJournals(Cluster& cluster, int members, size_t count) {
  std::vector<int> all;
  for (int i = 0; i < members; ++i) all.push_back(i);
  WaitForSameJournals(cluster, all, count);
}

// Waits until `holds` is true of every member's hub.db (read only); it adds
// what it saw to `observed`.
void WaitOnEveryMember(
    Cluster& cluster, const std::string& what,
    const std::function<bool(common::Database& db, std::string& observed)>& holds) {
  for (int i = 0; i < kMembers; ++i) {
    cluster.WaitUntil(
        [&](std::string& observed) {
          auto db = common::Database::Open((cluster.member_dir(i) / "hub.db").string(),
                                           common::Database::Mode::kReadOnly);
          REQUIRE(db.ok());
          observed = "member " + std::to_string(i) + ": ";
          return holds(*db, observed);
        },
        kHubClusterTimeout, what + " on every member");
  }
}

void RequireVerified(Cluster& cluster, int member) {
  const RunResult verify =
      cluster.RunHub({"verify", "--data", cluster.member_dir(member).string()});
  INFO(verify.command << "\n" << verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

RunResult RequireRun(Cluster& cluster, const std::vector<std::string>& args) {
  const RunResult r = cluster.RunHub(args);
  INFO(r.command << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

// Starts `members` of a cluster made already and both agents, submits EU's
// first `first` records and waits until every replica holds them; returns
// the leader, whose hub.db the hub checks read from then on.
int StartMembers(Cluster& cluster, AcceptedRecords& accepted, int first,
                 const std::vector<int>& members) {
  for (int i : members) cluster.StartMember(i);
  for (const std::string& id : cluster.node_ids()) cluster.StartNode(id);
  cluster.Submit("EU", MakeRecords("EU", 0, first), accepted);
  const int leader = cluster.WaitForLeader(kHubClusterTimeout);
  cluster.UseMemberForHubChecks(leader);
  cluster.WaitForConvergence(accepted, cluster.node_ids(), kHubClusterTimeout);
  return leader;
}

// StartMembers() of a new cluster of `kMembers`, all of them.
int StartCluster(Cluster& cluster, AcceptedRecords& accepted, int first, int snapshot_every = 0) {
  cluster.MakeHubCluster(kMembers, snapshot_every);
  return StartMembers(cluster, accepted, first, {0, 1, 2});
}

// Frees `disk`, the disk of `member`, and waits until every member holds the
// same journal again, EU's records 40-79 included, and `member`'s verifies.
void FreeAndCatchUp(Cluster& cluster, SmallDisk& disk, int member, AcceptedRecords& accepted) {
  disk.Free();
  cluster.Submit("EU", MakeRecords("EU", 40, 40), accepted);
  cluster.WaitForConvergence(accepted, cluster.node_ids(), kHubClusterTimeout);
  const auto rows = static_cast<size_t>(cluster.HubQuery("SELECT count(*) FROM journal"));
  WaitForSameJournals(cluster, kMembers, rows);
  RequireVerified(cluster, member);
}

}  // namespace

TEST_CASE("A hub cluster survives its leader's death and freeze, nothing is lost or doubled",
          "[e2e][cluster]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::vector<std::string> ids = cluster.node_ids();
  AcceptedRecords accepted;
  const int first_leader = StartCluster(cluster, accepted, 40);

  // The leader dies while records stream in from both offices.
  cluster.Submit("EU", MakeRecords("EU", 40, 60), accepted);
  cluster.Submit("AF", MakeRecords("AF", 0, 60), accepted);
  cluster.KillMember(first_leader);
  const int second_leader = cluster.WaitForLeader(kHubClusterTimeout, first_leader);
  cluster.UseMemberForHubChecks(second_leader);
  cluster.Submit("AF", MakeRecords("AF", 60, 40), accepted);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);

  // The leader freezes (SIGSTOP): the others elect another; the frozen one,
  // thawed, finds itself a follower and acks nothing of its own.
  cluster.StartMember(first_leader);
  cluster.FreezeMember(second_leader);
  cluster.Submit("EU", MakeRecords("EU", 100, 30), accepted);
  cluster.UseMemberForHubChecks(cluster.WaitForLeader(kHubClusterTimeout, second_leader));
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);
  cluster.ThawMember(second_leader);
  {
    // At once, before it hears of the new term, a node publishes to it
    // directly: whatever it answers, it is never an ACK.
    RawClient direct = RawClient::Curve(cluster.member_ingest(second_leader),
                                        cluster.member_key(second_leader), cluster.node_keys("EU"));
    std::vector<std::string> replies = {TypeOf(direct.Hello())};
    direct.Send(Publish({WireRecord("THAWED-1", common::Uuid7::Generate())}));
    while (auto reply = direct.Receive(std::chrono::seconds(3))) replies.push_back(TypeOf(reply));
    INFO("the thawed leader answered: " << nlohmann::json(replies).dump());
    CHECK(std::find(replies.begin(), replies.end(), "ACK") == replies.end());
    // It answers, and what it answers is a refusal (not_leader).
    CHECK(std::find(replies.begin(), replies.end(), "ERROR") != replies.end());
    CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE ref = 'THAWED-1'") == 0);
  }
  cluster.Submit("AF", MakeRecords("AF", 100, 20), accepted);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);

  // Every member: one journal, gseq dense, both chains verified.
  const auto rows = static_cast<size_t>(cluster.HubQuery("SELECT count(*) FROM journal"));
  CHECK(rows > accepted.size());  // the records and the delivery receipts of their alerts
  WaitForSameJournals(cluster, kMembers, rows);
  CHECK(cluster.HubQuery("SELECT max(gseq) FROM journal") == static_cast<int64_t>(rows));
  for (int i = 0; i < kMembers; ++i) RequireVerified(cluster, i);
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

TEST_CASE(
    "A member down while the log is compacted catches up from a snapshot, a stranger is refused",
    "[e2e][cluster]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::vector<std::string> ids = cluster.node_ids();
  AcceptedRecords accepted;
  const int leader = StartCluster(cluster, accepted, 20, /*snapshot_every=*/8);

  // A follower goes down; the others commit many entries, snapshot and
  // drop the log behind them (snapshot_every 8, log_kept 2).
  const int follower = (leader + 1) % kMembers;
  const int64_t had = cluster.MemberStatus(follower)["cluster"].value("applied_index", int64_t{0});
  cluster.KillMember(follower);
  int batches = 0;
  for (; batches < 40; ++batches) {
    const std::string id = ids[static_cast<size_t>(batches % 2)];
    cluster.Submit(id, MakeRecords(id, 20 + 5 * batches, 5), accepted);
    cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);
    if (cluster.MemberStatus(leader)["cluster"].value("applied_index", int64_t{0}) > had + 24)
      break;
  }
  REQUIRE(batches < 40);

  // Back, it cannot replay what the others dropped: it takes a snapshot.
  cluster.StartMember(follower);
  const auto rows = static_cast<size_t>(cluster.HubQuery("SELECT count(*) FROM journal"));
  WaitForSameJournals(cluster, kMembers, rows);
  {
    const std::string log = cluster.MemberLog(follower);
    INFO(log);
    CHECK(log.find("restored from the snapshot") != std::string::npos);
  }
  RequireVerified(cluster, follower);

  // The leader's status shows every member, none behind once caught up.
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json members = cluster.MemberStatus(leader)["cluster"]["members"];
        observed = members.dump();
        if (members.size() != kMembers) return false;
        for (const auto& m : members) {
          if (m.value("lag", -1) != 0 || !m.value("reachable", false)) return false;
        }
        return true;
      },
      kHubClusterTimeout, "every member reachable and 0 behind in the leader's status");
  const RunResult status =
      cluster.RunHub({"status", "--data", cluster.member_dir(leader).string()});
  CHECK_THAT(status.out, Catch::Contains("member " + std::to_string(follower + 1) + " (voter, "));

  // The operator's registry changes go through the leader to every member;
  // a member that does not lead refuses them, naming the leader.
  const std::string leader_dir = cluster.member_dir(leader).string();
  const RunResult created = cluster.RunHub({"group", "create", "JOINT-OP", "--data", leader_dir});
  INFO(created.out << created.err);
  REQUIRE(created.exit_code == 0);
  const RunResult added = cluster.RunHub({"group", "add", "JOINT-OP", "EU", "--data", leader_dir});
  INFO(added.out << added.err);
  REQUIRE(added.exit_code == 0);
  const RunResult elsewhere =
      cluster.RunHub({"revoke", "--node", "AF", "--data", cluster.member_dir(follower).string()});
  CHECK(elsewhere.exit_code != 0);
  CHECK_THAT(elsewhere.err, Catch::Contains("not the cluster's leader") &&
                                Catch::Contains("member " + std::to_string(leader + 1)));
  WaitOnEveryMember(
      cluster, "the group, and no revocation", [](common::Database& db, std::string& observed) {
        auto in_group = db.QueryInt(
            "SELECT count(*) FROM group_members WHERE group_name = 'JOINT-OP' AND node = 'EU'");
        auto revoked = db.QueryInt("SELECT count(*) FROM nodes WHERE revoked_at IS NOT NULL");
        REQUIRE((in_group.ok() && revoked.ok()));
        observed +=
            std::to_string(**in_group) + " in JOINT-OP, " + std::to_string(**revoked) + " revoked";
        return **in_group == 1 && **revoked == 0;
      });

  // A hub that is no member, with a table naming itself among the members:
  // every member refuses its key; it neither leads nor receives an entry,
  // and the cluster keeps its leader and term.
  const int64_t term = cluster.MemberStatus(leader)["cluster"].value("term", int64_t{0});
  const std::filesystem::path outsider_dir = cluster.MakeOutsider();
  Process outsider("outsider", {CEN_HUB_BIN, "run", "--data", outsider_dir.string()},
                   cluster.dir() / "logs");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed.clear();
        int refusing = 0;
        for (int i = 0; i < kMembers; ++i) {
          const std::string log = cluster.MemberLog(i);
          const bool refused = log.find("refused a connection") != std::string::npos;
          observed += "member " + std::to_string(i) + (refused ? " refused it\n" : " did not\n");
          refusing += refused ? 1 : 0;
        }
        return refusing == kMembers;
      },
      kHubClusterTimeout, "every member refusing the outsider's key");
  cluster.Submit("EU", MakeRecords("EU", 500, 10), accepted);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);
  const nlohmann::json after = cluster.MemberStatus(leader)["cluster"];
  CHECK(after.value("role", "") == "leader");
  CHECK(after.value("term", int64_t{0}) == term);
  const RunResult stranger = cluster.RunHub({"status", "--data", outsider_dir.string(), "--json"});
  INFO(stranger.out << stranger.err);
  CHECK(nlohmann::json::parse(stranger.out)["cluster"].value("role", "") != "leader");
  auto outsider_db =
      common::Database::Open((outsider_dir / "hub.db").string(), common::Database::Mode::kReadOnly);
  REQUIRE(outsider_db.ok());
  CHECK(test::JournalLinks(*outsider_db).empty());
  CHECK(outsider.Running());
  cluster.RequireConverged(accepted, ids);

  // Last (its record is none of `accepted`): the operator cancels an office's
  // alert through the leader; every member journals the same cancel and
  // audits it alike.
  std::string alert;
  {
    auto db = common::Database::Open((cluster.member_dir(leader) / "hub.db").string(),
                                     common::Database::Mode::kReadOnly);
    REQUIRE(db.ok());
    auto stmt = db->Prepare(
        "SELECT uuid FROM journal WHERE kind = 'alert' AND origin = 'EU' ORDER BY gseq LIMIT 1");
    REQUIRE(stmt.ok());
    auto row = stmt->Step();
    REQUIRE((row.ok() && *row));
    alert = stmt->ColumnText(0);
  }
  RequireRun(cluster, {"cancel-alert", "--data", leader_dir, alert, "--reason", "sent in error"});
  WaitOnEveryMember(
      cluster, "the operator's cancel journaled and audited",
      [&](common::Database& db, std::string& observed) {
        auto cancels = db.QueryInt("SELECT count(*) FROM journal WHERE origin = 'hub-operator'");
        auto audited =
            db.QueryInt("SELECT count(*) FROM audit WHERE detail LIKE 'cancel of alert " + alert +
                        " asked by %sent in error'");
        REQUIRE((cancels.ok() && audited.ok()));
        observed += std::to_string(**cancels) + " operator cancels journaled, " +
                    std::to_string(**audited) + " audited";
        return **cancels == 1 && **audited == 1;
      });
}

TEST_CASE("A dead member is replaced by a new one, which then counts toward the majority",
          "[e2e][cluster]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::vector<std::string> ids = cluster.node_ids();
  AcceptedRecords accepted;
  const int leader = StartCluster(cluster, accepted, 30);

  // A follower's machine dies; the two others carry on.
  const int dead = (leader + 1) % kMembers;
  const int other = (leader + 2) % kMembers;
  cluster.KillMember(dead);
  cluster.Submit("AF", MakeRecords("AF", 0, 30), accepted);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);

  // The operator sets up a new machine and swaps it in, with the commands
  // cen-hub --help gives.
  const Cluster::NewMember fresh = cluster.PrepareMember();
  const std::string leader_dir = cluster.member_dir(leader).string();
  const std::string bundle = (cluster.dir() / "member-4").string();
  const RunResult added = RequireRun(
      cluster, {"cluster", "add", "--data", leader_dir, "--member", "4", "--raft", fresh.raft,
                "--ingest", fresh.ingest, "--key", fresh.key, "--to", bundle});
  CHECK_THAT(added.out, Catch::Contains("member 4 added"));
  // Asked again (the operator lost the answer): done, and its bundle written again.
  RequireRun(cluster,
             {"cluster", "add", "--data", leader_dir, "--member", "4", "--raft", fresh.raft,
              "--ingest", fresh.ingest, "--key", fresh.key, "--to", bundle + "-again"});
  CHECK(std::filesystem::exists(bundle + "-again/hub.toml"));
  // A whole copy of hub.db: its owner's alone, and to be deleted once used.
  CHECK((std::filesystem::status(bundle).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);
  const RunResult joined = RequireRun(
      cluster, {"join", "--data", cluster.member_dir(fresh.index).string(), "--from", bundle});
  CHECK_THAT(joined.out, Catch::Contains("holds a whole copy of the journal: delete it"));
  cluster.StartMember(fresh.index);
  // With the dead member still a voter, the new one fetches the log but does
  // not vote yet: made a voter while it still applied that log, it answered
  // nothing, and the leader, which needed it for a majority, stepped down:
  // 2-17 s without a leader (a trial).
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = cluster.MemberLog(leader);
        return observed.find("member 4 holds the log; it becomes a voter once") !=
               std::string::npos;
      },
      kHubClusterTimeout, "the leader keeps the new member from voting beside a dead one");
  // Kept whole: a range-for over a part of the temporary would read freed memory.
  const nlohmann::json standby_status = cluster.MemberStatus(leader);
  for (const auto& m : standby_status["cluster"]["members"]) {
    if (m.value("member", int64_t{0}) == 4) CHECK(m.value("role", "") == "standby");
  }
  RequireRun(cluster,
             {"cluster", "remove", "--data", leader_dir, "--member", std::to_string(dead + 1)});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json members = cluster.MemberStatus(leader)["cluster"]["members"];
        observed = members.dump();
        std::vector<int64_t> voters;
        for (const auto& m : members) {
          if (m.value("role", "") == "voter" && m.value("lag", -1) == 0)
            voters.push_back(m.value("member", int64_t{0}));
        }
        std::sort(voters.begin(), voters.end());
        std::vector<int64_t> expected = {leader + 1, other + 1, 4};
        std::sort(expected.begin(), expected.end());
        return voters == expected && members.size() == 3;
      },
      kHubClusterTimeout, "members: the two left and the new one, all voters, none behind");

  // The new member counts: the leader dies, and the two left (one of them
  // new) elect a leader that takes records.
  cluster.Submit("EU", MakeRecords("EU", 30, 20), accepted);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);
  cluster.KillMember(leader);
  const int next = cluster.WaitForLeader(kHubClusterTimeout, leader);
  CHECK((next == other || next == fresh.index));
  cluster.UseMemberForHubChecks(next);
  cluster.Submit("AF", MakeRecords("AF", 30, 20), accepted);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);

  const auto rows = static_cast<size_t>(cluster.HubQuery("SELECT count(*) FROM journal"));
  WaitForSameJournals(cluster, {other, fresh.index}, rows);
  CHECK(cluster.HubQuery("SELECT max(gseq) FROM journal") == static_cast<int64_t>(rows));
  RequireVerified(cluster, other);
  RequireVerified(cluster, fresh.index);
  cluster.RequireConverged(accepted, ids);
}

TEST_CASE("cluster add and remove refuse a change that would break the cluster", "[e2e][cluster]") {
  // A member added on another's endpoint was accepted, and removing a live
  // member while another was down left no majority: nothing was served
  // until the dead one came back (user trial).
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  AcceptedRecords accepted;
  const int leader = StartCluster(cluster, accepted, 10);
  const std::string leader_dir = cluster.member_dir(leader).string();
  const int dead = (leader + 1) % kMembers;
  const int live = (leader + 2) % kMembers;

  const Cluster::NewMember fresh = cluster.PrepareMember();
  const RunResult reused =
      cluster.RunHub({"cluster", "add", "--data", leader_dir, "--member", "4", "--raft", fresh.raft,
                      "--ingest", cluster.member_ingest(live), "--key", fresh.key, "--to",
                      (cluster.dir() / "member-4").string()});
  INFO(reused.command << "\n" << reused.out << reused.err);
  CHECK(reused.exit_code != 0);
  CHECK_THAT(reused.out + reused.err,
             Catch::Contains("member " + std::to_string(live + 1) + " has that --ingest endpoint"));

  cluster.KillMember(dead);
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json members = cluster.MemberStatus(leader)["cluster"]["members"];
        observed = members.dump();
        for (const auto& m : members) {
          if (m.value("member", int64_t{0}) == dead + 1) return !m.value("reachable", true);
        }
        return false;
      },
      kHubClusterTimeout, "the leader no longer hears from the dead member");
  const RunResult removal = cluster.RunHub(
      {"cluster", "remove", "--data", leader_dir, "--member", std::to_string(live + 1)});
  INFO(removal.command << "\n" << removal.out << removal.err);
  CHECK(removal.exit_code != 0);
  CHECK_THAT(removal.out + removal.err, Catch::Contains("no majority"));
  // Still serving with its two live members.
  cluster.Submit("AF", MakeRecords("AF", 0, 5), accepted);
  cluster.WaitForConvergence(accepted, cluster.node_ids(), kHubClusterTimeout);
}

TEST_CASE(
    "A cluster member whose ingest_port is not its ingest in the cluster table does not start",
    "[e2e][cluster]") {
  // It started, led, and sent every node to the port in [cluster], where
  // nothing listened: every office was cut off (user trial).
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  cluster.MakeHubCluster(kMembers);
  const std::filesystem::path toml = cluster.member_dir(1) / "hub.toml";
  std::string text = test::ReadFile(toml);
  const size_t at = text.find("ingest_port = ");
  REQUIRE(at != std::string::npos);
  text.replace(at, text.find('\n', at) - at, "ingest_port = 1");
  std::ofstream(toml) << text;
  const RunResult run = cluster.RunHub({"run", "--data", cluster.member_dir(1).string()});
  INFO(run.command << "\n" << run.out << run.err);
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Catch::Contains("hub.toml: ingest_port is 1 but this member's ingest in "
                                      "[cluster] members is " +
                                      cluster.member_ingest(1)));
}

TEST_CASE("A cluster member on a full disk says so and catches up once space is freed",
          "[e2e][cluster][disk]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::vector<std::string> ids = cluster.node_ids();
  cluster.MakeHubCluster(kMembers, /*snapshot_every=*/16);
  // Member 2 on a small disk, started once the other two have a leader: a
  // follower.
  SmallDisk disk(cluster.member_dir(2), 64);
  if (!disk.mounted()) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk case is not exercised");
    return;
  }
  AcceptedRecords accepted;
  StartMembers(cluster, accepted, 40, {0, 1});
  cluster.StartMember(2);
  WaitForSameJournals(cluster, kMembers,
                      static_cast<size_t>(cluster.HubQuery("SELECT count(*) FROM journal")));

  // Its disk fills, and stays full (what a checkpoint frees is taken again),
  // while records flow: the other two go on.
  disk.Fill();
  int next = 0;
  int polls = 0;
  cluster.WaitUntil(
      [&](std::string& observed) {
        disk.Fill();
        if (polls++ % 10 == 0) {  // about a second apart
          cluster.Submit("AF", MakeRecords("AF", next, 2000), accepted);
          next += 2000;
        }
        observed = cluster.MemberLog(2);
        return next >= 12000 && observed.find("disk is full") != std::string::npos;
      },
      kHubClusterTimeout, "member 2 saying its disk is full");
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);

  // Space again: it catches up without a restart.
  FreeAndCatchUp(cluster, disk, 2, accepted);
}

TEST_CASE("A cluster leader on a full disk hands over, and the offices follow the new one",
          "[e2e][cluster][disk]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::vector<std::string> ids = cluster.node_ids();
  cluster.MakeHubCluster(kMembers, /*snapshot_every=*/16);
  std::vector<std::unique_ptr<SmallDisk>> disks;
  for (int i = 0; i < kMembers; ++i) {
    disks.push_back(std::make_unique<SmallDisk>(cluster.member_dir(i), 64));
    if (!disks.back()->mounted()) {
      WARN("cannot mount a tmpfs here (needs root): the full-disk case is not exercised");
      return;
    }
  }
  AcceptedRecords accepted;
  const int leader = StartMembers(cluster, accepted, 40, {0, 1, 2});

  // The leader's disk fills while records flow.
  SmallDisk& full = *disks[static_cast<size_t>(leader)];
  full.Fill();
  for (int i = 0; i < 5; ++i) {
    cluster.Submit("AF", MakeRecords("AF", i * 200, 200), accepted);
    full.Fill();  // what a checkpoint frees is taken again
  }
  const int new_leader = cluster.WaitForLeader(kHubClusterTimeout, leader);
  cluster.UseMemberForHubChecks(new_leader);
  cluster.WaitForConvergence(accepted, ids, kHubClusterTimeout);
  // cen-node status names the member in use, not only node.toml's first.
  for (const std::string& id : ids) {
    cluster.WaitUntil(
        [&](std::string& observed) {
          const nlohmann::json status = cluster.Status(id);
          observed = status.dump();
          return status.value("hub_in_use", "") == cluster.member_ingest(new_leader);
        },
        kHubClusterTimeout, id + "'s status naming the new leader");
  }
  if (cluster.member_ingest(new_leader) != cluster.ingest_endpoint()) {
    const RunResult text = cluster.RunNode({"status", "--data", cluster.node_dir("EU").string()});
    CHECK_THAT(text.out,
               Catch::Contains(cluster.member_ingest(new_leader) + " (connected; " +
                               "node.toml names " + cluster.ingest_endpoint() + " first)"));
  }

  // Space again: the old leader catches up as a follower.
  FreeAndCatchUp(cluster, full, leader, accepted);
}

}  // namespace cen::e2e
