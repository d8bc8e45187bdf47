// One group commit of PUBLISH frames: their records validated, journaled in
// one transaction with the audit entries, and the ACK frame each PUBLISH
// gets once that transaction is durable.
//
//   GroupCommit batch({&journal, &audit, &validator, &policy, &registry, &db});
//   CEN_RETURN_IF_ERROR(batch.Add(routing_id, node, publish_frame));  // error: refuse the frame
//   batch.Keep(std::move(message));       // queued again if the commit fails
//   auto replies = batch.Commit();        // nothing acked unless this is ok
//   for (auto& r : *replies) Send(r.routing_id, r.frame);
//   fanout.Commit(epoch, batch.candidates(), batch.outcomes());
//
// A record the validator refuses is rejected in its ACK slot without reaching
// the journal; the journal may reject or find a duplicate among the rest.
// Each publishing node gets one "accepted" audit entry per commit (per
// part, when CommitPart() commits a batch in parts).
//
// Not thread-safe: owned by the hub's thread for one commit.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/msgpack_map.h"
#include "common/record_validator.h"
#include "common/sqlite_db.h"
#include "common/status.h"
#include "common/wire_frame.h"
#include "hub/audit_trail.h"
#include "hub/cluster/cluster_command.h"
#include "hub/ingest_queue.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"

namespace cen::hub {

class GroupCommit {
 public:
  // What a commit uses; none of it owned.
  struct Parts {
    Journal* journal;
    AuditTrail* audit;  // the hub's queue: its entries go into the commit
    const common::RecordValidator* validator;
    const ScopePolicy* policy;     // an alert's audience, for its ACK
    const NodeRegistry* registry;  // the nodes that audience is drawn from
    common::Database* db;          // where the audit entries are written
    // Reads the registry and the groups again from hub.db (a record whose
    // scope reaches nobody may name a group or office just made by another
    // process); empty: never.
    std::function<void()> reread = nullptr;
  };
  // A reply to send once Commit() succeeded.
  struct Reply {
    std::string routing_id;
    std::string frame;  // an ACK
  };

  explicit GroupCommit(Parts parts) : parts_(parts) {}

  // Validates the records of one PUBLISH frame from `node` (its authenticated
  // id) into the batch. `yield` (may be empty) runs every `yield_every`
  // records, so a large bulk frame makes way for priority frames. An error
  // is the frame's fault (no "records" array): refuse it; nothing was added.
  common::Status Add(const std::string& routing_id, const std::string& node,
                     const common::MsgpackMap& frame, const std::function<void()>& yield = {},
                     size_t yield_every = 64);
  // The message a frame came in, queued again by the caller if Commit() (or
  // the first CommitPart()) fails; a batch partly journaled is taken on
  // where it stopped instead.
  void Keep(IngestQueue::Message received) { received_.push_back(std::move(received)); }
  std::vector<IngestQueue::Message> TakeReceived() { return std::move(received_); }

  bool empty() const { return publishes_.empty(); }
  size_t publishes() const { return publishes_.size(); }
  size_t records() const { return candidates_.size(); }

  // Journals the valid records with the audit entries queued before and
  // those of this commit, in one transaction. On error nothing was journaled
  // and no entry is lost (queued again); nothing may be acked.
  common::Result<std::vector<Reply>> Commit();

  // The records [begin, end) of candidates() that one transaction journaled.
  struct Part {
    size_t begin = 0;
    size_t end = 0;
  };
  // Commit() in parts, so that an urgent alert need not wait for a whole
  // bulk batch: journals the records not journaled yet in one transaction,
  // which ends early where `cut` says so (Journal::Append asks it every
  // Journal::kCutEvery records). Call it again until done(), then send
  // Replies(). On error this part journaled nothing and no audit entry is
  // lost; the parts before it stay journaled, and CommitPart() goes on
  // where it stopped when called again. Each part gets its own "accepted"
  // audit entries; the validator's refusals are counted with the last.
  common::Result<Part> CommitPart(const std::function<bool()>& cut);
  bool done() const { return finished_; }
  // The ACK of each PUBLISH, once done() (or after Applied()).
  std::vector<Reply> Replies() const;

  // In a hub cluster the batch is journaled by Raft instead (Commit() is not
  // called): Entry() is the command to propose, with the audit entries
  // `audit` taken from the hub's queue; once the command is applied,
  // Applied() takes its outcomes and gives the replies.
  std::string Entry(const std::vector<ClusterCommand::AuditNote>& audit) const;
  std::vector<Reply> Applied(std::vector<Journal::Outcome> outcomes);

  // The audit entries of one journaled batch, stamped `at`, into `to`: one
  // "accepted" entry per publishing node (`rejected` counts the records the
  // validator refused before the journal saw them) and one "decision" entry
  // per decision journaled or refused. A cluster member derives the same
  // entries from the same Raft command.
  static void NoteOutcomes(std::span<const Journal::Candidate> candidates,
                           std::span<const Journal::Outcome> outcomes,
                           const std::map<std::string, int64_t>& rejected, const std::string& at,
                           AuditTrail* to);

  // The debug line of a commit that journaled `records` (none: no line).
  // tests/bench/alert_trace.py reads these lines: keep their shape.
  static void LogCommit(size_t records, size_t publishes,
                        std::chrono::steady_clock::time_point started, bool cut);

  // After Commit() (or each CommitPart()): what the feed fans out.
  const std::vector<Journal::Candidate>& candidates() const { return candidates_; }
  const std::vector<Journal::Outcome>& outcomes() const { return outcomes_; }

 private:
  // One PUBLISH frame: its reply slots point either at a journal candidate
  // or at a rejection decided before the commit.
  struct Publish {
    std::string routing_id;
    std::string node;
    struct Slot {
      std::string uuid;
      int64_t version = 0;
      int candidate = -1;   // index into candidates_, or -1
      std::string reason;   // rejection when candidate == -1
      std::string warning;  // journaled, but its scope reaches no office it names
    };
    std::vector<Slot> slots;
  };
  // How many records of each publishing node the validator refused.
  std::map<std::string, int64_t> RejectedByNode() const;
  common::WireFrame::AckEntry AckOf(const Publish::Slot& slot) const;

  Parts parts_;
  bool reread_ = false;  // parts_.reread ran for this batch
  // (origin, scope) -> what ScopePolicy::Unreachable said of it this batch.
  std::map<std::pair<std::string, std::string>, std::string> scope_problems_;
  std::vector<Journal::Candidate> candidates_;
  std::vector<Journal::Outcome> outcomes_;  // of the candidates journaled so far, in order
  bool finished_ = false;
  std::vector<Publish> publishes_;
  std::vector<IngestQueue::Message> received_;
};

}  // namespace cen::hub
