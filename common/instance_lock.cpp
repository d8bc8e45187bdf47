#include "common/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace cen::common {

namespace {

// IsHeld() holds the lock shared for an instant (`cen-node drop`, `status`
// and the benches ask it): a taker that meets that instant tries again for
// up to kProbeGrace before it concludes that another holder runs.
constexpr auto kProbeGrace = std::chrono::milliseconds(500);
constexpr auto kRetryEvery = std::chrono::milliseconds(5);

Result<int> Lock(const std::string& data_dir, InstanceLock::Kind kind, int operation) {
  const std::string path = data_dir + "/" + kind.file;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot open " + path + ": " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + kProbeGrace;
  while (::flock(fd, operation | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() > deadline) {
      ::close(fd);
      return Unavailable(std::string("another ") + kind.holder + " already runs on " + data_dir);
    }
    std::this_thread::sleep_for(kRetryEvery);
  }
  return fd;
}

}  // namespace

Result<InstanceLock> InstanceLock::Acquire(const std::string& data_dir, Kind kind) {
  auto fd = Lock(data_dir, kind, LOCK_EX);
  if (!fd.ok()) return fd.status();
  return InstanceLock(*fd);
}

Result<InstanceLock> InstanceLock::AcquireShared(const std::string& data_dir, Kind kind) {
  auto fd = Lock(data_dir, kind, LOCK_SH);
  if (!fd.ok()) return fd.status();
  return InstanceLock(*fd);
}

bool InstanceLock::IsHeld(const std::string& data_dir, Kind kind) {
  const std::string path = data_dir + "/" + kind.file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace cen::common
