// An exclusive flock on a lock file in a data directory: one daemon per
// directory (DIR/agent.lock for `cen-node run`, DIR/hub.lock for `cen-hub
// run`), and a way for other commands to ask whether one runs. The kernel
// releases the lock when the process dies, even by SIGKILL.
//
//   auto lock = InstanceLock::Acquire(dir, InstanceLock::kAgent);
//   if (!lock.ok()) return lock.status();  // kUnavailable: another one runs
#pragma once

#include <string>

#include "common/status.h"

namespace cen::common {

class InstanceLock {
 public:
  // Whose lock: the file's name in the data directory and, for the error
  // message, who holds it.
  struct Kind {
    const char* file;
    const char* holder;
  };
  static constexpr Kind kAgent{"agent.lock", "cen-node agent"};
  static constexpr Kind kHub{"hub.lock", "cen-hub"};

  // Takes the lock or fails with kUnavailable when another process holds it.
  static Result<InstanceLock> Acquire(const std::string& data_dir, Kind kind);
  // True when some process holds the lock now.
  static bool IsHeld(const std::string& data_dir, Kind kind);

  InstanceLock(InstanceLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cen::common
