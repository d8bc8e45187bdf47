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
#include "node/query/query_options.h"

namespace cen::node {

class QueryAudit {
 public:
  // Appends the entry of a query about to run, before it prints anything,
  // through a short write transaction of its own (the query itself reads
  // through a read-only connection); `results` stays -1 until Finish().
  // Fails when node.db cannot be written (not writable, a full disk): the
  // query must then print nothing. Returns the entry's id.
  static common::Result<int64_t> Begin(const std::string& data_dir, const std::string& command,
                                       const std::vector<std::string>& arguments);
  // Records what entry `id` printed.
  static common::Status Finish(const std::string& data_dir, int64_t id,
                               const QueryOutcome& outcome);
  // The newest entries first (o.limit, default 50; 0 = all) in o.format.
  // Entries older than `before_id` (the listing's own entry) only.
  static common::Result<QueryOutcome> List(common::Database& db, const QueryOptions& o,
                                           std::ostream& out, int64_t before_id);
};

}  // namespace cen::node
