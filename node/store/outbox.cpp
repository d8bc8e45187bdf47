#include "node/store/outbox.h"

#include <cassert>
#include <functional>
#include <map>
#include <msgpack.hpp>
#include <sstream>
#include <string_view>

#include "common/clock.h"
#include "common/grouped_number.h"
#include "common/msgpack_map.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "node/store/nominal_details.h"

namespace cen::node {

namespace {

// What one PUBLISH carries at most (a larger record would go alone).
constexpr size_t kMaxRecordBytes = common::frame::kMaxRecordBytesPerFrame;

// An outbox entry with its record's body: what Pending and PendingPriority read.
// The hub's refusal of a receipt whose alert it does not hold (hub/journal.cpp):
// "alert: no alert UUID that this node may see".
constexpr std::string_view kNoAlert = "alert: no alert ";
constexpr std::string_view kNoHitRecord = "hit.record: no record ";

// The alert or record a refusal for one the hub did not hold names
// ("alert: no alert U that this node may see", "hit.record: no record U
// ..."), or empty.
std::string Named(std::string_view reason) {
  for (const std::string_view prefix : {kNoAlert, kNoHitRecord}) {
    if (!reason.starts_with(prefix)) continue;
    reason.remove_prefix(prefix.size());
    return std::string(reason.substr(0, reason.find(' ')));
  }
  return std::string();
}

constexpr const char* kEntries =
    "SELECT o.seq, o.uuid, o.version, r.body, o.lane FROM outbox AS o "
    "JOIN own_records AS r ON r.uuid = o.uuid AND r.version = o.version ";

}  // namespace

using nlohmann::json;

common::Result<std::vector<Outbox::Queued>> Outbox::Enqueue(
    std::vector<json> records, const std::vector<std::string>& labels) {
  std::vector<OutboxRecord> ready;
  ready.reserve(records.size());
  for (const json& record : records) ready.emplace_back(record);
  return EnqueueReady(std::move(ready), labels);
}

common::Result<std::vector<Outbox::Queued>> Outbox::EnqueueReady(
    std::vector<OutboxRecord> records, const std::vector<std::string>& labels) {
  CEN_RETURN_IF_ERROR(BeginQueue());
  std::vector<Queued> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto q = Queue(records[i], i < labels.size() ? labels[i] : "record " + std::to_string(i + 1));
    if (!q.ok()) {
      AbortQueue();
      return q.status();
    }
    out.push_back(std::move(*q));
  }
  CEN_RETURN_IF_ERROR(CommitQueue());
  return out;
}

common::Status Outbox::BeginQueue() {
  AbortQueue();
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(JoinTransaction());
  // Rows inserted from here on have greater rowids: this queue's own.
  auto last = db_->QueryInt("SELECT max(rowid) FROM own_records");
  if (!last.ok()) return last.status();
  queue_start_rowid_ = last->value_or(0);
  tx_.emplace(std::move(*tx));
  return common::Status::Ok();
}

common::Status Outbox::JoinTransaction() {
  statements_.reset();
  queue_start_rowid_.reset();
  unchanged_refs_.Clear();
  // The version of (kind, ref) queued last: the greatest rowid (a ref whose
  // every version the hub refused gets a new uuid, whose version 1 is not
  // the refused uuid's last).
  auto latest = db_->Cached(
      "SELECT uuid, version, body, rowid FROM own_records WHERE rowid = "
      "(SELECT max(rowid) FROM own_records WHERE kind = ?1 AND ref = ?2)");
  auto uuid_ref = db_->Cached("SELECT kind, ref FROM own_records WHERE uuid=? LIMIT 1");
  auto live = db_->Cached(
      "SELECT 1 FROM own_records o WHERE o.uuid=? AND NOT EXISTS (SELECT 1 FROM own_acks a "
      "WHERE a.uuid=o.uuid AND a.version=o.version AND NOT a.accepted) LIMIT 1");
  auto foreign = db_->Cached(
      "SELECT origin FROM (SELECT origin FROM records WHERE uuid=?1 UNION ALL "
      "SELECT origin FROM version_history WHERE uuid=?1) "
      "WHERE origin IS NOT (SELECT value FROM meta WHERE key='node_id') LIMIT 1");
  auto ins_own = db_->Cached(
      "INSERT INTO own_records(uuid, version, kind, ref, body, queued_at, lane) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  auto ins_out = db_->Cached("INSERT INTO outbox(uuid, version, lane) VALUES (?, ?, ?)");
  for (auto* s : {&latest, &uuid_ref, &live, &foreign, &ins_own, &ins_out}) {
    if (!s->ok()) return s->status();
  }
  statements_.emplace(Statements{**latest, **uuid_ref, **live, **foreign, **ins_own, **ins_out});
  queued_at_ = common::Clock::NowRfc3339();
  return common::Status::Ok();
}

common::Status Outbox::CheckHandling(const OutboxRecord& rec, std::string_view previous_body,
                                     int64_t previous_version, std::string_view label) const {
  if (lower_handling_ || rec.handling().empty()) return common::Status::Ok();
  auto previous = common::MsgpackMap::Decode(previous_body);
  if (!previous.ok()) return common::Status::Ok();  // a body this node wrote: always a map
  const std::string_view was = previous->TextOr("handling", "");
  // "H0" < "H1" < "H2" < "H3" as text.
  if (was.empty() || rec.handling() >= was) return common::Status::Ok();
  return common::InvalidInput(
      std::string(label) + ": handling: " + rec.handling() + " would lower " + rec.ref() +
      " from " + std::string(was) + " (version " + std::to_string(previous_version) +
      "): give handling " + std::string(was) +
      " to keep it, or lower it on purpose with cen-node drop --lower-handling or "
      "submit --lower-handling");
}

common::Status Outbox::CheckUnstated(std::string_view body, std::string_view previous_body,
                                     const std::string& ref, int64_t previous_version,
                                     std::string_view label) const {
  if (unstated_.empty()) return common::Status::Ok();
  auto previous = common::MsgpackMap::Decode(previous_body);
  auto now = common::MsgpackMap::Decode(body);
  if (!previous.ok() || !now.ok()) return common::Status::Ok();  // bodies this node wrote
  // The value of `field` in `map`: "indicators.NAME" inside the indicators map.
  const auto value = [](const common::MsgpackMap& map,
                        std::string_view field) -> const msgpack::object* {
    constexpr std::string_view kIndicators = "indicators.";
    if (!field.starts_with(kIndicators)) return map.Find(field);
    const auto indicators = map.Map("indicators");
    return indicators ? indicators->Find(field.substr(kIndicators.size())) : nullptr;
  };
  // Every such field at once (a trial added one column a run, three runs).
  std::string first;
  bool removed = false;
  std::string others;
  for (const std::string& field : unstated_) {
    if (field == "handling") continue;  // CheckHandling's, with --lower-handling
    const msgpack::object* was = value(*previous, field);
    if (was == nullptr) continue;
    const msgpack::object* is = value(*now, field);
    if (is != nullptr && *is == *was) continue;
    if (first.empty()) {
      first = field;
      removed = is == nullptr;
    } else {
      others += (others.empty() ? "" : ", ") + field;
    }
  }
  if (first.empty()) return common::Status::Ok();
  return common::InvalidInput(
      std::string(label) + ": " + first + ": the file has no " + first + " column, and " + ref +
      " (version " + std::to_string(previous_version) + ") has " +
      (removed ? "one this row would remove" : "another value this row would replace") +
      (others.empty() ? "" : "; nor columns for " + others + ", which it would change too") +
      ": add each column with the value to keep (an empty cell removes a value, or gives the "
      "field its default)");
}

common::Result<Outbox::Queued> Outbox::Queue(json record, std::string_view label) {
  return Queue(OutboxRecord(std::move(record)), label);
}

common::Result<Outbox::Queued> Outbox::Queue(const OutboxRecord& rec, std::string_view label) {
  assert(statements_);
  Statements& st = *statements_;
  const std::string& kind = rec.kind();
  const std::string& ref = rec.ref();
  const std::string& given_uuid = rec.given_uuid();

  // The version of (kind, ref) queued last: the greatest rowid, read from
  // the natural-key index, then its one row.
  struct Held {
    std::string uuid;
    int64_t version = 0;
    std::string body;
    int64_t rowid = 0;
  };
  std::optional<Held> held;
  st.latest.Bind(1, kind).Bind(2, ref);
  auto row = st.latest.Step();
  if (!row.ok()) {
    st.latest.Reset();
    return row.status();
  }
  if (*row) {
    held = Held{st.latest.ColumnText(0), st.latest.ColumnInt(1), st.latest.ColumnBlob(2),
                st.latest.ColumnInt(3)};
  }
  st.latest.Reset();
  Queued q{given_uuid, 1, Disposition::kNew};
  if (held) {
    const std::string& held_uuid = held->uuid;
    const int64_t held_version = held->version;
    const std::string& previous_body = held->body;
    // Queued by an earlier record of this queue.
    const bool queued_here = queue_start_rowid_ && held->rowid > *queue_start_rowid_;
    // Whether the hub refused every version of the record held: it was never
    // journaled, and its next version would be refused again (a uuid of
    // another node's record), so the ref starts a new record.
    auto refused_whole = [&]() -> common::Result<bool> {
      auto alive = st.live.Bind(1, held_uuid).Step();
      st.live.Reset();
      if (!alive.ok()) return alive.status();
      return !*alive;
    };
    if (!given_uuid.empty() && given_uuid != held_uuid) {
      auto refused = refused_whole();
      if (!refused.ok()) return refused.status();
      if (!*refused)
        return common::InvalidInput(std::string(label) + ": uuid: ref '" + ref +
                                    "' already belongs to record " + held_uuid);
    } else {
      const bool in_queue = queue_start_rowid_.has_value();
      const uint64_t key = in_queue ? FingerprintSet::Of(kind, ref) : 0;
      // The same content is the same body under the latest version's key
      // (msgpack of a JSON object with sorted keys is canonical); an update
      // is the same under the alert versions its last version named (an
      // alert amended since does not make a file dropped again new).
      std::optional<std::string> previous_stamp;
      if (rec.wants_alert_versions()) {
        auto previous = common::MsgpackMap::Decode(previous_body);
        if (const msgpack::object* named =
                previous.ok() ? previous->Find("alert_versions") : nullptr) {
          std::stringstream packed;
          msgpack::pack(packed, *named);
          previous_stamp = packed.str();
        }
      }
      const std::string same_key_body = rec.Body(held_uuid, held_version, previous_stamp);
      if (same_key_body == previous_body) {
        // Shared content unchanged; the local details may still be new.
        CEN_RETURN_IF_ERROR(NominalDetails::Save(*db_, held_uuid, held_version, rec.nominal()));
        if (in_queue) unchanged_refs_.Insert(key);
        return Queued{held_uuid, held_version, Disposition::kUnchanged};
      }
      // Two contents for one record in one file: each import would make the
      // second amend the first (or the version held), and every later import
      // of the file amend again.
      if (queued_here || (in_queue && unchanged_refs_.Contains(key)))
        return common::InvalidInput(std::string(label) + ": ref: '" + ref +
                                    "' is on an earlier row of this file with other content; a "
                                    "file holds one version of each record");
      auto refused = refused_whole();
      if (!refused.ok()) return refused.status();
      // A row naming the refused uuid amends it all the same.
      if (!*refused || given_uuid == held_uuid) {
        q = Queued{held_uuid, held_version + 1, Disposition::kAmended};
        CEN_RETURN_IF_ERROR(CheckHandling(rec, previous_body, held_version, label));
        CEN_RETURN_IF_ERROR(CheckUnstated(same_key_body, previous_body, ref, held_version, label));
      }
    }
  }
  if (q.disposition == Disposition::kNew) {
    if (q.uuid.empty()) {
      q.uuid = common::Uuid7::Generate();
    } else {
      CEN_RETURN_IF_ERROR(CheckNewUuid(st, q.uuid, label));
    }
  }
  CEN_RETURN_IF_ERROR(CheckChanged(rec.changes(), label));
  // The hub refuses a change of an alert that was cancelled, and a new
  // version of one (a trial: accepted here, refused there, seen only in
  // cen-node status afterwards). Refused here when the replica holds the
  // cancel; a cancel amending itself is not one.
  if (kind == "alert" && (!rec.changes().empty() || q.disposition == Disposition::kAmended)) {
    const bool amending = rec.changes().empty();
    const std::vector<std::string> named =
        amending ? std::vector<std::string>{q.uuid} : rec.changes();
    for (size_t i = 0; i < named.size(); ++i) {
      auto cancelled = db_->Cached(
          "SELECT l.gseq FROM alert_links l JOIN records r ON r.uuid = l.uuid AND r.validation IS "
          "NULL WHERE l.target = ? AND l.msg_type = 'cancel' AND l.uuid != ? LIMIT 1");
      if (!cancelled.ok()) return cancelled.status();
      auto found = (*cancelled)->Bind(1, named[i]).Bind(2, q.uuid).Step();
      const int64_t at = found.ok() && *found ? (*cancelled)->ColumnInt(0) : 0;
      (*cancelled)->Reset();
      if (!found.ok()) return found.status();
      if (at == 0) continue;
      const std::string what = "alert " + named[i] + " was cancelled (gseq " + std::to_string(at) +
                               ", in this node's replica); ";
      return common::InvalidInput(
          std::string(label) +
          (amending
               ? ": ref: " + what +
                     "a cancelled alert is not amended: issue a new alert (another ref) "
                     "instead"
               : ": references[" + std::to_string(i) + "]: " + what + "it is no longer in force"));
    }
  }
  std::optional<std::string> versions;
  if (rec.wants_alert_versions()) {
    auto named = AlertVersions(rec.changes());
    if (!named.ok()) return named.status();
    versions = std::move(*named);
  }
  const std::string body = rec.Body(q.uuid, q.version, versions);
  // A larger record went alone in a PUBLISH the hub may not take (over its
  // max_message_bytes, 16 MiB by default, libzmq closes the connection with
  // no ERROR): it and the outbox behind it never went out.
  if (body.size() > kMaxRecordBytes)
    return common::InvalidInput(std::string(label) + ": (record): " +
                                common::GroupedNumber(static_cast<int64_t>(body.size())) +
                                " bytes encoded; the hub takes at most 4 MiB (" +
                                common::GroupedNumber(static_cast<int64_t>(kMaxRecordBytes)) +
                                " bytes) a record: split it");
  const int64_t lane = static_cast<int64_t>(rec.lane());
  st.ins_own.Bind(1, q.uuid).Bind(2, q.version).Bind(3, kind).Bind(4, ref).BindBlob(5, body);
  st.ins_own.Bind(6, queued_at_).Bind(7, lane);
  CEN_RETURN_IF_ERROR(st.ins_own.Run());
  CEN_RETURN_IF_ERROR(st.ins_out.Bind(1, q.uuid).Bind(2, q.version).Bind(3, lane).Run());
  CEN_RETURN_IF_ERROR(RaiseReferenced(rec.raises(), lane));
  CEN_RETURN_IF_ERROR(NominalDetails::Save(*db_, q.uuid, q.version, rec.nominal()));
  return q;
}

common::Status Outbox::CheckNewUuid(Statements& st, const std::string& uuid,
                                    std::string_view label) {
  auto used = st.uuid_ref.Bind(1, uuid).Step();
  const std::string other = used.ok() && *used ? st.uuid_ref.ColumnText(1) : "";
  st.uuid_ref.Reset();
  if (!used.ok()) return used.status();
  if (*used)
    return common::InvalidInput(std::string(label) +
                                ": uuid: already used by the record with ref '" + other + "'");
  // The hub would refuse it: only the origin node amends its records.
  auto theirs = st.foreign.Bind(1, uuid).Step();
  const std::string origin = theirs.ok() && *theirs ? st.foreign.ColumnText(0) : "";
  st.foreign.Reset();
  if (!theirs.ok()) return theirs.status();
  if (*theirs)
    return common::InvalidInput(std::string(label) + ": uuid: belongs to a record of node " +
                                origin +
                                " (in this node's replica); only the origin node "
                                "amends its records");
  return common::Status::Ok();
}

common::Result<std::optional<std::string>> Outbox::AlertVersions(
    const std::vector<std::string>& alerts) {
  // What this node handed in, else (a node.db rebuilt) what its replica
  // holds of its own.
  auto latest = db_->Cached(
      "SELECT max(v) FROM (SELECT max(version) AS v FROM own_records WHERE uuid = ?1 AND kind = "
      "'alert' UNION ALL SELECT max(version) FROM records WHERE uuid = ?1 AND kind = 'alert')");
  if (!latest.ok()) return latest.status();
  std::map<std::string, int64_t> versions;  // sorted: canonical msgpack
  for (const std::string& alert : alerts) {
    auto row = (*latest)->Bind(1, alert).Step();
    const bool known = row.ok() && *row && !(*latest)->ColumnIsNull(0);
    const int64_t version = known ? (*latest)->ColumnInt(0) : 0;
    (*latest)->Reset();
    if (!row.ok()) return row.status();
    if (known) versions[alert] = version;
  }
  if (versions.empty()) return std::optional<std::string>();
  std::stringstream packed;
  msgpack::pack(packed, versions);
  return std::optional<std::string>(packed.str());
}

// An urgent update or cancel must not reach the hub before the alert it
// references (the hub would refuse it: no such alert yet). When that alert
// still waits in the outbox in a lower lane, it moves up to this lane, ahead
// in send order (same lane, earlier seq).
common::Status Outbox::CheckChanged(const std::vector<std::string>& alerts,
                                    std::string_view label) {
  // The hub refuses an update or cancel of an alert that is not its
  // origin's; refused there, it only showed in cen-node status afterwards.
  // Refused here when the replica says whose it is.
  for (size_t i = 0; i < alerts.size(); ++i) {
    const std::string field = std::string(label) + ": references[" + std::to_string(i) + "]: ";
    auto own = db_->Cached("SELECT 1 FROM own_records WHERE uuid = ? AND kind = 'alert' LIMIT 1");
    if (!own.ok()) return own.status();
    auto mine = (*own)->Bind(1, alerts[i]).Step();
    (*own)->Reset();
    if (!mine.ok()) return mine.status();
    if (*mine) continue;
    auto theirs = db_->Cached(
        "SELECT origin FROM records WHERE uuid = ?1 AND origin IS NOT (SELECT value FROM meta "
        "WHERE key = 'node_id')");
    if (!theirs.ok()) return theirs.status();
    auto row = (*theirs)->Bind(1, alerts[i]).Step();
    const std::string origin = row.ok() && *row ? (*theirs)->ColumnText(0) : "";
    (*theirs)->Reset();
    if (!row.ok()) return row.status();
    // An alert this node does not hold is left to the hub: a node set up
    // again on a new disk may cancel its own alert while its replica still
    // catches up (review).
    if (*row)
      return common::InvalidInput(field + alerts[i] + " is an alert of node " + origin +
                                  "; only its origin updates or cancels it");
  }
  return common::Status::Ok();
}

common::Status Outbox::RaiseReferenced(const std::vector<std::string>& alerts, int64_t lane) {
  if (alerts.empty()) return common::Status::Ok();
  for (const char* sql : {"UPDATE outbox SET lane = ?1 WHERE uuid = ?2 AND lane < ?1",
                          "UPDATE own_records SET lane = ?1 WHERE uuid = ?2 AND lane < ?1"}) {
    auto raise = db_->Prepare(sql);
    if (!raise.ok()) return raise.status();
    for (const std::string& target : alerts) {
      CEN_RETURN_IF_ERROR(raise->Bind(1, lane).Bind(2, target).Run());
    }
  }
  return common::Status::Ok();
}

common::Status Outbox::CommitQueue() {
  assert(tx_);
  common::Status s = tx_->Commit();
  AbortQueue();
  return s;
}

void Outbox::AbortQueue() {
  tx_.reset();  // rolls back unless committed
  statements_.reset();
}

common::Result<std::vector<Outbox::Entry>> Outbox::Pending(int64_t after_seq, int max) {
  // Asked at every pump of the sender: prepared once.
  static const std::string sql = std::string(kEntries) + "WHERE o.seq > ? ORDER BY o.seq LIMIT ?";
  auto stmt = db_->Cached(sql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->Bind(1, after_seq).Bind(2, max);
  return ReadEntries(**stmt);
}

common::Result<std::vector<Outbox::Entry>> Outbox::PendingPriority(int max) {
  static const std::string sql =
      std::string(kEntries) + "WHERE o.lane > 0 ORDER BY o.lane DESC, o.seq LIMIT ?";
  auto stmt = db_->Cached(sql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->Bind(1, max);
  return ReadEntries(**stmt);
}

common::Result<std::vector<Outbox::Entry>> Outbox::ReadEntries(common::Statement& stmt) {
  std::vector<Entry> out;
  while (true) {
    auto row = stmt.Step();
    if (!row.ok()) {
      stmt.Reset();
      return row.status();
    }
    if (!*row) break;
    out.push_back({stmt.ColumnInt(0), stmt.ColumnText(1), stmt.ColumnInt(2), stmt.ColumnBlob(3),
                   static_cast<int>(stmt.ColumnInt(4))});
  }
  stmt.Reset();  // a cached statement: ready for the next pump
  return out;
}

common::Result<bool> Outbox::ReplaceAudience(const Ack& ack) {
  // An amendment may change who the alert goes to (a narrowed scope: the
  // offices outside are no longer waited for). An ACK of an older version
  // than one acked before (a resend) changes nothing.
  auto newest = db_->Cached("SELECT max(version) FROM own_acks WHERE uuid = ? AND accepted = 1");
  if (!newest.ok()) return newest.status();
  auto row = (*newest)->Bind(1, ack.uuid).Step();
  const bool older =
      row.ok() && *row && !(*newest)->ColumnIsNull(0) && (*newest)->ColumnInt(0) > ack.version;
  (*newest)->Reset();
  if (!row.ok()) return row.status();
  if (older) return false;
  auto forget = db_->Cached("DELETE FROM alert_audience WHERE alert = ?");
  if (!forget.ok()) return forget.status();
  CEN_RETURN_IF_ERROR((*forget)->Bind(1, ack.uuid).Run());
  return true;
}

common::Status Outbox::Acknowledge(const std::vector<Ack>& acks) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  // Once per ACK frame: prepared once.
  auto del = db_->Cached("DELETE FROM outbox WHERE uuid=? AND version=?");
  if (!del.ok()) return del.status();
  // A narrow row of its own: the own_records row (body and all) is not
  // written again.
  auto verdict = db_->Cached(
      "INSERT OR REPLACE INTO own_acks(accepted, gseq, reason, uuid, version) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!verdict.ok()) return verdict.status();
  auto audience = db_->Cached("INSERT OR IGNORE INTO alert_audience(alert, office) VALUES (?, ?)");
  if (!audience.ok()) return audience.status();
  for (const auto& a : acks) {
    auto replaced = a.audience ? ReplaceAudience(a) : common::Result<bool>(false);
    if (!replaced.ok()) return replaced.status();
    if (*replaced) {
      // The row of no office says the hub told it: an alert that reaches
      // no office (its scope names none there is) is told from one the hub
      // did not say the audience of.
      CEN_RETURN_IF_ERROR((*audience)->Bind(1, a.uuid).Bind(2, "").Run());
      for (const std::string& office : *a.audience) {
        CEN_RETURN_IF_ERROR((*audience)->Bind(1, a.uuid).Bind(2, office).Run());
      }
    }
    auto again = OfferAgain(a);
    if (!again.ok()) return again.status();
    if (*again) continue;
    CEN_RETURN_IF_ERROR((*del)->Bind(1, a.uuid).Bind(2, a.version).Run());
    (*verdict)->Bind(1, a.accepted ? 1 : 0);
    if (a.accepted) {
      (*verdict)->Bind(2, a.gseq);
      if (a.reason.empty()) {
        (*verdict)->BindNull(3);
      } else {
        (*verdict)->Bind(3, a.reason);  // the hub's warning
      }
    } else {
      (*verdict)->BindNull(2).Bind(3, a.reason);
    }
    CEN_RETURN_IF_ERROR((*verdict)->Bind(4, a.uuid).Bind(5, a.version).Run());
  }
  return tx->Commit();
}

common::Result<bool> Outbox::OfferAgain(const Ack& a) {
  if (a.accepted) return false;
  const std::string named = Named(a.reason);
  if (named.empty()) return false;
  // Once for what the refusal names (a hit whose alert and record were both
  // missing is refused for the one, then for the other): no loop.
  const OfferKey key{a.uuid, a.version, named};
  if (offered_again_.count(key) > 0) return false;
  auto held = PutBackIfHeld(a.uuid, a.version, named);
  if (!held.ok()) return held.status();
  if (*held) {
    offered_again_.insert(key);
  } else if (awaited_known_) {
    // A hit receipt then waits for it (OfferHitsAgain).
    auto& waiting = awaited_[named];
    if (std::find(waiting.begin(), waiting.end(), std::make_pair(a.uuid, a.version)) ==
        waiting.end())
      waiting.emplace_back(a.uuid, a.version);
  }
  return *held;
}

common::Result<bool> Outbox::PutBackIfHeld(const std::string& uuid, int64_t version,
                                           const std::string& named) {
  auto held = db_->Cached("SELECT 1 FROM records WHERE uuid = ? AND validation IS NULL");
  if (!held.ok()) return held.status();
  auto row = (*held)->Bind(1, named).Step();
  (*held)->Reset();
  if (!row.ok()) return row.status();
  if (!*row) return false;
  // At the end of the outbox (a new seq), so the sender reads it again.
  auto out = db_->Cached("DELETE FROM outbox WHERE uuid = ? AND version = ?");
  if (!out.ok()) return out.status();
  CEN_RETURN_IF_ERROR((*out)->Bind(1, uuid).Bind(2, version).Run());
  auto in = db_->Cached(
      "INSERT INTO outbox(uuid, version, lane) SELECT uuid, version, lane FROM own_records "
      "WHERE uuid = ? AND version = ?");
  if (!in.ok()) return in.status();
  CEN_RETURN_IF_ERROR((*in)->Bind(1, uuid).Bind(2, version).Run());
  return true;
}

common::Status Outbox::LoadAwaited() {
  // This node's hit receipts (the natural key's range kind 'receipt', ref
  // 'hit:...'), refused for what they name: read once, then kept up to date
  // by OfferAgain and OfferHitsAgain.
  auto refused = db_->Prepare(
      "SELECT o.uuid, o.version, a.reason FROM own_records o JOIN own_acks a "
      "ON a.uuid = o.uuid AND a.version = o.version WHERE o.kind = 'receipt' "
      "AND o.ref >= 'hit:' AND o.ref < 'hit;' AND NOT a.accepted "
      "AND (a.reason LIKE 'alert: no alert %' OR a.reason LIKE 'hit.record: no record %')");
  if (!refused.ok()) return refused.status();
  awaited_.clear();
  while (true) {
    auto row = refused->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string reason = refused->ColumnText(2);
    OfferKey key{refused->ColumnText(0), refused->ColumnInt(1), Named(reason)};
    if (offered_again_.count(key) == 0)
      awaited_[std::get<2>(key)].emplace_back(std::get<0>(key), std::get<1>(key));
  }
  awaited_known_ = true;
  return common::Status::Ok();
}

common::Result<bool> Outbox::Awaited(std::string_view uuid) {
  if (!awaited_known_) CEN_RETURN_IF_ERROR(LoadAwaited());
  return !awaited_.empty() && awaited_.find(uuid) != awaited_.end();
}

common::Result<int64_t> Outbox::OfferHitsAgain(const std::vector<std::string>& named) {
  if (!awaited_known_) CEN_RETURN_IF_ERROR(LoadAwaited());
  // Its own transaction, after the apply that brought what they name
  // committed: what is kept in memory changes only once this one has.
  std::vector<OfferKey> offered;
  {
    auto tx = db_->Begin();
    if (!tx.ok()) return tx.status();
    auto forget = db_->Cached("DELETE FROM own_acks WHERE uuid = ? AND version = ?");
    if (!forget.ok()) return forget.status();
    for (const std::string& name : named) {
      const auto waiting = awaited_.find(name);
      if (waiting == awaited_.end()) continue;
      for (const auto& [uuid, version] : waiting->second) {
        OfferKey key{uuid, version, name};
        if (offered_again_.count(key) > 0 ||
            std::find(offered.begin(), offered.end(), key) != offered.end())
          continue;
        auto held = PutBackIfHeld(uuid, version, name);
        if (!held.ok()) return held.status();
        if (!*held) continue;
        CEN_RETURN_IF_ERROR((*forget)->Bind(1, uuid).Bind(2, version).Run());
        offered.push_back(std::move(key));
      }
    }
    CEN_RETURN_IF_ERROR(tx->Commit());
  }
  for (OfferKey& key : offered) {
    auto waiting = awaited_.find(std::get<2>(key));
    if (waiting != awaited_.end()) {
      std::erase(waiting->second, std::make_pair(std::get<0>(key), std::get<1>(key)));
      if (waiting->second.empty()) awaited_.erase(waiting);
    }
    offered_again_.insert(std::move(key));
  }
  return static_cast<int64_t>(offered.size());
}

common::Result<int64_t> Outbox::RequeueAll() {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(db_->Exec(
      "INSERT OR IGNORE INTO outbox(uuid, version, lane) SELECT o.uuid, o.version, o.lane "
      "FROM own_records o WHERE NOT EXISTS (SELECT 1 FROM own_acks a WHERE a.uuid = o.uuid "
      "AND a.version = o.version AND NOT a.accepted) ORDER BY o.queued_at, o.uuid, o.version"));
  const int64_t n = db_->Changes();
  CEN_RETURN_IF_ERROR(db_->Exec("DELETE FROM own_acks WHERE accepted"));
  CEN_RETURN_IF_ERROR(tx->Commit());
  return n;
}

common::Result<int64_t> Outbox::RequeueAbove(int64_t head) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  auto ins = db_->Prepare(
      "INSERT OR IGNORE INTO outbox(uuid, version, lane) SELECT o.uuid, o.version, o.lane "
      "FROM own_acks a JOIN own_records o ON o.uuid = a.uuid AND o.version = a.version "
      "WHERE a.accepted AND a.gseq > ? ORDER BY a.gseq");
  auto del = db_->Prepare("DELETE FROM own_acks WHERE accepted AND gseq > ?");
  if (!ins.ok()) return ins.status();
  if (!del.ok()) return del.status();
  CEN_RETURN_IF_ERROR(ins->Bind(1, head).Run());
  const int64_t n = db_->Changes();
  CEN_RETURN_IF_ERROR(del->Bind(1, head).Run());
  CEN_RETURN_IF_ERROR(tx->Commit());
  return n;
}

common::Result<int64_t> Outbox::RequeueRefusedReceipts(const std::string& alert) {
  // By the natural key (kind, ref): ACTION:ALERT (AlertTracker::Receipt).
  return RequeueRefused(
      "FROM own_records o JOIN own_acks a ON a.uuid = o.uuid AND a.version = o.version "
      "WHERE o.kind = 'receipt' AND o.ref IN ('delivered:' || ?1, 'seen:' || ?1, "
      "'actioned:' || ?1, 'no-trace:' || ?1) AND NOT a.accepted AND a.reason LIKE ?2 || '%'",
      [&](common::Statement& st) { st.Bind(1, alert).Bind(2, kNoAlert); });
}

common::Result<int64_t> Outbox::RequeueRefused(
    const std::string& refused, const std::function<void(common::Statement&)>& bind) {
  auto ins = db_->Cached(
      "INSERT OR IGNORE INTO outbox(uuid, version, lane) SELECT o.uuid, o.version, o.lane " +
      refused + " ORDER BY o.rowid");
  if (!ins.ok()) return ins.status();
  bind(**ins);
  CEN_RETURN_IF_ERROR((*ins)->Run());
  const int64_t n = db_->Changes();
  if (n == 0) return n;
  auto del = db_->Cached(
      "DELETE FROM own_acks WHERE (uuid, version) IN (SELECT o.uuid, o.version " + refused + ")");
  if (!del.ok()) return del.status();
  bind(**del);
  CEN_RETURN_IF_ERROR((*del)->Run());
  return n;
}

common::Result<int64_t> Outbox::RequeueRefusedDecisions(std::string_view record, int64_t version) {
  // By the natural key (kind, ref): VERB:RECORD:VERSION (cen-node accept and
  // return), the newest of each; what the hub says when it holds no such
  // version waiting.
  return RequeueRefused(
      "FROM own_records o JOIN own_acks a ON a.uuid = o.uuid AND a.version = o.version "
      "WHERE o.kind = 'decision' AND o.ref IN ('accept:' || ?1 || ':' || ?2, "
      "'return:' || ?1 || ':' || ?2) AND NOT a.accepted AND (a.reason LIKE 'record: no record ' "
      "|| ?1 || ' waits%' OR a.reason LIKE 'record_version: ' || ?2 || ' is not the latest "
      "version of ' || ?1 || ' (%') AND o.rowid = (SELECT max(x.rowid) FROM own_records x WHERE "
      "x.kind = o.kind AND x.ref = o.ref)",
      [&](common::Statement& st) { st.Bind(1, record).Bind(2, version); });
}

common::Result<int64_t> Outbox::Size() {
  auto n = db_->QueryInt("SELECT count(*) FROM outbox");
  if (!n.ok()) return n.status();
  return n->value_or(0);
}

}  // namespace cen::node
