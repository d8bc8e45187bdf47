// Process-wide spdlog set-up: every line goes to stderr and carries the hub or
// node id, so interleaved logs of several processes stay readable.
#pragma once

#include <string>

namespace cen::common {

class Logging {
 public:
  // Level from CEN_LOG_LEVEL (trace, debug, info, warn, error), default info.
  static void Init(const std::string& process_id);
};

}  // namespace cen::common
