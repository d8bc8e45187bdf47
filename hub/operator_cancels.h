// Alerts the hub operator cancels. `cen-hub cancel-alert` records the request
// in hub.db (operator_cancels); the running hub turns each into a cancel of
// origin `hub-operator` (NodeId::kHubOperator) that references the alert,
// journals it like any record (the feed, receipts and replicas treat it as
// the origin's own cancel) and audits it.
//
//   CEN_RETURN_IF_ERROR(OperatorCancels::Request(dir, uuid, "sent in error", out));
//   // the hub, every second:
//   auto pending = OperatorCancels::Take(db, validator);
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/record_validator.h"
#include "common/sqlite_db.h"
#include "hub/journal.h"

namespace cen::hub {

class OperatorCancels {
 public:
  struct Pending {
    int64_t id;
    std::string alert;
    std::string reason;
    std::string os_user;
    std::string alert_origin;
    std::string alert_scope;
    std::optional<Journal::Candidate> cancel;  // set by Take()
  };

  // Checks that `alert` is an original alert in the journal and records the
  // request. The running hub journals it within a second (or at its start).
  static common::Status Request(const std::string& data_dir, const std::string& alert,
                                const std::string& reason, std::ostream& out);
  // The requests not journaled yet, each as a validated cancel record with
  // the alert's scope (the hub narrows a scope that is not global to the
  // alert's audience and its origin, whom the operator's cancel must reach).
  // A request whose alert is not in the journal (a hub restored from a
  // backup older than the alert) waits for it, up to 7 days after the
  // request (`now_ms`, Unix milliseconds); then it is taken and refused.
  static common::Result<std::vector<Pending>> Take(common::Database& db,
                                                   const common::RecordValidator& validator,
                                                   int64_t now_ms);
  // Inside the journal's transaction: marks them done, with the gseq each got
  // (none when the journal rejected it), and audits each.
  static common::Status Finish(common::Database& db, const std::vector<Pending>& pending,
                               const std::vector<Journal::Outcome>& outcomes);
  // A hub cluster's leader: the audit entry goes into the Raft entry that
  // journals the cancel (Requested()), so every member writes it alike; once
  // applied, the leader marks its requests done, nothing more.
  static std::string Requested(const Pending& p);
  // A cluster member that does not lead: its requests not journaled yet are
  // closed (done, with the gseq of a cancel of the alert journaled
  // meanwhile, or none), never journaled later when it comes to lead (a
  // trial: one fired a minute after it was asked, on a new leadership).
  // Returns the alerts whose request was closed without a cancel.
  static common::Result<std::vector<std::string>> Close(common::Database& db);
  static common::Status MarkDone(common::Database& db, const std::vector<Pending>& pending,
                                 const std::vector<Journal::Outcome>& outcomes);

 private:
  static common::Status Done(common::Database& db, const std::vector<Pending>& pending,
                             const std::vector<Journal::Outcome>& outcomes, bool audit);
};

}  // namespace cen::hub
