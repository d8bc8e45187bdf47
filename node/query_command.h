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
#include "node/query_filter.h"

namespace cen::node {

enum class QueryVerb {
  kSearch,
  kShow,
  kStats,
  kRoutes,
  kAudit,
  kAlerts,
  kReceipts,
  kHits,
  kWatchAdd,
  kWatchList,
  kWatchRemove
};

struct QueryOptions {
  std::string data_dir;
  QueryFilter filter;
  std::string format;  // table | json | csv; "" = table on a terminal, else json
  bool count = false;  // search: print only the number of matches
  int64_t limit = -1;  // -1 = default (100 table rows, else all); 0 = all
  int64_t offset = 0;
  std::string sort;                    // "field[,-field]"; default gseq
  bool include_restricted = false;     // export H2/H3 records as json/csv
  std::string uuid;                    // show: a uuid or a unique prefix of 8+ characters
  std::vector<std::string> by;         // stats: group fields
  std::string period;                  // stats: "", month or year
  bool chart = false;                  // stats: bar chart of one grouping
  int64_t top = 0;                     // stats (per period) and routes: 0 = default
  bool all = false;                    // alerts: cancelled and expired ones too
  std::string watch_name;              // watch add / remove
  bool terminal = false;               // stdout is a terminal
  size_t width = 120;                  // terminal columns for tables
  std::vector<std::string> arguments;  // the command line, for the audit
};

// What a run returned, for the audit trail.
struct QueryOutcome {
  int64_t results = 0;     // records (search, show) or groups (stats, routes) printed
  int64_t restricted = 0;  // H2/H3 records exported as json or csv
};

class QueryCommand {
 public:
  // Runs `verb`, writing results to `out` and notes (withheld records, more
  // rows available) to `err`. Bad flag values are UsageErrors (exit 2).
  static common::Status Run(QueryVerb verb, QueryOptions o, std::ostream& out, std::ostream& err);

  static const char* Name(QueryVerb verb);
};

}  // namespace cen::node
