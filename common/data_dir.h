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
  // Makes `file` (a database the init made) readable by its owner alone:
  // SQLite creates it by the umask (0644); its -wal and -shm take its mode.
  static Status MakePrivate(const std::string& file);
  static Status CreateFresh(const std::string& dir, const std::string& store_file,
                            const std::string& what);
};

}  // namespace cen::common
