// An exclusive flock on DIR/agent.lock: one agent per data directory, and a
// way for other commands to ask whether an agent runs. The kernel releases the
// lock when the process dies, even by SIGKILL.
#pragma once

#include <string>

#include "common/status.h"

namespace cen::node {

class InstanceLock {
 public:
  // Takes the lock or fails with kUnavailable when another agent holds it.
  static common::Result<InstanceLock> Acquire(const std::string& data_dir);
  // True when some process holds the lock now.
  static bool IsHeld(const std::string& data_dir);

  InstanceLock(InstanceLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cen::node
