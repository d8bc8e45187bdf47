// The hub's durable journal: every accepted record version gets the next global
// sequence number (gseq), gapless, in one writer. Append() takes a whole batch
// in one transaction (group commit); the caller acks only after it returns.
//
//   Journal journal(&db);
//   CEN_RETURN_IF_ERROR(journal.Load());
//   std::vector<Journal::Outcome> out;
//   CEN_RETURN_IF_ERROR(journal.Append(candidates, &out));  // durable on return
//
// A writer that commits without waiting for the disk (the hub's bulk
// commits, synced by a WalSyncer) holds the head back: after
// set_defer_head(true) an append moves only written(); head(), Read() and
// ReadPriority() stop before it until MarkDurable() says it is on disk. So
// nothing is acknowledged, fanned out or fetched before it is durable.
//
// Not thread-safe: owned by the hub's main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/msgpack_map.h"
#include "common/priority_lane.h"
#include "common/record_edits.h"
#include "common/sqlite_db.h"
#include "hub/reach_history.h"

namespace cen::hub {

class Journal {
 public:
  // A validated record from an authenticated node, as it came off the wire
  // (read in place) with what the validator filled in or rewrote.
  struct Candidate {
    Candidate(std::string node, common::MsgpackMap received, common::RecordEdits changes = {})
        : origin(std::move(node)), record(std::move(received)), edits(std::move(changes)) {}
    // A record the hub writes itself (an operator's cancel) and tests.
    // REQUIRES: `json_record` is an object with integers in the signed
    // 64-bit range (throws std::invalid_argument otherwise).
    Candidate(std::string node, const nlohmann::json& json_record);

    // The text of top-level `name` once the edits apply.
    std::string_view Text(std::string_view name, std::string_view fallback = "") const {
      return edits.TextOr(record, name, fallback);
    }

    std::string origin;  // the authenticated node id (ZAP User-Id)
    common::MsgpackMap record;
    common::RecordEdits edits;
  };
  enum class Verdict { kNew, kDuplicate, kRejected };
  struct Outcome {
    Verdict verdict = Verdict::kNew;
    int64_t gseq = 0;    // kNew: assigned; kDuplicate: the gseq it had
    std::string reason;  // kRejected: "field: reason"
    // kNew: what the feed needs.
    std::string scope;
    common::Lane lane = common::Lane::kBulk;
    std::string body;  // the stored record, msgpack
  };
  struct Stored {
    int64_t gseq;
    std::string origin;
    std::string scope;
    std::string body;
    std::string uuid;
    int64_t version;
    std::string kind;
  };

  // Whether `node` may see a record of `scope` published by `origin`
  // (ScopePolicy::MaySee with the node looked up).
  using Visibility =
      std::function<bool(std::string_view node, std::string_view scope, std::string_view origin)>;

  // The RILO that validates `origin`'s records, "" when they need none
  // (NodeRegistry::ValidatorOf).
  using ValidatorOf = std::function<std::string(std::string_view origin)>;

  // SQL: who a journal row `j`, joined (LEFT) with its validations row `v`
  // on gseq, reaches now: an accepted NCP record reaches its RILO and the
  // scope it asked for, any other row its own scope column.
  static constexpr const char* kReachSql =
      "CASE WHEN v.state = 'accepted' THEN 'also:' || v.rilo || ';' || v.scope ELSE j.scope END";

  explicit Journal(common::Database* db) : db_(db) {}

  // The gseq of a cancel that ended `alert` (whose origin is `origin`): one
  // journaled by that origin or by the hub operator, accepted by its RILO
  // when it needs one, and not a version of the record `besides` (a cancel
  // amending itself); nullopt while the alert is in force. One probe of
  // alert_cancels.
  static common::Result<std::optional<int64_t>> CancelOf(common::Database& db,
                                                         const std::string& alert,
                                                         const std::string& origin,
                                                         std::string_view besides = {});

  // Writes the alert_cancels rows of every cancel in the journal (the
  // upgrade to hub schema 7); the number of cancels.
  static common::Result<int64_t> IndexCancels(common::Database& db);

  // Default: a node sees global records and its own only.
  void set_visibility(Visibility visibility) { visibility_ = std::move(visibility); }
  // Default: no record needs validation.
  void set_validator_of(ValidatorOf validator_of) { validator_of_ = std::move(validator_of); }
  // The offices a record of `scope` from `origin` reaches besides its origin
  // (ScopePolicy::Audience): a cancel must reach them wherever its alert
  // does. Default: unchecked.
  using Audience =
      std::function<std::vector<std::string>(std::string_view scope, std::string_view origin)>;
  void set_audience(Audience audience) { audience_ = std::move(audience); }

  // Reads the epoch, the head and the records whose versions' reach
  // differs. Call once before anything else (a cluster member again after
  // its state machine journaled).
  common::Status Load();
  // The records whose versions reach different offices, as of the last
  // Append() or Load(): what the feed and FETCH serve of their rows.
  const ReachHistory& reaches() const { return reaches_; }
  const std::string& epoch() const { return epoch_; }
  // The last durable gseq: what readers see.
  int64_t head() const { return head_; }
  // The last gseq appended, durable or not (>= head()).
  int64_t written() const { return written_; }
  // Appends from now on leave head() where it is (true), or move it with
  // their commit (false, the default: their commit was durable, and so is
  // every commit before it in the same log).
  void set_defer_head(bool defer) { defer_head_ = defer; }
  // Everything up to `upto` is durable (never beyond written()).
  void MarkDurable(int64_t upto);

  // Appends in one transaction; `outcomes` gets one entry per candidate, in
  // order. A (uuid, version) already journaled is a duplicate; a uuid that
  // belongs to another origin, or a ref the origin already used for another
  // uuid, is rejected. So is an update or cancel whose `references` are not
  // original alerts of the same origin, and a receipt for an alert (or about
  // a record) the node may not see, or not scoped to the alert's origin
  // alone.
  // A seizure or alert of an NCP is journaled pending: its row is scoped to
  // the NCP's RILO (the origin sees its own), its body says "validation":
  // "pending" and names the "rilo", and `validations` gets a row. A
  // decision of that RILO on the latest version (kind "decision") either
  // returns it (the row goes to the NCP) or accepts it: the decision's row
  // then embeds the record, "validation": "accepted", under "accepted" and
  // reaches the NCP and the record's own scope. Decisions from anyone else,
  // on an older version or on a record already accepted are rejected.
  // On error nothing is appended and head() and written() are unchanged.
  // `before_commit`, when given, runs inside the same transaction once the
  // outcomes are known (the hub writes its audit entries there: no second
  // fsync); its error aborts the whole append.
  // Each row's `chain` links it to the previous one (HashChain, JournalLink).
  // Every row of the append is received at `received_at` (RFC 3339; empty:
  // now): a cluster member journals a Raft command at the leader's time.
  // `cut`, when given, is asked after every kCutEvery candidates whether to
  // stop there: if it says so, the append commits what it has (running
  // `before_commit` on those outcomes) and `outcomes` is shorter than
  // `candidates`; the caller appends the rest later (the hub commits an
  // urgent alert in between).
  common::Status Append(
      std::span<Candidate> candidates, std::vector<Outcome>* outcomes,
      const std::function<common::Status(const std::vector<Outcome>&)>& before_commit = nullptr,
      std::string_view received_at = {}, const std::function<bool()>& cut = nullptr);
  static constexpr size_t kCutEvery = 8;

  // The chain link of a journal row (cen-hub verify recomputes it).
  static std::string Link(std::string_view previous, int64_t gseq, std::string_view uuid,
                          int64_t version, std::string_view origin, std::string_view kind,
                          std::string_view ref, std::string_view scope,
                          std::string_view received_at, std::string_view body);

  // Reads records with gseq >= from, at most `max` of them, calling `visit`
  // for each; never one this journal appended that is not yet durable
  // (between head() and written()). Returns the last gseq read (from - 1
  // when none).
  common::Result<int64_t> Read(int64_t from, int max,
                               const std::function<void(const Stored&)>& visit);
  // Read() of the priority lanes only (urgent and high alerts): a node that
  // comes back with a backlog applies these first. Returns the last gseq
  // read (from - 1 when none).
  common::Result<int64_t> ReadPriority(int64_t from, int max,
                                       const std::function<void(const Stored&)>& visit);

 private:
  common::Status Prepare();
  // The reason to reject `c` for what it names (references, receipts), or
  // "" when it names only what it may.
  // `*lane` is raised to the highest lane of an update's or cancel's alerts.
  common::Result<std::string> CheckTargets(const Candidate& c, common::Lane* lane);
  struct Target {
    std::string origin, kind, scope, msg_type;
    bool unvalidated = false;                 // an NCP's version not accepted (yet)
    common::Lane lane = common::Lane::kBulk;  // the lane it was journaled in
  };
  // The newest version of `uuid` that `node` may see (an accepted NCP
  // record is seen by its scope), or nullopt.
  common::Result<std::optional<Target>> FindTarget(const std::string& uuid, std::string_view node);
  // What a decision does once journaled.
  struct Decision {
    bool accept = false;
    int64_t pending_gseq = 0;  // the decided record's row
    std::string ncp;           // its origin
    std::string scope;         // the scope it asked for
    std::string body;          // its stored form (accept)
  };
  // Checks decision `c` against `validations`: the reason to reject it, or
  // "" with *decision filled in.
  common::Result<std::string> CheckDecision(const Candidate& c, Decision* decision);
  bool MaySee(std::string_view node, std::string_view scope, std::string_view origin) const;
  // Why a cancel of `alert` scoped `scope` from `origin` must be refused:
  // the offices its alert reaches (any version in force or waiting for its
  // RILO) that it would not, named; "" when none, or unchecked (no
  // set_audience).
  common::Result<std::string> CancelMisses(const std::string& alert, std::string_view scope,
                                           std::string_view origin);
  common::Result<int64_t> ReadWith(common::Statement& read, int64_t from, int max,
                                   const std::function<void(const Stored&)>& visit);

  common::Database* db_;  // not owned
  std::string epoch_;
  int64_t head_ = 0;
  int64_t written_ = 0;
  bool defer_head_ = false;
  bool prepared_ = false;
  std::vector<common::Statement> stmts_;  // see Prepare() for the order
  Visibility visibility_;
  ValidatorOf validator_of_;
  Audience audience_;
  ReachHistory reaches_;
};

}  // namespace cen::hub
