// NCPs' records that wait for their RILO's decision, as this node's replica
// holds them: at a RILO, its NCPs' records to accept or return; at an NCP,
// its own, with the reason of a return. Each comes with the checks that fail
// on it, as warnings for the person who decides: a quantity far outside what
// the replica holds for its commodity and unit, a route through the same
// country twice.
//
//   auto queue = PendingQueue::List(db, filter, "RILO-WE", 0);  // what RILO-WE decides
//   for (const auto& e : *queue) std::cout << e.uuid << " " << e.warnings.size() << "\n";
//
// Thread-compatible: reads through the given connection.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "node/query/query_filter.h"
#include "node/query/query_options.h"

namespace cen::node {

class PendingQueue {
 public:
  struct Entry {
    int64_t gseq = 0;
    std::string uuid;
    int64_t version = 0;
    std::string kind, origin, ref, received_at;
    std::string state;   // "pending" or "returned"
    std::string rilo;    // who decides
    std::string reason;  // of the latest return of this version
    // "accept" or "return": decided at this node, and not yet applied to its
    // replica (the record still pending here).
    std::string queued;
    nlohmann::json record;
    std::vector<std::string> warnings;  // in the reader's language (Check())
  };

  // Oldest first, at most `limit` (0: all). `filter`'s conditions apply; its
  // include_pending is implied. `rilo` non-empty: only the records that RILO
  // decides. Without `with_records`, each entry's record (and rilo) is left
  // empty: a long queue then takes a few hundred bytes an entry.
  // Which records by their handling code: every one, or H0/H1 only, or H2/H3 only.
  enum class Handling { kAny, kUnrestricted, kRestricted };
  static common::Result<std::vector<Entry>> List(common::Database& db, const QueryFilter& filter,
                                                 const std::string& rilo, int64_t limit,
                                                 bool with_records = true,
                                                 Handling handling = Handling::kAny);
  // Reads the record of each entry listed without it (List(..., false)).
  static common::Status ReadRecords(common::Database& db, std::vector<Entry>& entries);
  // Fills in each entry's warnings: the quantity check reads what the
  // replica holds for each commodity and unit, so only callers that show
  // them pay for it.
  static common::Status Check(common::Database& db, std::vector<Entry>& entries);
  // `cen-query pending`: the queue as a table (age, state, checks, reason;
  // records older than o.pending_days flagged), NDJSON or CSV; H2/H3 records
  // are left out of NDJSON and CSV unless o.include_restricted (said on
  // `err`).
  static common::Result<QueryOutcome> Run(common::Database& db, const QueryOptions& o,
                                          std::ostream& out, std::ostream& err);
  // The route of a record, departure, transit and destination, when it
  // passes through a country twice: that country; "" otherwise.
  static std::string RepeatedCountry(const nlohmann::json& record);
};

}  // namespace cen::node
