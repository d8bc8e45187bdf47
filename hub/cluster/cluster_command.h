// One entry of a hub cluster's Raft log: a change to hub.db decided by the
// leader and applied by every member in log order (HubStateMachine). Only
// what the leader decided travels: the records as the validator left them,
// the time they were received, the audit entries noted meanwhile. What
// follows from them (gseq, the outcomes, the hash chains) every member works
// out alike from its own hub.db, which is the same on every member.
//
//   std::string entry = ClusterCommand::EncodeJournal(at, batch.candidates(), rejected, notes);
//   raft_apply(...entry...);                        // on the leader
//   auto command = ClusterCommand::Decode(entry);   // on every member, once committed
//
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hub/admin_change.h"
#include "hub/audit_trail.h"
#include "hub/journal.h"

namespace cen::hub {

struct ClusterCommand {
  // The format written by this build; Decode refuses any other, so a member
  // never applies an entry it would read differently from the others.
  static constexpr int64_t kFormat = 1;
  enum class Kind {
    // One group commit: records journaled with the audit entries.
    kJournal,
    // A registry change the operator asked of a member (AdminQueue).
    kAdmin,
  };
  // An audit entry the leader noted (a connection, a refused frame), with
  // the time it noted it.
  using AuditNote = AuditTrail::Entry;

  // A group commit: `candidates` (their edits applied into the record),
  // received at `received_at`; `rejected` counts each node's records the
  // validator refused (their audit entry says so); `audit` the entries
  // noted since the last commit.
  static std::string EncodeJournal(const std::string& received_at,
                                   const std::vector<Journal::Candidate>& candidates,
                                   const std::map<std::string, int64_t>& rejected,
                                   const std::vector<AuditNote>& audit);
  // A registry change, asked of `member` as its request `request`, made at
  // `at`.
  static std::string EncodeAdmin(const std::string& at, int64_t member, int64_t request,
                                 const AdminChange& change);
  // Fails with kCorruption, naming what is wrong, on anything EncodeJournal
  // or EncodeAdmin did not write (another format, a missing or mistyped
  // field).
  static common::Result<ClusterCommand> Decode(std::string_view entry);

  Kind kind = Kind::kJournal;
  std::string received_at;
  std::vector<Journal::Candidate> candidates;  // records read in place, no edits left
  std::map<std::string, int64_t> rejected;
  std::vector<AuditNote> audit;
  // kAdmin (received_at: when the leader took it).
  int64_t admin_member = 0;
  int64_t admin_request = 0;
  AdminChange admin;
};

}  // namespace cen::hub
