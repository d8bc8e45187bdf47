// Data directories of the hub and the nodes: created owner-only (0700), never
// over an existing store.
#pragma once

#include <string>

#include "common/status.h"

namespace cen::common {

class DataDir {
 public:
  // Creates `dir` (and parents) with mode 0700. Fails with kAlreadyExists when
  // `store_file` inside it exists: `what` names it in the message ("a hub").
  static Status CreateFresh(const std::string& dir, const std::string& store_file,
                            const std::string& what);
};

}  // namespace cen::common
