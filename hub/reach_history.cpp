#include "hub/reach_history.h"

#include <algorithm>
#include <msgpack.hpp>
#include <set>
#include <tuple>

#include "common/msgpack_map.h"

namespace cen::hub {
namespace {

// The versions of a record in force, in gseq order: its own seizure or alert
// rows that waited for no RILO, and the acceptances of an NCP's versions.
constexpr const char* kInForceSql =
    "SELECT j.gseq, j.version, j.scope, j.origin FROM journal j "
    "WHERE j.uuid = ?1 AND j.kind IN ('seizure', 'alert') "
    "AND NOT EXISTS (SELECT 1 FROM validations v WHERE v.gseq = j.gseq) "
    "UNION ALL "
    "SELECT j.gseq, v.version, j.scope, j.origin FROM validations v "
    "JOIN journal j ON j.gseq = v.decided_gseq WHERE v.uuid = ?1 AND v.state = 'accepted' "
    "ORDER BY 1";

}  // namespace

common::Status ReachHistory::Note(common::Database& db, std::string_view record, bool followed) {
  auto in_force = db.Cached(kInForceSql);
  if (!in_force.ok()) return in_force.status();
  common::Statement& read = **in_force;
  read.Bind(1, record);
  std::vector<Version> versions;
  while (true) {
    auto row = read.Step();
    if (!row.ok()) {
      read.Reset();
      return row.status();
    }
    if (!*row) break;
    versions.push_back({read.ColumnInt(0), std::string(record), read.ColumnInt(1),
                        read.ColumnText(2), read.ColumnText(3)});
  }
  read.Reset();
  if (versions.empty() || (versions.size() < 2 && !followed)) return common::Status::Ok();
  const bool differs = std::any_of(versions.begin(), versions.end(), [&](const Version& v) {
    return v.scope != versions.front().scope || v.origin != versions.front().origin;
  });
  if (!differs && !followed) {
    auto kept = db.Cached("SELECT 1 FROM reach_changes WHERE record = ? LIMIT 1");
    if (!kept.ok()) return kept.status();
    auto row = (*kept)->Bind(1, record).Step();
    (*kept)->Reset();
    if (!row.ok()) return row.status();
    if (!*row) return common::Status::Ok();
  }
  auto insert = db.Cached(
      "INSERT OR IGNORE INTO reach_changes(gseq, record, version, scope, origin) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  for (const Version& v : versions) {
    common::Statement& in = **insert;
    in.Bind(1, v.gseq).Bind(2, v.record).Bind(3, v.version);
    CEN_RETURN_IF_ERROR(in.Bind(4, v.scope).Bind(5, v.origin).Run());
  }
  return common::Status::Ok();
}

common::Result<int64_t> ReachHistory::IndexAll(common::Database& db) {
  // Only a record journaled more than once can have versions of differing
  // reach (an NCP's: a pending row and an acceptance per version).
  auto amended = db.Prepare(
      "SELECT uuid FROM journal WHERE kind IN ('seizure', 'alert') GROUP BY uuid "
      "HAVING count(*) > 1");
  if (!amended.ok()) return amended.status();
  std::vector<std::string> uuids;
  while (true) {
    auto row = amended->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    uuids.push_back(amended->ColumnText(0));
  }
  for (const std::string& uuid : uuids) CEN_RETURN_IF_ERROR(Note(db, uuid));
  // Every alert an update or cancel names (one decode of each alert).
  auto alerts = db.Prepare("SELECT body FROM journal WHERE kind = 'alert'");
  if (!alerts.ok()) return alerts.status();
  std::set<std::string> named;
  while (true) {
    auto row = alerts->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto body = common::MsgpackMap::Decode(alerts->ColumnBlob(0));
    if (!body.ok() || body->TextOr("msg_type", "alert") == "alert") continue;
    for (std::string_view target : body->Texts("references")) named.emplace(target);
  }
  for (const std::string& alert : named) CEN_RETURN_IF_ERROR(Note(db, alert, /*followed=*/true));
  auto records = db.QueryInt("SELECT count(DISTINCT record) FROM reach_changes");
  if (!records.ok()) return records.status();
  return records->value_or(0);
}

common::Status ReachHistory::Refresh(common::Database& db, bool check) {
  CEN_RETURN_IF_ERROR(ReadFrom(db));
  if (!check) return common::Status::Ok();
  // The rows held are the table's when they are as many, end at the same
  // id and name the same gseqs (by their sum): a snapshot installed may
  // hold as many rows under the same ids for other records.
  auto held = db.Prepare(
      "SELECT count(*), coalesce(max(id), 0), coalesce(sum(gseq), 0) FROM "
      "reach_changes");
  if (!held.ok()) return held.status();
  auto row = held->Step();
  // sum() fails on an overflow: then the rows are read again.
  if (row.ok() && *row && held->ColumnInt(0) == static_cast<int64_t>(records_by_gseq_.size()) &&
      held->ColumnInt(1) == last_id_ && held->ColumnInt(2) == gseq_sum_)
    return common::Status::Ok();
  held->Reset();
  last_id_ = 0;
  gseq_sum_ = 0;
  versions_.clear();
  records_by_gseq_.clear();
  changed_.clear();
  return ReadFrom(db);
}

void ReachHistory::ReadNamed(std::string_view kind, std::string_view body, Named* named) const {
  if (versions_.empty() || (kind != "alert" && kind != "decision")) return;
  auto decoded = common::MsgpackMap::Decode(body);
  if (!decoded.ok()) return;
  named->body.emplace(std::move(*decoded));
  const common::MsgpackMap* record = &*named->body;
  if (kind == "decision") {
    named->accepted = named->body->Map("accepted");
    if (!named->accepted) return;
    record = &*named->accepted;
  }
  if (record->TextOr("kind", "") != "alert" || record->TextOr("msg_type", "alert") == "alert")
    return;
  named->alerts = record->Texts("references");
  // An NCP's cancel waiting for its RILO is no cancel yet (it may be
  // returned); the RILO's acceptance is.
  named->cancel =
      record->TextOr("msg_type", "") == "cancel" && record->TextOr("validation", "") != "pending";
  named->uuid = record->TextOr("uuid", "");
  named->version = record->IntOr("version", 0);
}

common::Status ReachHistory::ReadFrom(common::Database& db) {
  auto read = db.Cached(
      "SELECT id, gseq, record, version, scope, origin FROM reach_changes "
      "WHERE id > ? ORDER BY id");
  if (!read.ok()) return read.status();
  common::Statement& st = **read;
  st.Bind(1, last_id_);
  while (true) {
    auto row = st.Step();
    if (!row.ok()) {
      st.Reset();
      return row.status();
    }
    if (!*row) break;
    last_id_ = st.ColumnInt(0);
    Version v{st.ColumnInt(1), st.ColumnText(2), st.ColumnInt(3), st.ColumnText(4),
              st.ColumnText(5)};
    if (!records_by_gseq_.emplace(v.gseq, v.record).second) continue;
    gseq_sum_ = static_cast<int64_t>(static_cast<uint64_t>(gseq_sum_) + v.gseq);
    const std::string record = v.record;
    std::vector<Version>& versions = versions_[record];
    if (std::any_of(versions.begin(), versions.end(),
                    [&](const Version& o) { return o.scope != v.scope || o.origin != v.origin; }))
      changed_.insert(record);
    auto at = std::upper_bound(versions.begin(), versions.end(), v,
                               [](const Version& a, const Version& b) {
                                 return std::tie(a.version, a.gseq) < std::tie(b.version, b.gseq);
                               });
    versions.insert(at, std::move(v));
  }
  st.Reset();
  return common::Status::Ok();
}

ReachHistory::Serve ReachHistory::ServeTo(int64_t gseq, std::string_view scope,
                                          std::string_view origin, const MaySee& may_see,
                                          std::span<const std::string_view> follows,
                                          bool cancel) const {
  // Only a record whose versions reach different offices is served by its
  // versions; one kept because updates name it, as its scope says.
  const auto kept = records_by_gseq_.find(gseq);
  const bool narrowed = kept != records_by_gseq_.end() && changed_.count(kept->second) != 0;
  if (!may_see(scope, origin)) {
    // A cancel the office may not see takes back the alerts it names that
    // the office may not see either (it may have held them before).
    if (cancel && !follows.empty()) return Serve::kAlertWithdrawals;
    // Whether it held an earlier version cannot be told from who it may see
    // now: an office moved out of a region, or taken out of a group, held
    // versions it may no longer see (a trial: such an office kept a record
    // narrowed after its move). So every office that may not see this
    // version of a narrowed record is told; one that never held it learns
    // its uuid only.
    return narrowed ? Serve::kWithdrawal : Serve::kNothing;
  }
  if (narrowed) {
    const std::vector<Version>& versions = versions_.at(kept->second);
    const auto row = std::find_if(versions.begin(), versions.end(),
                                  [&](const Version& v) { return v.gseq == gseq; });
    // A version superseded by one the office may not see is not for it,
    // even when a later one widens the record again (it may have been
    // narrowed for what this version says). By version, not gseq: an
    // urgent amendment can be journaled before the version it amends.
    for (const Version& v : versions) {
      if (v.version > row->version && !may_see(v.scope, v.origin)) return Serve::kNothing;
    }
  }
  bool hidden = false;  // an alert named the office may not see
  bool shown = false;   // one it may see
  for (std::string_view alert : follows) {
    const auto named = versions_.find(std::string(alert));
    if (named == versions_.end()) {
      shown = true;
      continue;
    }
    const Version& newest = named->second.back();
    (may_see(newest.scope, newest.origin) ? shown : hidden) = true;
  }
  if (!hidden) return Serve::kRow;
  // An update goes no further than its alerts. A cancel goes to an office
  // that may see one of them (applied, it cancels every one it names that
  // the office holds); to one that may see none, scoped wider than them
  // (global, the default), it takes them back: the office may have held
  // them before it left their scope.
  if (!cancel) return Serve::kWithdrawal;
  return shown ? Serve::kRow : Serve::kAlertWithdrawals;
}

std::string ReachHistory::Withdrawal(int64_t gseq, std::string_view uuid, int64_t version) const {
  std::string record(uuid);
  if (const auto kept = records_by_gseq_.find(gseq); kept != records_by_gseq_.end()) {
    const std::vector<Version>& versions = versions_.at(kept->second);
    const auto v = std::find_if(versions.begin(), versions.end(),
                                [&](const Version& o) { return o.gseq == gseq; });
    record = v->record;
    version = v->version;
  }
  return WithdrawalBody(record, version, gseq);
}

std::optional<std::string> ReachHistory::AlertWithdrawal(int64_t gseq,
                                                         std::span<const std::string_view> follows,
                                                         const MaySee& may_see) const {
  std::vector<std::pair<std::string_view, int64_t>> due;
  for (std::string_view alert : follows) {
    const auto named = versions_.find(std::string(alert));
    if (named == versions_.end()) continue;
    const Version& newest = named->second.back();
    if (may_see(newest.scope, newest.origin)) continue;
    // An alert only ever sent to offices named one by one never reached an
    // office it does not name: nothing to take back, no uuid to tell.
    const bool listed = std::all_of(named->second.begin(), named->second.end(),
                                    [](const Version& v) { return v.scope.starts_with("nodes:"); });
    if (!listed) due.emplace_back(alert, newest.version);
  }
  if (due.empty()) return std::nullopt;
  return WithdrawalBody(due.front().first, due.front().second, gseq, std::span(due).subspan(1));
}

std::string ReachHistory::WithdrawalBody(
    std::string_view record, int64_t version, int64_t gseq,
    std::span<const std::pair<std::string_view, int64_t>> also) {
  // Nothing more than the replica needs: it also goes to offices that
  // never held the record.
  msgpack::sbuffer out;
  msgpack::packer<msgpack::sbuffer> pk(out);
  pk.pack_map(also.empty() ? 4 : 5);
  if (!also.empty()) {
    pk.pack(std::string_view("also"));
    pk.pack_array(static_cast<uint32_t>(also.size()));
    for (const auto& [uuid, v] : also) {
      pk.pack_map(2);
      pk.pack(std::string_view("uuid"));
      pk.pack(uuid);
      pk.pack(std::string_view("version"));
      pk.pack(v);
    }
  }
  pk.pack(std::string_view("kind"));
  pk.pack(std::string_view("withdrawal"));
  pk.pack(std::string_view("uuid"));
  pk.pack(record);
  pk.pack(std::string_view("version"));
  pk.pack(version);
  pk.pack(std::string_view("gseq"));
  pk.pack(gseq);
  return std::string(out.data(), out.size());
}

}  // namespace cen::hub
