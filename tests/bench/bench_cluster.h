// A hub and its nodes initialised in a work directory for the benchmarks that
// run the real binaries, with free loopback ports and every node allowed.
//
//   BenchCluster cluster = BenchCluster::Init(dir, {"N1", "N2", "N3"});
//   Process hub("hub", {CEN_HUB_BIN, "run", "--data", cluster.hub_dir}, dir);
//
// Exits the benchmark (CheckOk) when a step fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cen::bench {

struct BenchCluster {
  std::string hub_dir;
  std::vector<std::string> ids;
  std::vector<std::string> node_dirs;  // in the order of ids
  int ingest_port = 0;                 // the hub's, on 127.0.0.1
  int feed_port = 0;

  static BenchCluster Init(const std::filesystem::path& dir, const std::vector<std::string>& ids);
};

// `BIN run --data DATA`, with `--rt-priority N` when `rt_priority` >= 0 (a
// benchmark's own --rt-priority, to measure the daemons without the
// real-time priority their urgent-alert watcher lends).
std::vector<std::string> RunArgs(const std::string& bin, const std::string& data, int rt_priority);

// Waits until something accepts TCP connections on 127.0.0.1:`port` (a
// started hub has bound it), trying every 5 ms; false after `timeout`, or
// as soon as `alive` says the process that should listen has exited.
bool WaitUntilListening(int port, std::chrono::milliseconds timeout,
                        const std::function<bool()>& alive);
// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// User + system CPU seconds a live process has used, from /proc/PID/stat.
double CpuSeconds(pid_t pid);
// A live process's peak resident set in MiB (VmHWM in /proc/PID/status), 0 if unknown.
double PeakRssMiB(pid_t pid);

}  // namespace cen::bench
