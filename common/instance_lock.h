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
  // Every connection to hub.db holds this one shared (HubSchema::Open);
  // `cen-hub restore` takes it alone, so that no connection is open on the
  // hub.db it replaces (an old WAL beside the restored file would be
  // replayed into it).
  static constexpr Kind kHubStore{"hub.db.lock", "cen-hub restore"};

  // Takes the lock or fails with kUnavailable when another process holds it.
  static Result<InstanceLock> Acquire(const std::string& data_dir, Kind kind);
  // Takes the lock shared with other holders of it shared, or fails with
  // kUnavailable while a process holds it alone.
  static Result<InstanceLock> AcquireShared(const std::string& data_dir, Kind kind);
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
