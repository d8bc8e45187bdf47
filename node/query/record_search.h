// `cen-query` without a sub-command: the records matching the filters, as a
// table, NDJSON or CSV, or only their number (--count).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <vector>

#include "common/sqlite_db.h"
#include "node/query/query_options.h"

namespace cen::node {

class RecordSearch {
 public:
  // REQUIRES: o.filter.Check() succeeded and o.format is table, json or csv.
  // H2/H3 records are left out of json and csv unless o.include_restricted;
  // a note on `err` says how many were withheld.
  static common::Result<QueryOutcome> Run(common::Database& db, const QueryOptions& o,
                                          std::ostream& out, std::ostream& err);

  // Puts `ids` (gseqs, >= 1) in ascending order, each once: how a country
  // filter's matches, a record once per role that names the country, are
  // counted and listed.
  static void AscendingOnce(std::vector<int64_t>& ids);
};

}  // namespace cen::node
