// `cen-query`: searches, shows and aggregates the node's replica. Opens
// node.db read-only (WAL: never blocks the agent's writes), needs no agent and
// no hub, and records every run in the node's query_audit table.
//
//   QueryOptions o;
//   o.data_dir = "/var/lib/cen-node";
//   o.filter.commodities = {"drugs"};
//   o.format = "csv";
//   Status s = QueryCommand::Run(QueryVerb::kSearch, o, std::cout, std::cerr);
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/status.h"
#include "node/query/query_options.h"

namespace cen::node {

class QueryCommand {
 public:
  // Runs `verb`, writing results to `out` and notes (withheld records, more
  // rows available) to `err`. Bad flag values are UsageErrors (exit 2).
  static common::Status Run(QueryVerb verb, QueryOptions o, std::ostream& out, std::ostream& err);

  static const char* Name(QueryVerb verb);
  // UsageError naming the first flag given that `verb` does not read (a
  // filter to alerts other than --priority and --origin, --count to stats):
  // ignored, it would make the answer look like what was asked.
  static common::Status CheckFlagsRead(QueryVerb verb, const QueryOptions& o);
};

}  // namespace cen::node
