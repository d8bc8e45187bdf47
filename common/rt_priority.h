// `rt_priority` in hub.toml and node.toml: the SCHED_FIFO priority a
// daemon's urgent-alert watcher lends its loop (common::UrgentWatch), and
// that libzmq's I/O threads run at; 0: none.
//
//   auto priority = RtPriority::Read(table);   // kDefault when the key is absent
//   if (!priority.ok()) return InvalidInput(path + ": " + priority.status().message());
#pragma once

#include <toml++/toml.h>

#include "common/status.h"

namespace cen::common {

class RtPriority {
 public:
  static constexpr const char* kKey = "rt_priority";
  static constexpr int kDefault = 1;
  static constexpr int kMax = 99;  // Linux's highest SCHED_FIFO priority

  // The key's value in `table`, or kDefault; an error names the key and
  // what it must be (an integer from 0 to kMax).
  static Result<int> Read(const toml::table& table);
};

}  // namespace cen::common
