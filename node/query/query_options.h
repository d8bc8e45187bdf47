// What a `cen-query` run was asked (QueryOptions, for a QueryVerb) and what
// it returned (QueryOutcome): the vocabulary QueryCommand hands to each
// query (search, show, stats, alerts, audit, watch lists), which need not
// know QueryCommand itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "node/query/query_filter.h"

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
  kWatchRemove,
  kPending
};

struct QueryOptions {
  std::string data_dir;
  QueryFilter filter;
  std::string format;  // table | json | csv; "" = table on a terminal, else json
  bool count = false;  // search: print only the number of matches
  int64_t limit = -1;  // -1 = default (100 table rows, else all); 0 = all
  int64_t offset = 0;
  std::string sort;                 // "field[,-field]"; default gseq
  bool include_restricted = false;  // export H2/H3 records as json/csv
  std::string uuid;                 // show: a uuid or a unique prefix of 8+ characters
  std::vector<std::string> by;      // stats: group fields
  std::string period;               // stats: "", month or year
  bool chart = false;               // stats: bar chart of one grouping
  int64_t top = -1;                 // stats (per period), routes: -1 not given, 0 all
  // stats, routes: from this many records (by gseq range) the scan is split
  // between two threads, when QueryCommand could open a second connection on
  // its snapshot (SharedSnapshot). Below it, starting a thread costs more.
  int64_t split_scan_from = 100000;
  bool all = false;                    // alerts: cancelled and expired ones too
  std::string watch_name;              // watch add / remove
  int64_t pending_days = 7;            // pending: records older than this are flagged
  bool terminal = false;               // stdout is a terminal
  size_t width = 120;                  // terminal columns for tables
  std::vector<std::string> arguments;  // the command line, for the audit
};

// What a run returned, for the audit trail.
struct QueryOutcome {
  int64_t results = 0;     // records (search, show) or groups (stats, routes) printed
  int64_t restricted = 0;  // H2/H3 records shown or exported (stats, routes: counted)
  int64_t scans = 0;       // stats, routes: threads the records were read by (1 or 2)
};

}  // namespace cen::node
