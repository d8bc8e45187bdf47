// node.db: creates and opens the node's database (docs/SCHEMA.md describes it).
#pragma once

#include <string>

#include "common/sqlite_db.h"

namespace cen::node {

class NodeSchema {
 public:
  static constexpr int kVersion = 5;
  static common::Status Create(common::Database& db, const std::string& node_id);
  // Opens an existing node.db, checking it is a cenhub node database. A
  // missing directory or a foreign file gets a message naming the directory.
  static common::Result<common::Database> Open(const std::string& data_dir,
                                               common::Database::Mode mode);
  static std::string DbPath(const std::string& data_dir) { return data_dir + "/node.db"; }
};

}  // namespace cen::node
