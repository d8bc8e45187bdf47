// End-to-end: a full disk never ends a daemon. The hub's and one node's data
// directories live on small tmpfs mounts; while records flow each disk is
// filled to the last byte, then freed. Both daemons must stay up, say why
// they are stuck (`cen-node status`, `cen-hub status`), acknowledge nothing
// they did not make durable, and deliver every accepted record exactly once
// once there is space again. Needs root for mount(2); without it the case
// says so and does nothing.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/records.h"
#include "tests/e2e/small_disk.h"

namespace cen::e2e {
namespace {

namespace fs = std::filesystem;
constexpr auto kFullDiskTimeout = std::chrono::seconds(90);

std::string StoreProblem(const nlohmann::json& status) {
  return status.value("store_problem", std::string());
}

// SENDER and TIGHT started, and `records` of SENDER's at both.
void StartConverged(Cluster& cluster, AcceptedRecords& accepted, int records) {
  cluster.StartAll();
  cluster.Submit("SENDER", MakeRecords("SENDER", 0, records), accepted);
  cluster.WaitForConvergence(accepted, {"SENDER", "TIGHT"}, kFullDiskTimeout);
}

// Fills TIGHT's disk while SENDER keeps sending `batch` records about a
// second apart (from *next on), until TIGHT's status reports the full disk
// and `also` (given that status, describing what it saw) holds too.
void FillWhileSending(Cluster& cluster, SmallDisk& disk, AcceptedRecords& accepted, int* next,
                      int batch, const std::function<bool(std::string&)>& also,
                      const std::string& what) {
  disk.Fill();
  int polls = 0;
  cluster.WaitUntil(
      [&](std::string& observed) {
        if (polls++ % 10 == 0) {  // about a second apart
          cluster.Submit("SENDER", MakeRecords("SENDER", *next, batch), accepted);
          *next += batch;
        }
        const nlohmann::json status = cluster.Status("TIGHT");
        observed = "TIGHT: " + status.dump();
        return StoreProblem(status).find("full") != std::string::npos && also(observed);
      },
      kFullDiskTimeout, what);
}

constexpr const char* kNoTmpfs =
    "cannot mount a tmpfs here (needs root): the full-disk case is not exercised";

}  // namespace

TEST_CASE("A full disk stops neither the hub nor an agent, and nothing is lost or doubled",
          "[e2e][disk][crash]") {
  Cluster cluster({{"SENDER", "EU"}, {"TIGHT", "AF"}});
  SmallDisk hub_disk(cluster.hub_dir(), 48);
  SmallDisk node_disk(cluster.node_dir("TIGHT"), 48);
  if (!hub_disk.mounted() || !node_disk.mounted()) {
    WARN(kNoTmpfs);
    return;
  }
  AcceptedRecords accepted;
  StartConverged(cluster, accepted, 200);

  // TIGHT's disk fills while records keep coming to it.
  int next = 200;
  FillWhileSending(
      cluster, node_disk, accepted, &next, 100,
      [&](std::string& observed) {
        // The text a person reads says so too. Asked in the same look: a
        // retry may get through between two looks (a checkpoint freed some
        // of the log), and the next write fails again.
        const RunResult human =
            cluster.RunNode({"status", "--data", cluster.node_dir("TIGHT").string()});
        observed += "\n" + human.out;
        // And that its analysts' queries are refused meanwhile (a trial).
        return human.out.find("PROBLEM") != std::string::npos &&
               human.out.find("cen-query refuses every query meanwhile") != std::string::npos;
      },
      "TIGHT reporting its full disk, in JSON and in text");

  // Backing off is not spinning: with the feed readable and node.db
  // refusing writes, the agent's loop polled the unread feed without end
  // (97 % of a core, on a machine of two, while its operator frees space).
  {
    const pid_t pid = cluster.node_pid("TIGHT");
    const auto cpu_seconds = [pid] {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      std::getline(stat, line);
      std::istringstream fields(line.substr(line.rfind(')') + 2));
      std::string field;
      double ticks = 0;
      for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i >= 14) ticks += std::stod(field);  // utime, stime
      }
      return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
    };
    const double cpu_before = cpu_seconds();
    const auto wall_before = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i) {
      cluster.Submit("SENDER", MakeRecords("SENDER", next, 50), accepted);
      next += 50;
      std::this_thread::sleep_for(std::chrono::milliseconds(750));
    }
    const double cpu = cpu_seconds() - cpu_before;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
    INFO("TIGHT's agent used " << cpu << " s of CPU in " << wall << " s");
    CHECK(cpu < 0.5 * wall);
  }

  // Then the hub's: nothing more is acknowledged, and it says why.
  hub_disk.Fill();
  const std::int64_t head_when_full = cluster.HubQuery("SELECT max(gseq) FROM journal");
  int polls = 0;
  cluster.WaitUntil(
      [&](std::string& observed) {
        if (polls++ % 10 == 0) {  // about a second apart
          cluster.Submit("SENDER", MakeRecords("SENDER", next, 50), accepted);
          next += 50;
        }
        const nlohmann::json status = cluster.HubStatus();
        observed = "hub: " + StoreProblem(status);
        return StoreProblem(status).find("full") != std::string::npos;
      },
      kFullDiskTimeout, "the hub reporting its full disk");
  // Whatever the hub acknowledged is in its journal (ack after commit).
  CHECK(cluster.HubQuery("SELECT max(gseq) FROM journal") >= head_when_full);

  // Space comes back: both resume by themselves, every record once.
  node_disk.Free();
  hub_disk.Free();
  cluster.Submit("SENDER", MakeRecords("SENDER", next, 50), accepted);
  cluster.WaitForConvergence(accepted, {"SENDER", "TIGHT"}, kFullDiskTimeout);
  cluster.RequireConverged(accepted, {"SENDER", "TIGHT"});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::string node = StoreProblem(cluster.Status("TIGHT"));
        const std::string hub = StoreProblem(cluster.HubStatus());
        observed = "TIGHT: '" + node + "', hub: '" + hub + "'";
        return node.empty() && hub.empty();
      },
      kFullDiskTimeout, "both problems cleared");
}

}  // namespace cen::e2e

namespace cen::e2e {

TEST_CASE("An agent on a full disk takes its session up again when the hub comes back",
          "[e2e][disk][crash]") {
  // A trial: an office's disk full, the hub killed and started again. The
  // agent answered every WELCOME with nothing (its writes failed), so it
  // said HELLO five times a second for as long as the disk stayed full, no
  // urgent alert reached it, and `cen-node status` went on saying
  // "connected", with the head of minutes before.
  Cluster cluster({{"SENDER", "EU"}, {"TIGHT", "AF"}});
  SmallDisk node_disk(cluster.node_dir("TIGHT"), 48);
  if (!node_disk.mounted()) {
    WARN(kNoTmpfs);
    return;
  }
  AcceptedRecords accepted;
  StartConverged(cluster, accepted, 100);

  int next = 100;
  FillWhileSending(
      cluster, node_disk, accepted, &next, 50, [](std::string&) { return true; },
      "TIGHT reporting its full disk");

  cluster.KillHub();
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json status = cluster.Status("TIGHT");
        observed = "TIGHT: " + status.dump();
        return status.value("hub_state", "") != "connected";
      },
      kFullDiskTimeout, "TIGHT's status saying it lost the hub, its disk full");

  cluster.StartHub();
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json status = cluster.Status("TIGHT");
        observed = "TIGHT: " + status.dump();
        return status.value("hub_state", "") == "connected";
      },
      kFullDiskTimeout, "TIGHT connected again, its disk still full");
  // And it stays so: no HELLO after HELLO.
  const auto connections = [&] {
    const std::string log = cluster.MemberLog(0);
    size_t n = 0;
    for (size_t at = log.find("node TIGHT connected"); at != std::string::npos;
         at = log.find("node TIGHT connected", at + 1))
      ++n;
    return n;
  };
  const size_t before = connections();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(connections() - before <= 1);

  node_disk.Free();
  cluster.Submit("SENDER", MakeRecords("SENDER", next, 50), accepted);
  cluster.WaitForConvergence(accepted, {"SENDER", "TIGHT"}, kFullDiskTimeout);
  cluster.RequireConverged(accepted, {"SENDER", "TIGHT"});
}

}  // namespace cen::e2e

namespace cen::e2e {

TEST_CASE("An agent that could not open its full-text index opens it once it can", "[e2e][disk]") {
  // A trial: an agent restarted on a full disk ran without its index until
  // the next restart, and said to delete text.db. Here text.db is made
  // unopenable by a directory in its place, then freed.
  Cluster cluster({{"SENDER", "EU"}, {"TIGHT", "EU"}});
  const std::filesystem::path text_db = cluster.node_dir("TIGHT") / "text.db";
  std::filesystem::remove(text_db);
  std::filesystem::create_directory(text_db);
  AcceptedRecords accepted;
  StartConverged(cluster, accepted, 30);
  CHECK(cluster.Status("TIGHT").value("text_behind", 0) > 0);
  std::filesystem::remove(text_db);
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json status = cluster.Status("TIGHT");
        observed = status.dump();
        return status.value("text_behind", -1) == 0;
      },
      std::chrono::seconds(60), "TIGHT's full-text index open and caught up, without a restart");
  CHECK_THAT(cluster.NodeLog("TIGHT"), Catch::Contains("full-text index: open again"));
}

}  // namespace cen::e2e
