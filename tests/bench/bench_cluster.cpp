#include "tests/bench/bench_cluster.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "hub/hub_commands.h"
#include "node/node_commands.h"
#include "tests/bench/bench_support.h"

namespace cen::bench {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool WaitUntilListening(int port, std::chrono::milliseconds timeout,
                        const std::function<bool()>& alive) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  while (true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    const bool accepted = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (accepted) return true;
    if (std::chrono::steady_clock::now() > until || !alive()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double PeakRssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // in kB
  }
  return 0;
}

BenchCluster BenchCluster::Init(const std::filesystem::path& dir,
                                const std::vector<std::string>& ids) {
  BenchCluster cluster;
  std::ostringstream sink;
  hub::InitOptions hub_init;
  hub_init.data_dir = (dir / "hub").string();
  hub_init.ingest_port = FreePort();
  hub_init.feed_port = FreePort();
  CheckOk(hub::HubCommands::Init(hub_init, sink), "hub init");
  const std::string hub_key = sink.str().substr(0, 40);
  cluster.hub_dir = hub_init.data_dir;
  cluster.ingest_port = hub_init.ingest_port;
  cluster.feed_port = hub_init.feed_port;
  cluster.ids = ids;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    std::ostringstream key;
    node::NodeInitOptions ni{(dir / id).string(), id,
                             "tcp://127.0.0.1:" + std::to_string(hub_init.ingest_port), hub_key,
                             "R" + std::to_string(i)};
    CheckOk(node::NodeCommands::Init(ni, key), "node init");
    hub::AllowOptions allow{hub_init.data_dir, id, key.str().substr(0, 40), ni.region};
    CheckOk(hub::HubCommands::Allow(allow, sink), "allow");
    cluster.node_dirs.push_back(ni.data_dir);
  }
  return cluster;
}

std::vector<std::string> RunArgs(const std::string& bin, const std::string& data, int rt_priority) {
  std::vector<std::string> args{bin, "run", "--data", data};
  if (rt_priority >= 0) {
    args.emplace_back("--rt-priority");
    args.push_back(std::to_string(rt_priority));
  }
  return args;
}

}  // namespace cen::bench
