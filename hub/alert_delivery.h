// Which offices have not yet received an urgent alert: for `cen-hub status`.
// An office has received an alert when the journal holds a receipt of it from
// that office (delivered, seen, actioned or no-trace; ref "ACTION:UUID"). An
// alert still counts while it is neither cancelled nor expired.
//
//   auto pending = AlertDelivery::UndeliveredUrgent(db, Clock::NowMillis());
//   for (const auto& p : *pending) Print(p.office, p.alert, p.title);
//
// Thread-safe: reads through the given connection only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::hub {

class AlertDelivery {
 public:
  struct Undelivered {
    std::string office;  // node in the alert's scope without a receipt
    std::string alert;   // uuid
    std::string origin;
    std::string title;
    std::string received_at;  // when the hub journaled the alert
  };

  // Every (office, urgent alert) pair still waiting, by office then alert age.
  static common::Result<std::vector<Undelivered>> UndeliveredUrgent(common::Database& db,
                                                                    int64_t now_millis);
};

}  // namespace cen::hub
