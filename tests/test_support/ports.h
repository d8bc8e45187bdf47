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
#include <cstring>
#include <mutex>
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

// Free TCP ports on 127.0.0.1, distinct from each other and from every port
// this process handed out before: all sockets stay bound until every port is
// read, and a port skipped stays bound too, so the kernel does not offer it
// again.
// Another process may still take one before the server binds it: TestHub
// then chooses again.
inline std::vector<int> FreeLoopbackPorts(int count) {
  HandedOutPorts& handed_out = HandedOutPorts::Get();
  const std::lock_guard<std::mutex> lock(handed_out.mutex);
  std::vector<int> fds;
  std::vector<int> ports;
  std::string error;
  while (static_cast<int>(ports.size()) < count && error.empty()) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      error = std::string("bind 127.0.0.1:0: ") + std::strerror(errno);
      break;
    }
    const int port = ntohs(addr.sin_port);
    if (!handed_out.ports.contains(port)) ports.push_back(port);
  }
  for (const int fd : fds) ::close(fd);
  handed_out.ports.insert(ports.begin(), ports.end());
  if (!error.empty()) throw std::runtime_error(error);
  return ports;
}

}  // namespace cen::test
