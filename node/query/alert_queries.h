// The analyst's view of alerts in the replica (`cen-query alerts`, `receipts`,
// `hits`, and the life cycle part of `show` for an alert).
//
//   auto outcome = AlertQueries::Alerts(db, options, std::cout, std::cerr);  // active ones
//   auto outcome = AlertQueries::Receipts(db, options, std::cout, std::cerr); // o.uuid
//
// Receipts reach only the office that raised an alert, so `receipts` and the
// receipt counts of `alerts` say something only at that office.
// Thread-compatible: reads through the given connection.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/sqlite_db.h"
#include "node/query/query_options.h"

namespace cen::node {

class AlertQueries {
 public:
  // Alerts in force, most urgent then newest first; o.all adds cancelled and
  // expired ones, marked. Filters on priority and origin apply. H2/H3 alerts
  // are left out of json and csv unless o.include_restricted (said on `err`).
  static common::Result<QueryOutcome> Alerts(common::Database& db, const QueryOptions& o,
                                             std::ostream& out, std::ostream& err);
  // Every office an own alert went to: delivered when, acted how, by whom,
  // hits reported; and the offices without a receipt yet.
  // With none, says why (on `err` for json and csv).
  static common::Result<QueryOutcome> Receipts(common::Database& db, const QueryOptions& o,
                                               std::ostream& out, std::ostream& err);
  // Hits found at this node (alert indicators and watch lists) and hits other
  // offices reported for this node's alerts, newest first. A hit on an H2 or
  // H3 record is marked in the table and left out of json and csv unless
  // --include-restricted (said on `err`).
  static common::Result<QueryOutcome> Hits(common::Database& db, const QueryOptions& o,
                                           std::ostream& out, std::ostream& err);
  // For `show`: the alert's life cycle (alert, updates, cancel) and receipts,
  // as table text. Prints nothing for a record that is not an alert.
  // Returns whether what it printed is H2/H3 (the strictest handling of the
  // alert and its updates): the audit counts it.
  static common::Result<bool> Chain(common::Database& db, const std::string& uuid,
                                    std::ostream& out);
  // The same as JSON (show --format json): state, handling (the strictest
  // of the alert and its updates: what an export of it must respect),
  // alert, received_at, steps
  // (type, uuid, received_at, origin, title, body), expires_at when expired,
  // receipts by office; nullopt when `uuid` is no alert, update or cancel.
  static common::Result<std::optional<nlohmann::json>> LifeCycle(common::Database& db,
                                                                 const std::string& uuid);
};

}  // namespace cen::node
