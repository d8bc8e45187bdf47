// Watch lists (`cen-query watch add|list|remove`): cen-query filters saved
// under a name in node.db. The agent matches every record it applies from
// then on against each watch; a match is a hit of that watch (AlertTracker).
//
//   WatchList::Add(data_dir, "cocaine-nl", filter, std::cout);
//
// Thread-compatible. Add and Remove write node.db (short transactions, safe
// while the agent runs); List reads through the given connection.
#pragma once

#include <iosfwd>
#include <string>

#include "common/sqlite_db.h"
#include "node/query/query_filter.h"
#include "node/query/query_options.h"

namespace cen::node {

class WatchList {
 public:
  // REQUIRES: filter.Check() passed. A name is 1-64 of A-Z a-z 0-9 _ . -;
  // a watch needs at least one filter.
  static common::Status Add(const std::string& data_dir, const std::string& name,
                            const QueryFilter& filter, std::ostream& out);
  static common::Result<QueryOutcome> List(common::Database& db, const QueryOptions& o,
                                           std::ostream& out);
  // The hits the watch found stay (cen-query hits).
  static common::Status Remove(const std::string& data_dir, const std::string& name,
                               std::ostream& out);
};

}  // namespace cen::node
