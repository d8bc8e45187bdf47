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
  // H2/H3 records are counted in a table (marked: column H2/H3 and a
  // footnote) and left out of a json or csv export unless
  // o.include_restricted (the number left out said on `err`), as listings
  // do; the outcome's `restricted` counts those counted.
  static common::Result<QueryOutcome> Groups(common::Database& db, const QueryOptions& o,
                                             std::ostream& out, std::ostream& err,
                                             common::Database* second = nullptr);
  static common::Result<QueryOutcome> Routes(common::Database& db, const QueryOptions& o,
                                             std::ostream& out, std::ostream& err,
                                             common::Database* second = nullptr);
  // The field names --by accepts, for --help.
  static std::string GroupFieldNames();
};

}  // namespace cen::node
