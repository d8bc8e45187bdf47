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
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cen::test {

// Free TCP ports on 127.0.0.1, distinct from each other and from `avoid`
// (ports named already for a process that is stopped just now, whose port
// the kernel may hand out again): all sockets stay bound until every port is
// read. Another process may take one before the hub binds it; on loopback in
// a test run that is rare enough.
inline std::vector<int> FreeLoopbackPorts(int count, const std::set<int>& avoid = {}) {
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
    // A port to avoid stays bound (never handed out twice) and is skipped.
    if (!avoid.contains(ntohs(addr.sin_port))) ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  if (!error.empty()) throw std::runtime_error(error);
  return ports;
}

}  // namespace cen::test
