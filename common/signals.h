// SIGINT/SIGTERM -> a stop flag that daemons poll between loop turns.
#pragma once

#include <atomic>

namespace cen::common {

class Signals {
 public:
  // Installs the handlers and returns the flag they set.
  static const std::atomic<bool>& InstallStopHandlers();
};

}  // namespace cen::common
