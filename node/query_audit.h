// The node's trail of cen-query runs (issue: every query leaves a trace): who
// (OS user), when, with which arguments, how many results, and how many H2/H3
// records were exported.
//
//   CEN_RETURN_IF_ERROR(QueryAudit::Record(data_dir, "search", args, outcome));
//   QueryAudit::List(db, options, std::cout);  // `cen-query audit`
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "node/query_command.h"

namespace cen::node {

class QueryAudit {
 public:
  // Appends one entry to node.db's query_audit table through a short write
  // transaction of its own (the query itself reads through a read-only
  // connection). Fails when the data directory is not writable.
  static common::Status Record(const std::string& data_dir, const std::string& command,
                               const std::vector<std::string>& arguments,
                               const QueryOutcome& outcome);
  // The newest entries first (o.limit, default 50; 0 = all) in o.format.
  static common::Result<QueryOutcome> List(common::Database& db, const QueryOptions& o,
                                           std::ostream& out);
  // The effective user's login name, or "uid N" when it has none.
  static std::string OsUser();
};

}  // namespace cen::node
