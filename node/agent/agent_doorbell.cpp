#include "node/agent/agent_doorbell.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cen::node {
namespace {

// The address of `path`, or false when it does not fit in sun_path.
bool Address(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof addr->sun_path) return false;
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

}  // namespace

std::string AgentDoorbell::PathOf(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "agent.bell").string();
}

common::Result<AgentDoorbell> AgentDoorbell::Listen(const std::string& data_dir) {
  const std::string path = PathOf(data_dir);
  sockaddr_un addr;
  if (!Address(path, &addr))
    return common::InvalidInput(path + ": path too long for a Unix socket");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return common::Internal(std::string("socket: ") + std::strerror(errno));
  ::unlink(path.c_str());  // one agent per data directory (InstanceLock): a leftover is stale
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int error = errno;
    ::close(fd);
    return common::Unavailable("bind " + path + ": " + std::strerror(error));
  }
  return AgentDoorbell(fd, path);
}

void AgentDoorbell::Ring(const std::string& data_dir, Bell bell) {
  sockaddr_un addr;
  if (!Address(PathOf(data_dir), &addr)) return;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const char ring = static_cast<char>(bell);
  // No agent, a full queue, a stale file: the agent's own poll finds the work.
  (void)::sendto(fd, &ring, 1, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  ::close(fd);
}

AgentDoorbell::AgentDoorbell(AgentDoorbell&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
  other.path_.clear();
}

AgentDoorbell& AgentDoorbell::operator=(AgentDoorbell&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(path_.c_str());
    }
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
    other.path_.clear();
  }
  return *this;
}

AgentDoorbell::~AgentDoorbell() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(path_.c_str());
  fd_ = -1;
}

bool AgentDoorbell::Rung() const {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

AgentDoorbell::Heard AgentDoorbell::Clear() {
  Heard heard;
  char buffer[64];
  ssize_t n;
  while ((n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] == static_cast<char>(Bell::kAboutToWrite)) {
        heard.waiting = true;
      } else {
        heard.queued = true;
        heard.waiting = false;
      }
    }
  }
  return heard;
}

}  // namespace cen::node
