#include "node/store/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>

namespace cen::node {

common::Result<InstanceLock> InstanceLock::Acquire(const std::string& data_dir) {
  const std::string path = data_dir + "/agent.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return common::Internal("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return common::Unavailable("another cen-node agent already runs on " + data_dir);
  }
  return InstanceLock(fd);
}

bool InstanceLock::IsHeld(const std::string& data_dir) {
  const std::string path = data_dir + "/agent.lock";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace cen::node
