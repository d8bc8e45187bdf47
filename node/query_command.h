// `cen-query`: reads the node's replica read-only, with no agent and no hub.
// Minimal for now: list records, filter by kind, table or NDJSON.
#pragma once

#include <iosfwd>
#include <string>

#include "common/status.h"

namespace cen::node {

struct QueryOptions {
  std::string data_dir;
  std::string kind;              // "" = all
  std::string format = "table";  // table | json
};

class QueryCommand {
 public:
  static common::Status Run(const QueryOptions& o, std::ostream& out);
};

}  // namespace cen::node
