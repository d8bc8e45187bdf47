// A hub and its nodes as real processes on loopback, in a fresh directory.
//
//   Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"XX", "AS", /*authorized=*/false}});
//   cluster.StartAll();
//   AcceptedRecords accepted;
//   cluster.Submit("EU", MakeRecords("EU", 0, 50), accepted);
//   cluster.KillHub();                       // SIGKILL
//   cluster.StartHub();
//   cluster.WaitForConvergence(accepted, {"EU", "AF"}, std::chrono::seconds(60));
//   cluster.RequireConverged(accepted, {"EU", "AF"});
//
// The constructor picks two free loopback ports, runs `cen-hub init`, and for
// each node `cen-node init` and (when authorized) `cen-hub allow`. Nothing runs
// until Start*(). Failures are Catch2 assertions: use a Cluster inside a
// TEST_CASE only, from one thread.
//
// On destruction every process still running is killed (SIGKILL) and reaped.
// The directory is removed when the test passed; when it failed, the directory
// is kept, and its path and the tails of every log are printed to stderr.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/curve_keys.h"
#include "tests/e2e/process.h"
#include "tests/e2e/replica_check.h"

namespace cen::e2e {

struct NodeSpec {
  std::string id;
  std::string region;
  // False: the node is initialised with the hub's key but never `allow`ed.
  bool authorized = true;
};

class Cluster {
 public:
  explicit Cluster(std::vector<NodeSpec> nodes);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::filesystem::path& dir() const { return dir_.path; }
  std::filesystem::path hub_dir() const { return dir() / "hub"; }
  std::filesystem::path node_dir(std::string_view id) const;
  const std::string& hub_key() const { return hub_key_; }
  // tcp://127.0.0.1:PORT of the hub's ingest socket.
  std::string ingest_endpoint() const;
  // tcp://127.0.0.1:PORT of the hub's feed socket.
  std::string feed_endpoint() const;
  const std::string& node_key(std::string_view id) const;
  // Node `id`'s key pair (its curve.* files), for a RawClient in its name.
  common::CurveKeys node_keys(std::string_view id) const;
  // Ids in the order given to the constructor.
  std::vector<std::string> node_ids() const;

  // Arguments added to every `cen-hub run` and `cen-node run` from now on
  // (e.g. {"--rt-priority", "0"}).
  void set_run_args(std::vector<std::string> args) { run_args_ = std::move(args); }

  // `cen-hub run`. REQUIRES: the hub is not running.
  void StartHub();
  // SIGKILL, then reap.
  void KillHub();
  // SIGTERM; CHECKs that the hub exits 0 within 15 s (else SIGKILL).
  void StopHub();
  // StopHub() then StartHub().
  void RestartHub();

  // Makes the hub member 0 of a Raft cluster of `members` hubs (cen-hub
  // run with hub.toml's [cluster] table): each other member gets `cen-hub
  // init` (its own keys and ports) and a copy of hub.db with the nodes
  // allowed so far, and every node.toml names the other members
  // (other_hubs). `snapshot_every` > 0 sets the members' snapshot_every
  // (and log_kept = 2), so a test sees logs compacted after a few commits.
  // REQUIRES: nothing runs yet.
  void MakeHubCluster(int members, int snapshot_every = 0);
  // A hub directory for a member yet to be added (`cen-hub init`, its own
  // ports and key), member index `index` from now on; `raft` is the endpoint
  // to give `cen-hub cluster add`.
  struct NewMember {
    int index = 0;
    std::string raft;
    std::string ingest;
    std::string key;
  };
  NewMember PrepareMember();
  // A hub that is no member: `cen-hub init` of its own (its own key), with a
  // [cluster] table naming every member and itself, as an impostor would
  // write it. Returns its data directory.
  std::filesystem::path MakeOutsider();
  std::filesystem::path member_dir(int i) const;  // 0: hub_dir()
  // Where member `i` takes nodes' connections, and its public key.
  std::string member_ingest(int i) const;
  const std::string& member_key(int i) const;
  // `cen-hub run` of member `i` (0: StartHub()), and its SIGKILL.
  void StartMember(int i);
  void KillMember(int i);
  // SIGSTOP / SIGCONT of a running member.
  void FreezeMember(int i);
  void ThawMember(int i);
  // Polls the members' hub.state until one other than `not_this` says it
  // leads (and, if `not_this` runs, it no longer does); returns it.
  int WaitForLeader(std::chrono::seconds timeout, int not_this = -1);
  // Everything member `i` logged, over all its runs.
  std::string MemberLog(int i) const;
  // Everything node `id`'s agents wrote, every run.
  std::string NodeLog(std::string_view id) const;
  // A member's `cen-hub status --json`.
  nlohmann::json MemberStatus(int i);
  // The member whose hub.db HubStatus(), HubQuery() and the convergence
  // checks read (0 until set): the leader's is the newest.
  void UseMemberForHubChecks(int i) { reference_member_ = i; }

  // The same for `cen-node run` of node `id`.
  void StartNode(std::string_view id);
  // The pid of the running hub (member 0) and of node `id`'s running agent.
  pid_t hub_pid() const;
  pid_t node_pid(std::string_view id) const;
  void KillNode(std::string_view id);
  void StopNode(std::string_view id);
  void RestartNode(std::string_view id);

  // The hub, then every node agent.
  void StartAll();
  // Every node agent, then the hub, with SIGTERM (see StopHub()).
  void StopAll();

  // `cen-hub allow` for a node built with authorized = false.
  void Allow(std::string_view id);

  // `cen-node submit --data DIR -` with `lines` on stdin. REQUIREs exit 0 and
  // one uuid per line; returns them in line order.
  std::vector<std::string> Submit(std::string_view id, const std::vector<std::string>& lines);
  // The same, and records the accepted records in `accepted`.
  std::vector<std::string> Submit(std::string_view id, const std::vector<std::string>& lines,
                                  AcceptedRecords& accepted);
  // Runs `cen-query <args...>` without checking the result.
  RunResult RunQuery(const std::vector<std::string>& args);
  // The same in an environment of its own for the language: LC_ALL,
  // LC_MESSAGES and LANGUAGE unset, then `env` ("LANG=ru_RU.UTF-8") set.
  RunResult RunQueryIn(const std::vector<std::string>& env, const std::vector<std::string>& args);
  // Runs `cen-node <args...>` (the binary is prepended) without checking the result.
  RunResult RunNode(const std::vector<std::string>& args, std::string_view stdin_text = "");
  // Runs `cen-hub <args...>` without checking the result.
  RunResult RunHub(const std::vector<std::string>& args, std::string_view stdin_text = "");

  // `cen-query --data DIR --format json [--kind KIND]`, one object per line.
  std::vector<nlohmann::json> Query(std::string_view id, std::string_view kind = "");
  // The refs of the records node `id`'s replica holds (Query).
  std::set<std::string> Refs(std::string_view id);
  // Runs `cen-hub ARGS --data HUB`, which must succeed; returns its output.
  std::string HubAdmin(std::vector<std::string> args);
  // `cen-node status --data DIR --json`.
  nlohmann::json Status(std::string_view id);
  // `cen-hub status --data DIR --json`; works whether the hub runs or not.
  nlohmann::json HubStatus();
  // One integer from hub.db, read-only, e.g. "SELECT count(*) FROM audit";
  // 0 for NULL.
  std::int64_t HubQuery(const std::string& sql) const;
  // The same on node `id`'s node.db (read-only).
  std::int64_t NodeQuery(std::string_view id, const std::string& sql) const;

  // Polls `done` every 100 ms until it returns true. `done` describes what it
  // saw in `observed`. FAILs after `timeout` with `what`, the last observation
  // and the log tails; also FAILs early when a started process has died.
  void WaitUntil(const std::function<bool(std::string& observed)>& done,
                 std::chrono::seconds timeout, std::string_view what);
  // Gives node `id` a drop folder (`drop_dir = "drops"` in its node.toml;
  // before its agent starts) and returns the folder's path.
  std::filesystem::path UseDropFolder(std::string_view id);
  // Waits until node `id`'s running agent has made its drop folder.
  void WaitForDropFolder(std::string_view id, std::chrono::seconds timeout);
  // Waits until node `id`'s agent reports hub_state `state` (cen-node status).
  void WaitForHubState(std::string_view id, std::string_view state, std::chrono::seconds timeout);

  // Waits until each node in `ids` is connected, has an empty outbox, and holds
  // accepted.size() records, with its replica cursor and the hub's head at the
  // journal's length (one entry per accepted version).
  void WaitForConvergence(const AcceptedRecords& accepted, const std::vector<std::string>& ids,
                          std::chrono::seconds timeout);
  // Queries every node in `ids` and REQUIREs FindReplicaProblems() to be empty.
  void RequireConverged(const AcceptedRecords& accepted, const std::vector<std::string>& ids);

  // The tails of every process log started so far, for failure messages.
  std::string LogTails(std::size_t lines = 25) const;

 private:
  // Owns the temporary directory; decides at destruction whether to keep it.
  struct TempDir {
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // True when the test has failed so far (or is unwinding from an exception).
    bool TestFailed() const;
    std::filesystem::path path;
    int failures_at_start = 0;
    bool handled = false;  // ~Cluster() already removed or reported it
  };

  struct Node {
    NodeSpec spec;
    std::string public_key;
    std::unique_ptr<Process> agent;
    int runs = 0;  // how many agents were started, for log names
  };

  Node& FindNode(std::string_view id);
  const Node& FindNode(std::string_view id) const;
  RunResult Run(const std::string& binary, const std::vector<std::string>& args,
                std::string_view stdin_text, std::chrono::seconds timeout);
  // RunResult of a tool that is polled often: its files are removed when it succeeded.
  RunResult RunQuietly(const std::string& binary, const std::vector<std::string>& args);
  void StopProcess(std::unique_ptr<Process>& process);
  // FAILs when a process that was started and not stopped has exited.
  void RequireStartedProcessesAlive(std::string_view while_doing);

  TempDir dir_;  // first member: destroyed after every process is gone
  std::filesystem::path logs_;
  std::filesystem::path runs_;
  int ingest_port_ = 0;
  int feed_port_ = 0;
  // Waits until `hub` logs that it serves (it listens on its ports).
  void WaitServing(Process& hub);
  std::string hub_key_;
  std::unique_ptr<Process> hub_;
  // What `name`1.out/.err .. `name``runs`.out/.err hold.
  std::string Logs(const std::string& name, int runs) const;
  int hub_runs_ = 0;
  std::vector<std::string> run_args_;  // set_run_args()
  std::vector<Node> nodes_;
  // Members 1.. of a hub cluster (member 0 is hub_).
  struct Member {
    std::filesystem::path dir;
    std::unique_ptr<Process> hub;
    int runs = 0;
    std::string ingest;
    std::string key;
  };
  std::vector<Member> members_;
  std::string cluster_members_;  // the [[cluster.members]] of hub.toml
  int reference_member_ = 0;
  std::unique_ptr<Process>& MemberProcess(int i);
};

}  // namespace cen::e2e
