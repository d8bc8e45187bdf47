// The hub's audit trail: the `audit` table of hub.db, hash-chained like the
// journal (HashChain). Any thread notes events; the thread that owns the hub's
// database writes them, inside the journal's group commit when there is one
// (no extra fsync) or on its own about once a second.
//
//   AuditTrail audit;
//   audit.Note(AuditTrail::kConnect, "RILO-WE", "from 10.0.0.7");   // any thread
//   CEN_RETURN_IF_ERROR(audit.WritePending(db));  // owner, inside an open transaction
//
// Repeated refusals (a revoked agent retrying every 200 ms, a stranger
// reconnecting) would fill the disk: NoteThrottled() writes one entry per key
// every kThrottle and counts the ones it held back in the next entry.
//
// Thread-safe: Note*() take mu_; WritePending()/Flush() must be called by one
// thread at a time with its own Database.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::hub {

class AuditTrail {
 public:
  // Event names, as stored in audit.event.
  static constexpr std::string_view kConnect = "connect";
  static constexpr std::string_view kAuthFailure = "auth_failure";
  static constexpr std::string_view kRefusedFrame = "refused_frame";
  static constexpr std::string_view kSubscribe = "subscribe";
  static constexpr std::string_view kAccepted = "accepted";
  static constexpr std::string_view kAdmin = "admin";
  // A RILO's decision on an NCP's record, journaled or refused.
  static constexpr std::string_view kDecision = "decision";
  static constexpr std::chrono::seconds kThrottle{10};

  void Note(std::string_view event, std::string_view node, std::string detail);
  // As Note(), stamped `at` (RFC 3339): a cluster member writes the entries
  // a Raft command carries with the time the leader gave them.
  void NoteAt(std::string at, std::string_view event, std::string_view node, std::string detail);
  // As Note(), at most once per `key` every kThrottle.
  void NoteThrottled(const std::string& key, std::string_view event, std::string_view node,
                     std::string detail);
  bool HasPending() const;

  // Writes the pending entries. REQUIRES: a write transaction is open on `db`;
  // the caller then calls Settle() with whether it committed.
  common::Status WritePending(common::Database& db);
  // After WritePending(): forgets the entries written when the transaction
  // committed, queues them again when it did not (a full disk loses none).
  void Settle(bool committed);
  // Writes the pending entries in a transaction of their own.
  common::Status Flush(common::Database& db);
  // One entry, for the cen-hub commands. REQUIRES: a write transaction is open
  // on `db` (the one making the change the entry records). `at` (RFC 3339)
  // stamps it; empty: now (a cluster member passes the leader's time).
  static common::Status Record(common::Database& db, std::string_view event, std::string_view node,
                               std::string detail, std::string at = "");

  // The chain link of an audit row (cen-hub verify recomputes it).
  static std::string Link(std::string_view previous, int64_t id, std::string_view at,
                          std::string_view event, std::string_view node, std::string_view detail);

  // One entry noted, not yet written.
  struct Entry {
    std::string at;
    std::string event;
    std::string node;
    std::string detail;
    bool operator==(const Entry&) const = default;
  };
  // A hub cluster's leader carries the pending entries in its next Raft
  // command instead of writing them: it takes them, and gives them back if
  // the command fails.
  std::vector<Entry> TakePending();
  void Requeue(std::vector<Entry> entries);

 private:
  static common::Status Insert(common::Database& db, const std::vector<Entry>& entries);
  std::vector<Entry> unsettled_;  // written by WritePending, transaction not yet ended
  struct Throttle {
    std::chrono::steady_clock::time_point last;
    int64_t held_back = 0;
  };

  mutable std::mutex mu_;
  std::vector<Entry> pending_;                // guarded by mu_
  std::map<std::string, Throttle> throttle_;  // guarded by mu_
};

}  // namespace cen::hub
