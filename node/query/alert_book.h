// The current state of every alert in the replica, built from the alert
// messages themselves (OASIS CAP): an original alert (msg_type "alert"),
// then updates and a cancel that reference it by uuid. An update's fields
// (title, body, priority, expires_at, commodity, indicators) replace the
// alert's, in gseq order, except those an amendment of the alert written
// after it changed (its `alert_versions` names an older version of the
// alert than the one in force, and the field differs between the two); a
// cancel ends it; an expires_at in the past ends it too, with no message at
// all.
//
//   auto book = AlertBook::Load(db, Clock::NowMillis());
//   for (const AlertBook::Alert& a : book->alerts()) if (a.state == State::kActive) ...
//
// An update or cancel applied before its alert (the priority lane) waits in
// the book until the alert arrives; it is in force from then on.
// Thread-compatible: a snapshot, read once.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::node {

class AlertBook {
 public:
  enum class State { kActive, kCancelled, kExpired };
  struct Alert {
    std::string uuid;  // of the original alert
    std::string origin;
    int64_t gseq = 0;         // of the original alert's latest version
    std::string received_at;  // when the hub journaled that version
    // When it journaled the first version held here (an amendment does not
    // make an alert without issued_at younger: its AGE counts from this).
    std::string first_received_at;
    nlohmann::json current;          // the alert with every update applied
    nlohmann::json base;             // its version in force, before any update
    std::vector<std::string> chain;  // update and cancel uuids, in gseq order
    State state = State::kActive;
    std::string cancelled_by;  // the cancel's uuid
    // The most restrictive handling the alert or any of its updates and
    // cancels carries ("H3" over "H2" over ...), and the H3 note seen last:
    // an update that leaves handling out (H0 by default) does not make an
    // H3 alert exportable.
    std::string handling = "H0";
    std::string handling_note;
    // urgent 0, high 1, normal 2: for sorting
    int rank() const;
    std::string Text(const char* field) const;
  };

  static common::Result<AlertBook> Load(common::Database& db, int64_t now_millis);

  // Alerts in force first; then most urgent, then newest (issued_at) first.
  const std::vector<Alert>& alerts() const { return alerts_; }
  const Alert* Find(const std::string& uuid) const;
  // The alert `wanted` names: its uuid, a unique prefix of it, or the uuid of
  // one of its updates or its cancel. NotFound, or UsageError when a prefix
  // names several alerts.
  common::Result<const Alert*> Named(const std::string& wanted) const;
  // The original alert an update or cancel belongs to (itself for an alert).
  std::optional<std::string> RootOf(const std::string& uuid) const;

  static const char* Name(State state);

 private:
  std::vector<Alert> alerts_;
  std::vector<std::pair<std::string, std::string>> roots_;  // (message uuid, alert uuid), sorted
};

}  // namespace cen::node
