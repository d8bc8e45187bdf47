// `cen-query stats` and `cen-query routes`: the filtered records grouped, with
// the number of records and the total quantity per unit of each group.
//
//   stats --by commodity,destination --period year   one row per group and year
//   routes                                           departure → transit → destination
#pragma once

#include <iosfwd>

#include "common/sqlite_db.h"
#include "node/query/query_options.h"

namespace cen::node {

class RecordStats {
 public:
  // REQUIRES: o.filter.Check() succeeded and o.format is table, json or csv.
  // `second`, when given, reads db's snapshot (SharedSnapshot): a scan of at
  // least o.split_scan_from records is then split between two threads.
  static common::Result<QueryOutcome> Groups(common::Database& db, const QueryOptions& o,
                                             std::ostream& out, common::Database* second = nullptr);
  static common::Result<QueryOutcome> Routes(common::Database& db, const QueryOptions& o,
                                             std::ostream& out, common::Database* second = nullptr);
  // The field names --by accepts, for --help.
  static std::string GroupFieldNames();
};

}  // namespace cen::node
