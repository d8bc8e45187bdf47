// Free TCP ports on 127.0.0.1 for tests that must name their endpoints
// before binding them (a Raft configuration, a hub's ports).
//
//   const std::vector<int> ports = cen::test::FreeLoopbackPorts(3);
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cen::test {

// Ports this process has handed out: a test names a port (in hub.toml, a
// Raft configuration) well before the server that binds it starts, and
// meanwhile the kernel may hand the released port out again; so no port is
// handed out twice in one process. (An e2e cluster member once got the feed
// port of a hub stopped to become member 0, and could not listen; a Raft
// endpoint could likewise meet another hub's ingest port.)
struct HandedOutPorts {
  std::mutex mutex;
  std::set<int> ports;
  static HandedOutPorts& Get() {
    static HandedOutPorts handed_out;
    return handed_out;
  }
};

// The first port the kernel hands out by itself (bind to port 0, the local
// end of a connection): /proc/sys/net/ipv4/ip_local_port_range's first.
inline int EphemeralPortsStart() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  range >> low;
  return range ? low : 32768;
}

// Whether 127.0.0.1:`port` can be bound now; keeps the socket open in `fds`
// when it can (so that the next probe does not find it free again).
inline bool BindLoopback(int port, std::vector<int>* fds, std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return false;
  }
  fds->push_back(fd);
  return true;
}

// Free TCP ports on 127.0.0.1, distinct from each other and from every port
// this process handed out before, and below the range the kernel hands out
// by itself: between this choice and the server's bind, no connection made
// by this or another process (a node's, a test client's, under ctest -j2)
// can take one as its local port, as it could take a port from bind(0).
// Each process starts at a random place in the 12,000 or so ports below
// that range and takes the next that bind; only a test in another process
// choosing the same port at the same time can still take one before its
// server binds it: TestHub then chooses again.
inline std::vector<int> FreeLoopbackPorts(int count) {
  constexpr int kLowest = 20000;
  HandedOutPorts& handed_out = HandedOutPorts::Get();
  const std::lock_guard<std::mutex> lock(handed_out.mutex);
  const int end = EphemeralPortsStart();
  if (end - kLowest < 1000) throw std::runtime_error("too few ports below the ephemeral range");
  static std::minstd_rand random(static_cast<unsigned>(::getpid()) ^
                                 static_cast<unsigned>(std::random_device{}()));
  int port = kLowest + static_cast<int>(random() % static_cast<unsigned>(end - kLowest));
  std::vector<int> fds;
  std::vector<int> ports;
  std::string error;
  for (int tried = 0; static_cast<int>(ports.size()) < count && error.empty(); ++tried) {
    if (tried == end - kLowest) {
      error = "no free port on 127.0.0.1 from " + std::to_string(kLowest) + " to " +
              std::to_string(end - 1);
      break;
    }
    port = port + 1 < end ? port + 1 : kLowest;
    if (handed_out.ports.contains(port)) continue;
    if (BindLoopback(port, &fds, &error)) ports.push_back(port);
  }
  for (const int fd : fds) ::close(fd);
  handed_out.ports.insert(ports.begin(), ports.end());
  if (!error.empty()) throw std::runtime_error(error);
  return ports;
}

}  // namespace cen::test
