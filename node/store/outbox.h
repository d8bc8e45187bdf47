// The node's durable outbox and its own records. Enqueue() makes records
// durable before the command that handed them in may exit 0; the agent reads
// Pending() batches, sends them, and Acknowledge()s what the hub answered.
//
// The (kind, ref) pair is the natural key of a case: a record whose ref this
// node already used becomes a new version of that record when its content
// differs, and is left alone when it is the same.
//
//   Outbox outbox(&db);
//   auto result = outbox.Enqueue(validated_records);  // one transaction
//
// Files too large to hold in memory stream through the same rules:
//
//   CEN_RETURN_IF_ERROR(outbox.BeginQueue());
//   while (...) { auto q = outbox.Queue(record, "FILE:LINE"); ... }
//   CEN_RETURN_IF_ERROR(outbox.CommitQueue());  // or AbortQueue(): nothing stays
//
// Not thread-safe. Several processes may use one node.db (SQLite locks).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/sqlite_db.h"
#include "node/store/fingerprint_set.h"
#include "node/store/outbox_record.h"

namespace cen::node {

class Outbox {
 public:
  enum class Disposition { kNew, kAmended, kUnchanged };
  struct Queued {
    std::string uuid;
    int64_t version;
    Disposition disposition;
  };
  struct Entry {
    int64_t seq;
    std::string uuid;
    int64_t version;
    std::string body;  // msgpack
    int lane = 0;      // common::Lane: 2 urgent alert, 1 high alert, 0 the rest
  };
  struct Ack {
    std::string uuid;
    int64_t version;
    bool accepted;  // NEW or DUP
    int64_t gseq;
    std::string reason;  // when rejected; when accepted, the hub's warning ("" for none)
    // An own alert (msg_type alert): the offices the hub says it goes to
    // (none: not an alert, or a hub that does not say).
    std::optional<std::vector<std::string>> audience = std::nullopt;
  };

  explicit Outbox(common::Database* db) : db_(db) {}

  // Whether Queue() may amend a record with a lower handling code than the
  // version it amends (H2 to H0): refused by default, the row named, as a
  // file without a handling column would declassify the records it amends.
  void set_lower_handling(bool allowed) { lower_handling_ = allowed; }
  // Fields the source has no column for (a CSV drop: "hs_code",
  // "indicators.routes"): an amendment that would change or remove such a
  // field of the version it amends is refused. The file does not say the
  // field, it does not mean to change it (a trial's export without its
  // hs_code column took the HS code off 3,276 records, exit 0).
  void set_unstated_fields(std::vector<std::string> fields) { unstated_ = std::move(fields); }

  // Queues validated records (canonical fields, defaults filled) in one
  // transaction: all or nothing. A record's own `uuid`, if any, must agree
  // with the uuid its ref already has, and a ref queued earlier in the same
  // queue comes again only with the same content (kUnchanged). Errors are kInvalidInput
  // "LABEL: field: reason", LABEL being labels[i] (e.g. "FILE:LINE") or, when
  // no labels are given, "record N" (N counted from 1).
  common::Result<std::vector<Queued>> Enqueue(std::vector<nlohmann::json> records,
                                              const std::vector<std::string>& labels = {});
  // The same for records made ready already.
  common::Result<std::vector<Queued>> EnqueueReady(std::vector<OutboxRecord> records,
                                                   const std::vector<std::string>& labels = {});

  // Enqueue() one record at a time, in one transaction that BeginQueue()
  // opens (taking node.db's write lock) and CommitQueue() commits. Queue()
  // takes a validated record (or one made ready by OutboxRecord, on any
  // thread) and either stores it or, on kInvalidInput "LABEL: field: reason",
  // stores nothing for it: the caller may go on with the next record.
  // AbortQueue(), or destroying the Outbox, rolls back.
  common::Status BeginQueue();
  common::Result<Queued> Queue(const OutboxRecord& record, std::string_view label);
  common::Result<Queued> Queue(nlohmann::json record, std::string_view label);
  common::Status CommitQueue();
  void AbortQueue();
  // Queue() inside a write transaction the caller already holds (the
  // replica's apply queues receipts this way); LeaveTransaction() after.
  common::Status JoinTransaction();
  void LeaveTransaction() { AbortQueue(); }

  // Up to `max` entries with seq > after_seq, oldest first.
  common::Result<std::vector<Entry>> Pending(int64_t after_seq, int max);
  // Up to `max` entries of the priority lanes (urgent and high alerts),
  // urgent first, then oldest first: the agent sends them before any bulk.
  common::Result<std::vector<Entry>> PendingPriority(int max);
  // Removes acknowledged entries and records the hub's verdicts. A receipt
  // refused because the hub did not hold its alert ("alert: no alert ...")
  // while this replica holds it goes back to the end of the outbox instead,
  // once: after a hub restore the alert's office may offer the alert in the
  // same commit as this receipt, after it.
  common::Status Acknowledge(const std::vector<Ack>& acks);
  // Puts every own record version back into the outbox (a hub restored from
  // backup must regain them). Returns how many were queued again.
  common::Result<int64_t> RequeueAll();
  // Puts back own record versions acked with a gseq beyond `head` (a hub
  // restored from an older copy lost them). Returns how many.
  common::Result<int64_t> RequeueAbove(int64_t head);
  // Puts back this node's delivery and action receipts for `alert` that the
  // hub refused because it did not hold the alert ("alert: no alert ..."):
  // a hub restored from an older copy, offered them before the alert's
  // office offered the alert again. Called by the apply (in its
  // transaction) once the alert is in the replica, so the hub holds it now.
  // Returns how many.
  common::Result<int64_t> RequeueRefusedReceipts(const std::string& alert);
  // This node's decisions on version `version` of an NCP's record `record`
  // that the hub refused because it did not hold that version waiting (a
  // hub restored from an older copy: the RILO offered its decisions again
  // before the NCP, offline then, offered the record): queued again, the
  // newest of each, once the replica holds the version waiting again.
  // Returns how many.
  common::Result<int64_t> RequeueRefusedDecisions(std::string_view record, int64_t version);
  // Whether a hit receipt of this node the hub refused because it did not
  // hold its alert or the seized record yet ("alert: no alert U ...",
  // "hit.record: no record U ...": a hub restored from an older copy, before
  // their offices offered them again) waits for `uuid`. The first call reads
  // the refused ones (a hit receipt's ref is its own, hit:UUID, so the reason
  // names what it waits for); a set lookup after that.
  common::Result<bool> Awaited(std::string_view uuid);
  // Queues again, in a transaction of its own, the hit receipts waiting for
  // the records or alerts `named` that the replica now holds in force: each
  // once for what its refusal names, in this process. Call it once the apply
  // that brought them has committed. Returns how many.
  common::Result<int64_t> OfferHitsAgain(const std::vector<std::string>& named);
  common::Result<int64_t> Size();

 private:
  // Forgets the audience of `ack`'s alert, for its own to be written
  // (true), unless a higher version of it was acked before (false: it is
  // not written).
  common::Result<bool> ReplaceAudience(const Ack& ack);
  // Kept by the connection (Database::Cached): a drop or the agent's
  // receipts join many transactions.
  struct Statements {
    common::Statement& latest;    // the version of (kind, ref) queued last
    common::Statement& uuid_ref;  // the (kind, ref) a uuid belongs to
    common::Statement& live;      // a version of a uuid the hub did not refuse
    common::Statement& foreign;   // another node's origin of a uuid in the replica
    common::Statement& ins_own;
    common::Statement& ins_out;
  };

  common::Result<std::vector<Entry>> ReadEntries(common::Statement& stmt);
  // A uuid a record names for its first version: refused when another ref
  // has it, or when the replica holds it from another node.
  common::Status CheckNewUuid(Statements& st, const std::string& uuid, std::string_view label);
  // The versions of `alerts` (this node's own) that an update or cancel
  // handed in now is written against: msgpack of a map uuid -> version, the
  // latest version of each this node handed in (else holds in its replica);
  // nullopt when it knows none of them.
  common::Result<std::optional<std::string>> AlertVersions(const std::vector<std::string>& alerts);
  // Refuses an update or cancel of an alert that is not this node's own.
  common::Status CheckChanged(const std::vector<std::string>& alerts, std::string_view label);
  // Refuses an amendment lowering the handling of `previous_body` (the
  // version it amends) unless set_lower_handling(true).
  common::Status CheckHandling(const OutboxRecord& rec, std::string_view previous_body,
                               int64_t previous_version, std::string_view label) const;
  // Refuses an amendment (`body`) changing a field of unstated_ that
  // `previous_body` has.
  common::Status CheckUnstated(std::string_view body, std::string_view previous_body,
                               const std::string& ref, int64_t previous_version,
                               std::string_view label) const;
  common::Status RaiseReferenced(const std::vector<std::string>& alerts, int64_t lane);
  // Queues again the own versions `refused` selects (SQL from "FROM ..."
  // naming own_records o and own_acks a, its parameters bound by `bind`),
  // forgetting their verdicts. Returns how many.
  common::Result<int64_t> RequeueRefused(const std::string& refused,
                                         const std::function<void(common::Statement&)>& bind);
  // Acknowledge()'s exception: true when `a` went back to the outbox.
  common::Result<bool> OfferAgain(const Ack& a);
  // Puts (uuid, version) back at the outbox's end if the replica holds
  // `named` in force; whether it did.
  common::Result<bool> PutBackIfHeld(const std::string& uuid, int64_t version,
                                     const std::string& named);
  // Reads the refused hit receipts into awaited_.
  common::Status LoadAwaited();

  bool lower_handling_ = false;
  std::vector<std::string> unstated_;
  common::Database* db_;  // not owned
  // While a queue is open (BeginQueue() until CommitQueue()/AbortQueue()).
  std::optional<Statements> statements_;
  std::optional<common::Transaction> tx_;
  // The greatest own_records rowid before BeginQueue(): a row above it was
  // queued by this queue (none for JoinTransaction() alone: the agent's
  // receipts may amend each other in one apply).
  std::optional<int64_t> queue_start_rowid_;
  // The (kind, ref) of each record this queue found unchanged: a later one
  // of the same queue with other content is refused too (16 bytes a record
  // at most: 16 MiB for a re-drop of a million unchanged rows).
  FingerprintSet unchanged_refs_;
  std::string queued_at_;
  // (uuid, version, what its refusal named) of each receipt OfferAgain()
  // or OfferHitsAgain() put back: each once for this Outbox's life.
  using OfferKey = std::tuple<std::string, int64_t, std::string>;
  std::set<OfferKey> offered_again_;
  // The refused hit receipts (uuid, version) by what they wait for, once
  // read (Awaited).
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>, std::less<>> awaited_;
  bool awaited_known_ = false;
};

}  // namespace cen::node
