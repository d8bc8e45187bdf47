// End-to-end: `cen-hub backup` while the hub runs, then `cen-hub restore`
// after the hub journaled more. The restored hub starts a new epoch, so the
// nodes rebuild their replicas from it and offer their own records again:
// the records journaled after the backup come back, each exactly once.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/records.h"
#include "tests/e2e/replica_check.h"

namespace cen::e2e {
namespace {

constexpr auto kBackupConvergeTimeout = std::chrono::seconds(90);

std::string HubEpoch(Cluster& cluster) { return cluster.HubStatus().value("epoch", ""); }

}  // namespace

TEST_CASE("A hub restored from a backup gets back every record journaled after it",
          "[e2e][backup]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::vector<std::string> ids = cluster.node_ids();
  const std::string hub = cluster.hub_dir().string();
  const std::string backup = (cluster.dir() / "hub-backup.db").string();
  cluster.StartAll();

  AcceptedRecords accepted;
  cluster.Submit("EU", MakeRecords("EU", 0, 40), accepted);
  cluster.Submit("AF", MakeRecords("AF", 0, 40), accepted);
  cluster.WaitForConvergence(accepted, ids, kBackupConvergeTimeout);
  const std::int64_t head_at_backup = cluster.HubQuery("SELECT max(gseq) FROM journal");

  // Taken while the hub runs.
  const RunResult taken = cluster.RunHub({"backup", "--data", hub, "--to", backup});
  INFO(taken.command << "\n" << taken.out << taken.err);
  REQUIRE(taken.exit_code == 0);
  CHECK_THAT(taken.out, Catch::Contains("head gseq " + std::to_string(head_at_backup)));
  const RunResult again = cluster.RunHub({"backup", "--data", hub, "--to", backup});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists"));

  // Journaled and applied everywhere after the backup: the restore loses them
  // from hub.db, the nodes still hold them.
  cluster.Submit("EU", MakeRecords("EU", 40, 30), accepted);
  cluster.Submit("AF", MakeRecords("AF", 40, 30), accepted);
  cluster.WaitForConvergence(accepted, ids, kBackupConvergeTimeout);
  REQUIRE(cluster.HubQuery("SELECT max(gseq) FROM journal") > head_at_backup);

  // A running hub is not restored over.
  const RunResult refused = cluster.RunHub({"restore", "--data", hub, "--from", backup});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("another cen-hub already runs"));

  // EU goes offline holding records at gseqs the restored journal will give
  // to others; it comes back only once the restored hub's head has passed
  // its cursor. Under the old epoch nothing would tell it (PROTOCOL.md §10).
  const std::int64_t eu_cursor = cluster.Status("EU").value("replica_gseq", std::int64_t{0});
  cluster.StopNode("EU");
  const std::string old_epoch = HubEpoch(cluster);
  cluster.StopHub();
  const RunResult restored = cluster.RunHub({"restore", "--data", hub, "--from", backup});
  INFO(restored.command << "\n" << restored.out << restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK_THAT(restored.out, Catch::Contains("head gseq " + std::to_string(head_at_backup)));
  CHECK_THAT(restored.out, Catch::Contains("hub.db.before-restore-"));
  CHECK(cluster.HubQuery("SELECT max(gseq) FROM journal") == head_at_backup);
  const std::string new_epoch = HubEpoch(cluster);
  CHECK(new_epoch != old_epoch);

  cluster.StartHub();
  int next = 70;
  while (cluster.HubQuery("SELECT max(gseq) FROM journal") <= eu_cursor) {
    REQUIRE(next < 400);
    cluster.Submit("AF", MakeRecords("AF", next, 25), accepted);
    next += 25;
    cluster.WaitUntil(
        [&](std::string& observed) {
          const nlohmann::json status = cluster.Status("AF");
          observed = status.dump();
          return status.value("outbox", std::int64_t{-1}) == 0;
        },
        kBackupConvergeTimeout, "AF's outbox acknowledged by the restored hub");
  }
  // Queued in EU's outbox while its agent is down.
  cluster.Submit("EU", MakeRecords("EU", 70, 10), accepted);
  cluster.StartNode("EU");

  // Every replica rebuilt under the new epoch, every record once, the
  // journal dense: one entry per accepted version and receipt.
  cluster.WaitForConvergence(accepted, ids, kBackupConvergeTimeout);
  cluster.RequireConverged(accepted, ids);
  for (const auto& id : ids) CHECK(cluster.Status(id).value("epoch", std::string()) == new_epoch);
  const RunResult verified = cluster.RunHub({"verify", "--data", hub});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(cluster.HubQuery("SELECT count(*) FROM audit WHERE detail LIKE 'restore from %'") == 1);
}

TEST_CASE("Receipts for an alert journaled after a backup come back after the restore",
          "[e2e][backup][alerts]") {
  // The offices offered their delivery receipts again at once; the hub
  // refused each (no such alert) while the alert's own office had not yet
  // offered the alert again, and the refusal was final: the restored hub
  // said for ever that no office had received it.
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"AS", "AS"}});
  const std::string hub = cluster.hub_dir().string();
  const std::string backup = (cluster.dir() / "hub-backup.db").string();
  cluster.StartAll();
  const RunResult taken = cluster.RunHub({"backup", "--data", hub, "--to", backup});
  REQUIRE(taken.exit_code == 0);

  const std::string alert =
      cluster.Submit("EU", {nlohmann::json{{"kind", "alert"},
                                           {"ref", "EU-URG-1"},
                                           {"title", "Fertiliser bags with explosive precursors"},
                                           {"body", "Inspect bags declared as urea."},
                                           {"priority", "urgent"},
                                           {"indicators", {{"containers", {"CSQU3054383"}}}}}
                                .dump()})[0];
  const std::string receipts =
      "SELECT count(DISTINCT origin) FROM journal WHERE kind = 'receipt' AND ref LIKE "
      "'delivered:%' AND origin IN ('AF', 'AS')";
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(receipts)) + " of 2 delivery receipts";
        return cluster.HubQuery(receipts) == 2;
      },
      kBackupConvergeTimeout, "the delivery receipts before the restore");
  // AF seizes the container: its hit receipt goes to EU. A trial: after a
  // restore such receipts were refused (no alert yet) and stayed so.
  cluster.Submit("AF", {nlohmann::json{{"kind", "seizure"},
                                       {"ref", "AF-HIT-1"},
                                       {"seizure_date", "2026-10-02"},
                                       {"reporting_country", "NL"},
                                       {"commodity", "precursors"},
                                       {"description", "Urea bags hiding ammonium nitrate"},
                                       {"containers", {"CSQU3054383"}},
                                       {"quantity", 300},
                                       {"unit", "KGM"}}
                            .dump()});
  const std::string hits =
      "SELECT count(*) FROM journal WHERE kind = 'receipt' AND ref LIKE 'hit:%' AND origin = 'AF'";
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(hits)) + " hit receipts from AF";
        return cluster.HubQuery(hits) == 1;
      },
      kBackupConvergeTimeout, "AF's hit receipt before the restore");

  // EU comes back last: the others offer their receipts before it offers the alert.
  cluster.StopNode("EU");
  cluster.StopHub();
  const RunResult restored = cluster.RunHub({"restore", "--data", hub, "--from", backup});
  INFO(restored.out << restored.err);
  REQUIRE(restored.exit_code == 0);
  cluster.StartHub();
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json af = cluster.Status("AF"), as = cluster.Status("AS");
        observed = af.dump() + as.dump();
        return af.value("outbox", std::int64_t{-1}) == 0 &&
               as.value("outbox", std::int64_t{-1}) == 0 &&
               af.value("epoch", std::string()) == as.value("epoch", std::string());
      },
      kBackupConvergeTimeout, "AF and AS offered their own records to the restored hub");
  cluster.StartNode("EU");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(receipts)) + " of 2 delivery receipts, alert " +
                   std::to_string(cluster.HubQuery("SELECT count(*) FROM journal WHERE uuid = '" +
                                                   alert + "'"));
        return cluster.HubQuery(receipts) == 2;
      },
      kBackupConvergeTimeout, "the delivery receipts after the restore");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(hits)) +
                   " hit receipts from AF; AF: " + cluster.Status("AF").dump();
        return cluster.HubQuery(hits) == 1;
      },
      kBackupConvergeTimeout, "AF's hit receipt after the restore");
  const nlohmann::json status = cluster.HubStatus();
  INFO(status.dump());
  CHECK(status.dump().find(alert) == std::string::npos);  // no office left "not received"
}

TEST_CASE("A member removed from a group after the backup stays out of it once restored",
          "[e2e][backup][group]") {
  // A trial: the restored group listed the removed member again, and it
  // received the group record journaled after its removal, which its
  // origin offered again under the new epoch.
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"AS", "AS"}});
  const std::string hub = cluster.hub_dir().string();
  const std::string backup = (cluster.dir() / "hub-backup.db").string();
  cluster.StartAll();
  cluster.HubAdmin({"group", "create", "JIT"});
  cluster.HubAdmin({"group", "add", "JIT", "AF"});
  cluster.HubAdmin({"group", "add", "JIT", "AS"});
  cluster.Submit("EU", {ScopedSeizure("J-1", "group:JIT"), ScopedSeizure("W-1", "global")});
  const auto holds = [&](const std::string& id, const std::set<std::string>& refs,
                         const std::string& what) {
    cluster.WaitUntil(
        [&](std::string& observed) {
          const std::set<std::string> held = cluster.Refs(id);
          observed.clear();
          for (const auto& ref : held) observed += ref + " ";
          return held == refs;
        },
        kBackupConvergeTimeout, what);
  };
  holds("AS", {"J-1", "W-1"}, "AS holds the group's record");
  const RunResult taken = cluster.RunHub({"backup", "--data", hub, "--to", backup});
  REQUIRE(taken.exit_code == 0);

  cluster.HubAdmin({"group", "remove", "JIT", "AS"});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const int64_t left = cluster.NodeQuery(
            "AS", "SELECT count(*) FROM meta WHERE key = 'hub_groups' AND value = ''");
        observed = left == 1 ? "out" : "still in JIT";
        return left == 1;
      },
      kBackupConvergeTimeout, "AS has heard it left JIT");
  cluster.Submit("EU", {ScopedSeizure("J-2", "group:JIT"), ScopedSeizure("W-2", "global")});
  holds("AF", {"J-1", "J-2", "W-1", "W-2"}, "AF holds the group's record after AS left");
  holds("AS", {"J-1", "W-1", "W-2"}, "AS passed J-2");

  cluster.StopHub();
  const RunResult restored = cluster.RunHub({"restore", "--data", hub, "--from", backup});
  INFO(restored.out << restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK_THAT(restored.out, Catch::Contains("group JIT: AS removed"));
  CHECK(cluster.HubAdmin({"group", "list"}) == "JIT: AF\n");
  cluster.StartHub();

  // EU offers J-2 and W-2 again; AS, rebuilding its replica under the new
  // epoch, gets the global record, never J-2.
  cluster.WaitUntil(
      [&](std::string& observed) {
        const int64_t back =
            cluster.HubQuery("SELECT count(*) FROM journal WHERE ref IN ('J-2', 'W-2', 'W-3')");
        observed = std::to_string(back) + " of J-2, W-2 and W-3 journaled again";
        return back == 2;
      },
      kBackupConvergeTimeout, "EU's records journaled after the backup, journaled again");
  cluster.Submit("EU", {ScopedSeizure("W-3", "global")});
  holds("AF", {"J-1", "J-2", "W-1", "W-2", "W-3"},
        "AF holds the group's records after the restore");
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::set<std::string> held = cluster.Refs("AS");
        observed.clear();
        for (const auto& ref : held) observed += ref + " ";
        return held.count("W-3") == 1;
      },
      kBackupConvergeTimeout, "AS caught up with the restored hub");
  CHECK(cluster.Refs("AS").count("J-2") == 0);
}

}  // namespace cen::e2e
