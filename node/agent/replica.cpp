#include "node/agent/replica.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <tuple>

#include "common/clock.h"
#include "node/store/node_schema.h"

namespace cen::node {

namespace {

void BindOptional(common::Statement& s, int index, std::optional<std::string_view> v) {
  if (v) {
    s.Bind(index, *v);
  } else {
    s.BindNull(index);
  }
}

std::string Join(const std::vector<std::string_view>& parts, char separator) {
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

// The date analysts filter on: a seizure's seizure_date, or the calendar date
// an alert was issued (the date part of issued_at, as the issuer wrote it;
// without one, of received_at: the hub's, within seconds of its sending. A
// trial: alerts without issued_at, which the offices' tools do not add, fell
// out of every date filter).
std::optional<std::string_view> EventDate(const common::MsgpackMap& rec, std::string_view kind) {
  auto date = rec.Text(kind == "seizure" ? "seizure_date" : "issued_at");
  if (kind != "seizure" && !date) date = rec.Text("received_at");
  if (date && date->size() >= 10) return date->substr(0, 10);
  return std::nullopt;
}

// The columns of `records` that make a record's record_countries rows, in
// this order, for SELECT lists.
constexpr const char* kCountryColumns =
    "r.reporting_country, r.departure, r.transit, r.destination, IFNULL(r.commodity, ''), "
    "IFNULL(r.event_date, '')";

// Commits `tx`. Nothing cuts into a commit: an urgent alert arriving
// meanwhile waits for it, so one of `at_least` or longer is logged (debug)
// as "<what>: <count> <unit>, commit took N us".
common::Status CommitTraced(common::Transaction& tx, std::string_view what, size_t count,
                            std::string_view unit, std::chrono::microseconds at_least) {
  const auto committing = std::chrono::steady_clock::now();
  CEN_RETURN_IF_ERROR(tx.Commit());
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - committing);
  if (took >= at_least)
    spdlog::debug("{}: {} {}, commit took {} us", what, count, unit, took.count());
  return common::Status::Ok();
}
constexpr std::chrono::microseconds kSlowCommit{5000};

// Rows a country batch writes with one statement. Written one statement a
// row, SQLite's per-statement work (open the cursor, halt, bind) was about a
// third of the batch's instructions (callgrind).
constexpr size_t kGroupRows = 32;

// `item` n times, joined with ", ".
std::string Repeated(std::string_view item, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += item;
  }
  return out;
}

// Takes the next rows of `runs`, at most kGroupRows, into `out`, leaving out
// those of records replaced since the batch was read.
template <typename Row, typename Order>
void TakeGroup(SortedRuns<Row, Order>& runs, const std::unordered_set<int64_t>& retired,
               std::vector<Row>* out) {
  out->clear();
  while (out->size() < kGroupRows && !runs.empty()) {
    const Row& row = runs.Take();
    if (!retired.contains(row.record_id)) out->push_back(row);
  }
}

// Writes `rows` with `group` (kGroupRows rows of `columns` parameters each)
// when they are a whole group, else one by one with `one`; bind(stmt, first,
// row) binds a row's parameters from `first` on.
template <typename Row, typename Bind>
common::Status WriteRows(common::Statement& group, common::Statement& one, int columns,
                         std::span<const Row> rows, Bind&& bind) {
  if (rows.size() == kGroupRows) {
    int first = 1;
    for (const Row& row : rows) {
      bind(group, first, row);
      first += columns;
    }
    return group.Run();
  }
  for (const Row& row : rows) {
    bind(one, 1, row);
    CEN_RETURN_IF_ERROR(one.Run());
  }
  return common::Status::Ok();
}

// Sets meta's `key` to `value`.
common::Status SetMeta(common::Database& db, const char* key, const std::string& value) {
  auto stmt = db.Prepare(
      "INSERT INTO meta(key, value) VALUES (?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, key).Bind(2, value).Run();
}

}  // namespace

// The statements Apply runs for each record, prepared once per batch.
struct Replica::Statements {
  common::Statement find;
  common::Statement insert_record;
  common::Statement insert_document;
  common::Statement retire;
  common::Statement delete_record;
  common::Statement delete_document;
  common::Statement insert_history;
  common::Statement insert_pending;
  common::Statement delete_pending;
  common::Statement delete_country;
  common::Statement cursor;
  common::Statement upsert_receipt;
  common::Statement upsert_link;
  common::Statement insert_country;
  common::Statement insert_date;
  common::Statement delete_date;
  common::Statement insert_decision;
  common::Statement mark_returned;
  common::Statement find_return;
  // kGroupRows rows in one statement (WriteRows).
  common::Statement insert_countries;
  common::Statement insert_dates;
  common::Statement delete_pendings;
  common::Statement insert_pendings;

  // Every statement ready to bind again (a failed step may have left one
  // part-way).
  void ResetAll() {
    for (common::Statement* s : {&find,
                                 &insert_record,
                                 &insert_document,
                                 &retire,
                                 &delete_record,
                                 &delete_document,
                                 &insert_history,
                                 &insert_pending,
                                 &delete_pending,
                                 &delete_country,
                                 &cursor,
                                 &upsert_receipt,
                                 &upsert_link,
                                 &insert_country,
                                 &insert_date,
                                 &delete_date,
                                 &insert_decision,
                                 &mark_returned,
                                 &find_return,
                                 &insert_countries,
                                 &insert_dates,
                                 &delete_pendings,
                                 &insert_pendings})
      s->Reset();
  }

  static common::Result<Statements> Prepare(common::Database& db) {
    const std::string sql[] = {
        std::string("SELECT r.gseq, r.version, ") + kCountryColumns +
            ", r.validation FROM records r WHERE r.uuid = ?",
        "INSERT INTO records(gseq, uuid, version, kind, origin, ref, scope, handling, "
        "received_at, event_date, commodity, reporting_country, departure, destination, transit, "
        "hs_code, transport_mode, quantity, unit, priority, validation) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "INSERT INTO documents(gseq, doc) VALUES (?, ?)",
        "INSERT OR IGNORE INTO version_history(gseq, uuid, version, origin, received_at, doc) "
        "SELECT r.gseq, r.uuid, r.version, r.origin, r.received_at, d.doc "
        "FROM records r JOIN documents d ON d.gseq = r.gseq WHERE r.gseq = ?",
        "DELETE FROM records WHERE gseq = ?",
        "DELETE FROM documents WHERE gseq = ?",
        "INSERT OR IGNORE INTO version_history(gseq, uuid, version, origin, received_at, doc) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "INSERT INTO countries_pending(gseq) VALUES (?)",
        "DELETE FROM countries_pending WHERE gseq = ?",
        "DELETE FROM record_countries "
        "WHERE country = ? AND commodity = ? AND event_date = ? AND role = ? AND record_id = ?",
        "UPDATE cursor SET gseq=? WHERE id=1",
        "INSERT INTO receipts(uuid, version, gseq, alert, office, action, at, by, note, "
        "hit_record, hit_indicator, hit_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(uuid) DO UPDATE SET version=excluded.version, gseq=excluded.gseq, "
        "action=excluded.action, at=excluded.at, by=excluded.by, note=excluded.note, "
        "hit_record=excluded.hit_record, hit_indicator=excluded.hit_indicator, "
        "hit_value=excluded.hit_value WHERE excluded.version > receipts.version",
        "INSERT INTO alert_links(uuid, target, msg_type, gseq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(uuid, target) DO UPDATE SET msg_type=excluded.msg_type, gseq=excluded.gseq "
        "WHERE excluded.gseq > alert_links.gseq",
        // Records replaced since their batch was read are skipped by the
        // batch itself (CountryBatch::retired), not by a probe per row.
        "INSERT OR IGNORE INTO record_countries(country, commodity, event_date, role, record_id) "
        "VALUES (?, ?, ?, ?, ?)",
        "INSERT OR IGNORE INTO record_dates(commodity, event_date, record_id) VALUES (?, ?, ?)",
        "DELETE FROM record_dates WHERE commodity = ? AND event_date = ? AND record_id = ?",
        "INSERT OR IGNORE INTO decisions(gseq, uuid, version, record, record_version, decision, "
        "reason, rilo, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "UPDATE records SET validation = 'returned' WHERE uuid = ? AND version = ? "
        "AND validation = 'pending'",
        "SELECT 1 FROM decisions WHERE record = ? AND record_version = ? AND decision = 'return' "
        "LIMIT 1",
        "INSERT OR IGNORE INTO record_countries(country, commodity, event_date, role, record_id) "
        "VALUES " +
            Repeated("(?, ?, ?, ?, ?)", kGroupRows),
        "INSERT OR IGNORE INTO record_dates(commodity, event_date, record_id) VALUES " +
            Repeated("(?, ?, ?)", kGroupRows),
        "DELETE FROM countries_pending WHERE gseq IN (" + Repeated("?", kGroupRows) + ")",
        // OR IGNORE is not for duplicates (there are none): a statement that
        // writes several rows and may abort part-way opens a statement
        // savepoint, and FTS5 answers every savepoint by writing the terms it
        // holds for the transaction as a new segment (fts5SavepointMethod).
        // While the apply wrote the full text (schema 7), a plain multi-row
        // INSERT here cost it 45 % more instructions (callgrind); kept so
        // that a full-text table written here again would not pay it.
        "INSERT OR IGNORE INTO countries_pending(gseq) VALUES " + Repeated("(?)", kGroupRows),
    };
    std::vector<common::Statement> p;
    for (const std::string& text : sql) {
      auto stmt = db.Prepare(text);
      if (!stmt.ok()) return stmt.status();
      p.push_back(std::move(*stmt));
    }
    return Statements{std::move(p[0]),  std::move(p[1]),  std::move(p[2]),  std::move(p[3]),
                      std::move(p[4]),  std::move(p[5]),  std::move(p[6]),  std::move(p[7]),
                      std::move(p[8]),  std::move(p[9]),  std::move(p[10]), std::move(p[11]),
                      std::move(p[12]), std::move(p[13]), std::move(p[14]), std::move(p[15]),
                      std::move(p[16]), std::move(p[17]), std::move(p[18]), std::move(p[19]),
                      std::move(p[20]), std::move(p[21]), std::move(p[22])};
  }
};

common::Result<Replica::Statements*> Replica::Prepared() {
  if (statements_) {
    statements_->ResetAll();
    return statements_.get();
  }
  auto st = Statements::Prepare(*db_);
  if (!st.ok()) return st.status();
  statements_ = std::make_shared<Statements>(std::move(*st));
  return statements_.get();
}

common::Status Replica::Load() {
  auto stmt = db_->Prepare("SELECT epoch, gseq FROM cursor WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::Corruption(db_->path() + ": no replica cursor");
  epoch_ = stmt->ColumnText(0);
  cursor_ = stmt->ColumnInt(1);
  stmt->Reset();
  auto pending = CountriesPending();
  if (!pending.ok()) return pending.status();
  countries_pending_hint_ = *pending;
  // A node.db from before these tables (its agent makes them too).
  CEN_RETURN_IF_ERROR(db_->Exec(NodeSchema::kAlertsHeldSql));
  return db_->Exec(NodeSchema::kWithdrawalsSql);
}

common::Status Replica::Apply(const std::vector<common::MsgpackMap>& records, int64_t new_cursor) {
  auto used = ApplyUntil(records, new_cursor, std::chrono::steady_clock::time_point::max());
  return used.ok() ? common::Status::Ok() : used.status();
}

common::Result<size_t> Replica::ApplyUntil(const std::vector<common::MsgpackMap>& records,
                                           int64_t new_cursor,
                                           std::chrono::steady_clock::time_point deadline,
                                           const std::function<bool()>& interrupt,
                                           const std::function<bool()>& roll_back) {
  // How often `interrupt` is asked: a few records' apply time (~0.1 ms each)
  // is all an urgent alert waits for; asking costs about a microsecond.
  constexpr size_t kInterruptEvery = 8;
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  auto st = Prepared();
  if (!st.ok()) return st.status();

  int64_t last = cursor_;
  size_t used = 0;
  bool cut = false;
  in_order_ = true;
  const int64_t pending_before = countries_pending_hint_;
  retired_in_slice_.clear();
  unlisted_.clear();
  for (const common::MsgpackMap& rec : records) {
    ++used;
    const int64_t gseq = rec.IntOr("gseq", 0);
    if (gseq <= cursor_) continue;
    bool applied = false;
    CEN_RETURN_IF_ERROR(ApplyOne(**st, rec, gseq, &applied));
    last = std::max(last, gseq);
    if (used >= records.size()) break;
    // The interrupt first: past the deadline too, an urgent record should
    // not wait for this slice's commit.
    if (interrupt && used % kInterruptEvery == 0 && interrupt()) {
      if (roll_back && roll_back()) {
        // `tx` rolls back; what this slice noted in memory goes with it.
        countries_pending_hint_ = pending_before;
        if (country_batch_) {
          for (const int64_t g : retired_in_slice_) country_batch_->retired.erase(g);
        }
        return size_t{0};
      }
      cut = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      cut = true;
      break;
    }
  }
  const int64_t target = cut ? last : std::max(last, new_cursor);
  CEN_RETURN_IF_ERROR(ListPending(**st));
  CEN_RETURN_IF_ERROR((*st)->cursor.Bind(1, target).Run());
  if (cursor_observer_) CEN_RETURN_IF_ERROR(cursor_observer_(target));
  CEN_RETURN_IF_ERROR(CommitTraced(*tx, "apply slice", used, "records", kSlowCommit));
  cursor_ = target;
  return used;
}

common::Result<size_t> Replica::ApplyEarly(const std::vector<common::MsgpackMap>& records) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  auto st = Prepared();
  if (!st.ok()) return st.status();
  size_t applied_now = 0;
  unlisted_.clear();
  in_order_ = false;
  for (const common::MsgpackMap& rec : records) {
    const int64_t gseq = rec.IntOr("gseq", 0);
    if (gseq <= cursor_) continue;
    bool applied = false;
    CEN_RETURN_IF_ERROR(ApplyOne(**st, rec, gseq, &applied));
    if (applied) ++applied_now;
  }
  CEN_RETURN_IF_ERROR(ListPending(**st));
  if (cursor_observer_) CEN_RETURN_IF_ERROR(cursor_observer_(cursor_));
  CEN_RETURN_IF_ERROR(CommitTraced(*tx, "early apply", applied_now, "records", {}));
  return applied_now;
}

common::Result<int64_t> Replica::RestoreVersionsInForce() {
  // For each version waiting with none in force beside it: the newest
  // version before it that was in force (accepted, or from an office whose
  // records need no decision), if the history has one.
  auto found = db_->Prepare(
      "SELECT h.gseq, h.doc FROM records w JOIN version_history h ON h.uuid = w.uuid "
      "WHERE w.validation IS NOT NULL "
      "AND NOT EXISTS (SELECT 1 FROM records f WHERE f.uuid = w.uuid AND f.validation IS NULL) "
      "AND h.version = (SELECT max(m.version) FROM version_history m WHERE m.uuid = w.uuid "
      "AND m.version < w.version "
      "AND coalesce(json_extract(m.doc, '$.validation'), 'accepted') = 'accepted')");
  if (!found.ok()) return found.status();
  std::vector<std::pair<int64_t, std::string>> versions;
  while (true) {
    auto row = found->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    versions.emplace_back(found->ColumnInt(0), found->ColumnText(1));
  }
  found->Reset();
  if (versions.empty()) return 0;
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  auto st = Prepared();
  if (!st.ok()) return st.status();
  auto out_of_history = db_->Prepare("DELETE FROM version_history WHERE gseq = ?");
  if (!out_of_history.ok()) return out_of_history.status();
  unlisted_.clear();
  int64_t restored = 0;
  for (const auto& [gseq, doc] : versions) {
    auto rec = common::MsgpackMap::FromJson(nlohmann::json::parse(doc, nullptr, false));
    if (!rec.ok()) {
      // The agent starts all the same: this one version stays in the history.
      spdlog::warn("{}: version_history row {} cannot be read back ({}); left in the history",
                   db_->path(), gseq, rec.status().message());
      continue;
    }
    CEN_RETURN_IF_ERROR(Insert(**st, *rec, rec->TextOr("uuid", ""), rec->IntOr("version", 0), gseq,
                               rec->TextOr("origin", ""), rec->TextOr("received_at", ""), doc));
    CEN_RETURN_IF_ERROR(out_of_history->Bind(1, gseq).Run());
    ++restored;
  }
  CEN_RETURN_IF_ERROR(ListPending(**st));
  // Their words may be gone from text.db (rebuilt since schema 9 hid them),
  // and text.db's reach is past their gseqs: a new generation indexes it
  // all again (the TextIndexer, behind the apply; --text reads documents
  // meanwhile).
  CEN_RETURN_IF_ERROR(db_->Exec("UPDATE cursor SET generation = generation + 1 WHERE id = 1"));
  CEN_RETURN_IF_ERROR(tx->Commit());
  return restored;
}

common::Status Replica::ListPending(Statements& st) {
  const std::span<const int64_t> all(unlisted_);
  for (size_t i = 0; i < all.size(); i += kGroupRows) {
    CEN_RETURN_IF_ERROR(WriteRows<int64_t>(
        st.insert_pendings, st.insert_pending, 1,
        all.subspan(i, std::min(kGroupRows, all.size() - i)),
        [](common::Statement& stmt, int at, const int64_t& gseq) { stmt.Bind(at, gseq); }));
  }
  unlisted_.clear();
  return common::Status::Ok();
}

common::Status Replica::ApplyOne(Statements& st, const common::MsgpackMap& rec, int64_t gseq,
                                 bool* applied) {
  *applied = false;
  const std::string_view kind = rec.TextOr("kind", "");
  if (kind == "decision") return ApplyDecision(st, rec, gseq, applied);
  if (kind == "withdrawal") return ApplyWithdrawal(st, rec, applied);
  return ApplyVersion(st, rec, gseq, applied);
}

common::Status Replica::FindHeld(Statements& st, std::string_view uuid,
                                 std::optional<Held>* in_force, std::optional<Held>* waiting) {
  st.find.Bind(1, uuid);
  while (true) {
    auto found = st.find.Step();
    if (!found.ok()) {
      st.find.Reset();
      return found.status();
    }
    if (!*found) break;
    const std::string validation = st.find.ColumnText(8);
    Held& held = (validation.empty() ? *in_force : *waiting).emplace();
    held.gseq = st.find.ColumnInt(0);
    held.version = st.find.ColumnInt(1);
    held.validation = validation;
    held.date = AddCountryRows(st.find, 2, held.gseq, &held.strings, &held.countries);
  }
  st.find.Reset();
  return common::Status::Ok();
}

common::Status Replica::ApplyWithdrawal(Statements& st, const common::MsgpackMap& rec,
                                        bool* applied) {
  // A cancel's withdrawal of several alerts names the others in "also" (one
  // record per gseq: PROTOCOL.md §6.10).
  for (const common::MsgpackMap& other : rec.Maps("also")) {
    CEN_RETURN_IF_ERROR(WithdrawOne(st, std::string(other.TextOr("uuid", "")),
                                    other.IntOr("version", 0), rec.IntOr("gseq", 0), applied));
  }
  return WithdrawOne(st, std::string(rec.TextOr("uuid", "")), rec.IntOr("version", 0),
                     rec.IntOr("gseq", 0), applied);
}

common::Status Replica::WithdrawOne(Statements& st, const std::string& uuid, int64_t version,
                                    int64_t gseq, bool* applied) {
  bool gone = false;
  auto removed = Withdraw(st, uuid, version, gseq, &gone);
  if (!removed.ok()) return removed.status();
  if (*removed == 0) return common::Status::Ok();
  *applied = true;
  if (gone) {
    spdlog::info(
        "replica: record {} withdrawn by the hub (its version {} is not for this office: its "
        "scope, or its alert's, was narrowed, or the alert was cancelled while this office was "
        "outside its scope); no version of it is held any more",
        uuid, version);
  } else {
    spdlog::info(
        "replica: record {}: versions up to {} withdrawn from its history (a later version this "
        "node may see is held)",
        uuid, version);
  }
  return withdrawal_observer_ ? withdrawal_observer_(uuid) : common::Status::Ok();
}

common::Result<int64_t> Replica::Withdraw(Statements& st, const std::string& uuid, int64_t version,
                                          int64_t gseq, bool* gone_out) {
  std::optional<Held> in_force;
  std::optional<Held> waiting;
  CEN_RETURN_IF_ERROR(FindHeld(st, uuid, &in_force, &waiting));
  int64_t removed = 0;
  // The newest version taken out: what `show` names for the updates of an
  // alert withdrawn (taken out whatever their version).
  int64_t newest_removed = 0;
  // A newer version this node may see that came first (the priority lane)
  // stays; the older ones in its history go all the same.
  if (in_force && in_force->version <= version) {
    CEN_RETURN_IF_ERROR(Retire(st, *in_force, /*keep_in_history=*/false));
    ++removed;
    newest_removed = in_force->version;
  }
  if (waiting && waiting->version <= version) {
    CEN_RETURN_IF_ERROR(Retire(st, *waiting, /*keep_in_history=*/false));
    ++removed;
    newest_removed = std::max(newest_removed, waiting->version);
  }
  const bool held = in_force || waiting;
  const bool gone = !(in_force && in_force->version > version);
  *gone_out = gone;
  // `cen-query show` says why it is not here any more.
  if (gone && removed > 0) {
    auto note = db_->Cached(
        "INSERT OR REPLACE INTO withdrawals(uuid, version, gseq, at) VALUES (?, ?, ?, ?)");
    if (!note.ok()) return note.status();
    const bool every_version = version == std::numeric_limits<int64_t>::max();
    (*note)->Bind(1, uuid).Bind(2, every_version ? newest_removed : version);
    (*note)->Bind(3, gseq).Bind(4, common::Clock::NowRfc3339());
    CEN_RETURN_IF_ERROR((*note)->Run());
  }
  // The updates and cancels of an alert withdrawn go with it (their text is
  // about it, and a cancel without its alert is nothing).
  std::vector<std::string> linked;
  if (gone) {
    auto links = db_->Cached("SELECT DISTINCT uuid FROM alert_links WHERE target = ?1");
    if (!links.ok()) return links.status();
    (*links)->Bind(1, uuid);
    while (true) {
      auto row = (*links)->Step();
      if (!row.ok()) {
        (*links)->Reset();
        return row.status();
      }
      if (!*row) break;
      linked.push_back((*links)->ColumnText(0));
    }
    (*links)->Reset();
  }
  for (const char* sql : {"DELETE FROM version_history WHERE uuid = ?1 AND version <= ?2",
                          "DELETE FROM alert_links WHERE uuid = ?1 OR target = ?1",
                          "DELETE FROM hits WHERE record = ?1 OR source = ?1",
                          "DELETE FROM hit_scans WHERE alert = ?1",
                          // Hook events hold the alert or the record as JSON
                          // text (a trial: a hook retried after the withdrawal
                          // delivered the withdrawn alert).
                          "DELETE FROM hook_events WHERE instr(payload, ?1) > 0",
                          // A hook and receipt owed once caught up (AlertTracker).
                          "DELETE FROM alerts_held WHERE uuid = ?1 AND version <= ?2"}) {
    const std::string_view text(sql);
    const bool per_version = text.find("?2") != std::string_view::npos;
    // What names the record, only when no version of it stays; hits and
    // hook events (scans of their tables) only when it was held here.
    if (!gone && !per_version) continue;
    if (!held && !per_version && text.find("alert_links") == std::string_view::npos) continue;
    auto stmt = db_->Cached(sql);
    if (!stmt.ok()) return stmt.status();
    (*stmt)->Bind(1, uuid);
    if (per_version) (*stmt)->Bind(2, version);
    CEN_RETURN_IF_ERROR((*stmt)->Run());
    removed += db_->Changes();
  }
  for (const std::string& update : linked) {
    bool update_gone = false;
    auto more = Withdraw(st, update, std::numeric_limits<int64_t>::max(), gseq, &update_gone);
    if (!more.ok()) return more.status();
    removed += *more;
  }
  return removed;
}

common::Status Replica::ApplyDecision(Statements& st, const common::MsgpackMap& rec, int64_t gseq,
                                      bool* applied) {
  const std::string_view record = rec.TextOr("record", "");
  const int64_t version = rec.IntOr("record_version", 0);
  const std::string_view decision = rec.TextOr("decision", "");
  common::Statement& in = st.insert_decision;
  in.Bind(1, gseq).Bind(2, rec.TextOr("uuid", "")).Bind(3, rec.IntOr("version", 0));
  in.Bind(4, record).Bind(5, version).Bind(6, decision);
  BindOptional(in, 7, rec.Text("reason"));
  in.Bind(8, rec.TextOr("origin", "")).Bind(9, rec.TextOr("received_at", ""));
  CEN_RETURN_IF_ERROR(in.Run());
  if (decision == "return") {
    // The NCP (and its RILO) see why; the record stays out of queries. Run
    // each time (idempotent): when the return came first (the priority
    // lane), Insert() marks the record from `decisions` as it arrives.
    return st.mark_returned.Bind(1, record).Bind(2, version).Run();
  }
  if (db_->Changes() != 1) return common::Status::Ok();  // applied before
  // An acceptance carries the record as its scope holds it, under this gseq.
  const std::optional<common::MsgpackMap> accepted = rec.Map("accepted");
  if (decision != "accept" || !accepted) return common::Status::Ok();
  return ApplyVersion(st, *accepted, gseq, applied);
}

common::Status Replica::ApplyVersion(Statements& st, const common::MsgpackMap& rec, int64_t gseq,
                                     bool* applied) {
  const std::string_view uuid = rec.TextOr("uuid", "");
  const int64_t version = rec.IntOr("version", 0);
  // The text nlohmann's dump of the record's tree would write, invalid UTF-8
  // replaced (a record can never make the replica's apply throw), written
  // from the msgpack without building the tree. Only for a version that is
  // stored: one held already (an urgent alert the priority lane applied,
  // met again in the bulk feed: 8 % of the records cen_pipeline_bench
  // applies) costs a probe, not a document.
  std::string doc;
  auto document = [&]() -> const std::string& {
    if (doc.empty()) doc = rec.ToJsonText();
    return doc;
  };
  const std::string_view origin = rec.TextOr("origin", "");
  const std::string_view received_at = rec.TextOr("received_at", "");
  const std::string_view kind = rec.TextOr("kind", "");
  auto keep_in_history = [&]() -> common::Status {
    st.insert_history.Bind(1, gseq).BindView(2, uuid).Bind(3, version).BindView(4, origin);
    CEN_RETURN_IF_ERROR(st.insert_history.BindView(5, received_at).BindView(6, document()).Run());
    *applied = db_->Changes() == 1;
    return common::Status::Ok();
  };
  if (kind == "receipt") {
    CEN_RETURN_IF_ERROR(keep_in_history());
    return *applied ? KeepReceipt(st, rec, uuid, version, gseq, origin) : common::Status::Ok();
  }

  // A record has up to two rows: the version in force (validation NULL)
  // and, at an NCP and its RILO, a version waiting beside it for the RILO's
  // decision (pending or returned): until accepted, an amendment leaves the
  // accepted version where analysts find it.
  std::optional<Held> in_force;
  std::optional<Held> waiting;
  CEN_RETURN_IF_ERROR(FindHeld(st, uuid, &in_force, &waiting));
  // Already held (the feed and a fetch overlap, or the priority lane applied
  // it early): nothing more to do. An older version arriving after a newer
  // one (the priority lane) is kept in the history only: nothing reacts to it.
  auto held_already = [&](const std::optional<Held>& held) {
    return held && held->version >= version;
  };
  auto as_held = [&](const Held& held) {
    return held.version == version ? common::Status::Ok() : keep_in_history();
  };
  if (held_already(in_force)) return as_held(*in_force);
  if (rec.TextOr("validation", "") == "pending") {
    // A pending copy of a version accepted already changes nothing (above);
    // a newer amendment takes the place of the one waiting.
    if (held_already(waiting)) return as_held(*waiting);
    if (waiting) CEN_RETURN_IF_ERROR(Retire(st, *waiting, /*keep_in_history=*/true));
  } else {
    // The version waiting, accepted now, takes the place of the version in
    // force (and is not kept twice in the history); one older than this
    // version was superseded by it. One newer keeps waiting.
    if (waiting && waiting->version <= version)
      CEN_RETURN_IF_ERROR(Retire(st, *waiting, /*keep_in_history=*/waiting->version < version));
    if (in_force) CEN_RETURN_IF_ERROR(Retire(st, *in_force, /*keep_in_history=*/true));
    // Accepted after a newer amendment overtook it (the priority lane): its
    // pending copy went to the history then; the accepted one takes its place.
    if (waiting && waiting->version > version) {
      auto dropped = db_->Cached("DELETE FROM version_history WHERE uuid = ? AND version = ?");
      if (!dropped.ok()) return dropped.status();
      CEN_RETURN_IF_ERROR((*dropped)->Bind(1, uuid).Bind(2, version).Run());
    }
  }
  *applied = true;
  // An alert without issued_at keeps the day of the version held before it
  // (a review: dated by received_at, an amendment moved it to its own day).
  std::optional<std::string_view> held_date;
  if (const std::optional<Held>& before = in_force ? in_force : waiting;
      kind != "seizure" && !rec.Text("issued_at") && before &&
      !before->date.event_date->text.empty())
    held_date = before->date.event_date->text;
  CEN_RETURN_IF_ERROR(
      Insert(st, rec, uuid, version, gseq, origin, received_at, document(), held_date));
  // A record waiting for its RILO has not reached its scope: nothing reacts
  // to it yet (alert links, hooks, receipts, hits); its acceptance will.
  if (rec.TextOr("validation", "") == "pending")
    return pending_observer_ ? pending_observer_(uuid, version) : common::Status::Ok();
  if (kind == "alert") CEN_RETURN_IF_ERROR(LinkAlert(st, rec, uuid, gseq));
  return observer_ ? observer_(rec, in_order_) : common::Status::Ok();
}

common::Status Replica::Retire(Statements& st, const Held& held, bool keep_in_history) {
  if (keep_in_history) CEN_RETURN_IF_ERROR(st.retire.Bind(1, held.gseq).Run());
  for (const CountryRow& r : held.countries) {
    st.delete_country.BindView(1, r.country->text).BindView(2, r.commodity->text);
    st.delete_country.BindView(3, r.event_date->text).BindView(4, RoleName(r.role));
    CEN_RETURN_IF_ERROR(st.delete_country.Bind(5, r.record_id).Run());
  }
  st.delete_date.BindView(1, held.date.commodity->text).BindView(2, held.date.event_date->text);
  CEN_RETURN_IF_ERROR(st.delete_date.Bind(3, held.date.record_id).Run());
  // Its terms in text.db stay under its old gseq, which no record has any
  // more: no query matches them (node/store/text_db.h).
  // Not yet listed (applied in this transaction): it never will be.
  if (auto it = std::find(unlisted_.begin(), unlisted_.end(), held.gseq); it != unlisted_.end()) {
    unlisted_.erase(it);
  } else {
    CEN_RETURN_IF_ERROR(st.delete_pending.Bind(1, held.gseq).Run());
  }
  // The batch under way writes nothing more for it. Should this transaction
  // roll back, its countries_pending row stays and the next batch has it.
  if (country_batch_ && country_batch_->retired.insert(held.gseq).second)
    retired_in_slice_.push_back(held.gseq);
  CEN_RETURN_IF_ERROR(st.delete_document.Bind(1, held.gseq).Run());
  return st.delete_record.Bind(1, held.gseq).Run();
}

common::Status Replica::KeepReceipt(Statements& st, const common::MsgpackMap& rec,
                                    std::string_view uuid, int64_t version, int64_t gseq,
                                    std::string_view origin) {
  common::Statement& up = st.upsert_receipt;
  up.Bind(1, uuid).Bind(2, version).Bind(3, gseq);
  up.Bind(4, rec.TextOr("alert", "")).Bind(5, origin);
  up.Bind(6, rec.TextOr("action", "")).Bind(7, rec.TextOr("at", ""));
  BindOptional(up, 8, rec.Text("by"));
  BindOptional(up, 9, rec.Text("note"));
  const auto hit = rec.Map("hit");
  BindOptional(up, 10, hit ? hit->Text("record") : std::nullopt);
  BindOptional(up, 11, hit ? hit->Text("indicator") : std::nullopt);
  BindOptional(up, 12, hit ? hit->Text("value") : std::nullopt);
  return up.Run();
}

common::Status Replica::LinkAlert(Statements& st, const common::MsgpackMap& rec,
                                  std::string_view uuid, int64_t gseq) {
  const std::string_view msg_type = rec.TextOr("msg_type", "alert");
  if (msg_type != "update" && msg_type != "cancel") return common::Status::Ok();
  for (std::string_view target : rec.Texts("references")) {
    st.upsert_link.Bind(1, uuid).Bind(2, target).Bind(3, msg_type);
    CEN_RETURN_IF_ERROR(st.upsert_link.Bind(4, gseq).Run());
  }
  return common::Status::Ok();
}

common::Status Replica::Insert(Statements& st, const common::MsgpackMap& rec, std::string_view uuid,
                               int64_t version, int64_t gseq, std::string_view origin,
                               std::string_view received_at, const std::string& doc,
                               std::optional<std::string_view> held_date) {
  const std::string_view kind = rec.TextOr("kind", "");
  // Transit countries in route order: the strings of the "transit" array.
  const std::vector<std::string_view> transit = rec.Texts("transit");
  // The texts are views into `rec` and `doc`, bound without a copy: both
  // outlive each statement's Run(). Only the joined transit is copied.
  common::Statement& in = st.insert_record;
  in.Bind(1, gseq).BindView(2, uuid).Bind(3, version).BindView(4, kind).BindView(5, origin);
  in.BindView(6, rec.TextOr("ref", "")).BindView(7, rec.TextOr("scope", "global"));
  in.BindView(8, rec.TextOr("handling", "H0")).BindView(9, received_at);
  in.BindViewOrNull(10, held_date ? held_date : EventDate(rec, kind));
  in.BindViewOrNull(11, rec.Text("commodity"));
  in.BindViewOrNull(12, rec.Text("reporting_country"));
  in.BindViewOrNull(13, rec.Text("departure"));
  in.BindViewOrNull(14, rec.Text("destination"));
  BindOptional(in, 15, transit.empty() ? std::nullopt : std::optional(Join(transit, ';')));
  in.BindViewOrNull(16, rec.Text("hs_code"));
  if (auto m = rec.Int("transport_mode")) {
    in.Bind(17, *m);
  } else {
    in.BindNull(17);
  }
  if (auto q = rec.Number("quantity")) {
    in.Bind(18, *q);
  } else {
    in.BindNull(18);
  }
  in.BindViewOrNull(19, rec.Text("unit"));
  in.BindViewOrNull(20, rec.Text("priority"));
  // Out of queries until its RILO accepts it (an accepted record says so);
  // returned already when its return was applied first.
  std::optional<std::string_view> validation;
  if (rec.TextOr("validation", "") == "pending") {
    auto returned = st.find_return.Bind(1, uuid).Bind(2, version).Step();
    const bool was_returned = returned.ok() && *returned;
    st.find_return.Reset();
    if (!returned.ok()) {
      in.Reset();  // lets go of the views bound above
      return returned.status();
    }
    validation = was_returned ? "returned" : "pending";
  }
  in.BindViewOrNull(21, validation);
  CEN_RETURN_IF_ERROR(in.Run());
  CEN_RETURN_IF_ERROR(st.insert_document.Bind(1, gseq).BindView(2, doc).Run());

  // Its record_countries and record_dates rows come with the next batch
  // (IndexCountries); its countries_pending row is written with others.
  unlisted_.push_back(gseq);
  if (unlisted_.size() == kGroupRows) CEN_RETURN_IF_ERROR(ListPending(st));
  ++countries_pending_hint_;
  // Its full text is indexed behind the apply, in text.db (TextIndexer).
  return common::Status::Ok();
}

common::Status Replica::Reset(const std::string& epoch) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(
      // `withdrawals` stays: what this office held and lost is no record of
      // the journal (a trial's analyst read "no record" after a restore).
      db_->Exec("DELETE FROM records; DELETE FROM documents; DELETE FROM version_history; "
                "DELETE FROM countries_pending; DELETE "
                "FROM record_countries; DELETE FROM record_dates; "
                "DELETE FROM receipts; DELETE FROM alert_links; DELETE FROM hit_scans; "
                "DELETE FROM decisions;"));
  // A new generation: text.db's terms belong to the records just deleted,
  // whose gseqs the hub will give to others (TextIndexer empties it).
  auto stmt = db_->Prepare("UPDATE cursor SET epoch=?, gseq=0, generation=generation+1 WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(stmt->Bind(1, epoch).Run());
  CEN_RETURN_IF_ERROR(tx->Commit());
  epoch_ = epoch;
  cursor_ = 0;
  country_batch_.reset();
  countries_pending_hint_ = 0;
  return common::Status::Ok();
}

common::Result<std::optional<std::string>> Replica::KnownRegion() {
  return db_->QueryText("SELECT value FROM meta WHERE key = 'hub_region'");
}

common::Status Replica::SetKnownRegion(const std::string& region) {
  return SetMeta(*db_, "hub_region", region);
}

common::Result<std::optional<std::string>> Replica::KnownGroups() {
  return db_->QueryText("SELECT value FROM meta WHERE key = 'hub_groups'");
}

common::Status Replica::SetKnownGroups(const std::string& groups) {
  return SetMeta(*db_, "hub_groups", groups);
}

common::Status Replica::Rewind(const std::string& region,
                               const std::optional<std::string>& groups) {
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(db_->Exec("UPDATE cursor SET gseq = 0 WHERE id = 1"));
  CEN_RETURN_IF_ERROR(SetKnownRegion(region));
  if (groups) CEN_RETURN_IF_ERROR(SetKnownGroups(*groups));
  CEN_RETURN_IF_ERROR(tx->Commit());
  cursor_ = 0;
  country_batch_.reset();
  return common::Status::Ok();
}

std::string_view Replica::RoleName(Role role) {
  switch (role) {
    case Role::kDeparture:
      return "departure";
    case Role::kDestination:
      return "destination";
    case Role::kReporting:
      return "reporting";
    case Role::kTransit:
      return "transit";
  }
  return "";
}

Replica::DateRow Replica::AddCountryRows(common::Statement& stmt, int first, int64_t gseq,
                                         StringPool* strings, std::vector<CountryRow>* out) {
  const StringPool::Text* commodity = strings->Intern(stmt.ColumnView(first + 4));
  const StringPool::Text* date = strings->Intern(stmt.ColumnView(first + 5));
  auto add = [&](Role role, std::string_view country) {
    out->push_back({strings->Intern(country), commodity, date, role, gseq});
  };
  if (!stmt.ColumnIsNull(first)) add(Role::kReporting, stmt.ColumnView(first));
  if (!stmt.ColumnIsNull(first + 1)) add(Role::kDeparture, stmt.ColumnView(first + 1));
  if (!stmt.ColumnIsNull(first + 2)) {
    // transit holds the route's transit countries joined with ';'.
    const std::string_view transit = stmt.ColumnView(first + 2);
    size_t start = 0;
    while (start <= transit.size()) {
      const size_t end = std::min(transit.find(';', start), transit.size());
      add(Role::kTransit, transit.substr(start, end - start));
      start = end + 1;
    }
  }
  if (!stmt.ColumnIsNull(first + 3)) add(Role::kDestination, stmt.ColumnView(first + 3));
  return {commodity, date, gseq};
}

common::Status Replica::ReadCountryBatch(std::chrono::steady_clock::time_point deadline,
                                         const std::function<bool()>& interrupt) {
  // Up to country_batch_records_ pending records (3.2 rows each), read in
  // gseq order, make a batch; one applied meanwhile below the last gseq read waits for
  // the next. Read and sorted in one go they held the agent's loop, urgent
  // alerts included, for 100-500 ms under load; a chunk takes a few ms, and
  // each is sorted as it comes (SortedRuns merges them as they are written).
  constexpr int64_t kChunkRecords = 1024;
  CountryBatch& b = *country_batch_;
  const auto started = std::chrono::steady_clock::now();
  auto stmt = db_->Prepare(std::string("SELECT p.gseq, ") + kCountryColumns +
                           " FROM countries_pending p JOIN records r ON r.gseq = p.gseq "
                           "WHERE p.gseq > ? ORDER BY p.gseq LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  while (!b.read) {
    // (Never below 0, a LIMIT SQLite reads as "no limit": the size may have
    // been lowered since the batch began.)
    const int64_t want = std::clamp<int64_t>(
        country_batch_records_ - static_cast<int64_t>(b.gseqs.size()), 0, kChunkRecords);
    // Read on after the last gseq read (gseqs are read in ascending order).
    stmt->Bind(1, b.gseqs.empty() ? int64_t{0} : b.gseqs.back()).Bind(2, want);
    std::vector<CountryRow> rows;
    std::vector<DateRow> dates;
    int64_t got = 0;
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const int64_t gseq = stmt->ColumnInt(0);
      dates.push_back(AddCountryRows(*stmt, 1, gseq, &b.strings, &rows));
      b.gseqs.push_back(gseq);
      ++got;
    }
    stmt->Reset();
    b.rows.Add(std::move(rows));
    b.dates.Add(std::move(dates));
    ++b.chunks;
    b.read = got < want || static_cast<int64_t>(b.gseqs.size()) >= country_batch_records_;
    if (!b.read && (std::chrono::steady_clock::now() >= deadline || (interrupt && interrupt())))
      break;
  }
  b.reading += std::chrono::steady_clock::now() - started;
  if (b.read) {
    spdlog::debug("country batch: {} records read in {} chunks, {} ms", b.gseqs.size(), b.chunks,
                  std::chrono::duration_cast<std::chrono::milliseconds>(b.reading).count());
  }
  return common::Status::Ok();
}

common::Result<bool> Replica::IndexCountries(std::chrono::steady_clock::time_point deadline,
                                             const std::function<bool()>& interrupt,
                                             const std::function<bool()>& roll_back) {
  countries_preempted_ = false;
  auto more = IndexCountrySlice(deadline, interrupt, roll_back);
  // A slice rolled back: the batch is read again from countries_pending next
  // time (rows already written are ignored), so none is skipped.
  if (!more.ok()) country_batch_.reset();
  return more;
}

common::Result<bool> Replica::IndexCountrySlice(std::chrono::steady_clock::time_point deadline,
                                                const std::function<bool()>& interrupt,
                                                const std::function<bool()>& roll_back) {
  // Read (outside the write lock: only this connection writes the replica)
  // before the slice's transaction, whose time then goes to writing. A batch
  // read only in part is read on next time: this call has done its share.
  if (!country_batch_) country_batch_ = CountryBatch{};
  if (!country_batch_->read) {
    CEN_RETURN_IF_ERROR(ReadCountryBatch(deadline, interrupt));
    // Read in part, or read and something more urgent waits: the writing
    // starts next time.
    if (!country_batch_->read || (interrupt && interrupt())) return true;
  }
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();
  CountryBatch& b = *country_batch_;
  auto st = Prepared();
  if (!st.ok()) return st.status();
  size_t work = 0;  // rows written (or deleted) in this slice
  size_t next_check = 64;
  bool interrupted = false;
  // Asked before each group: the clock and `interrupt` every 64 rows.
  auto more_time = [&] {
    if (work < next_check) return true;
    next_check = work + 64;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    interrupted = interrupt && interrupt();
    return !interrupted;
  };
  const auto first_row = b.rows.mark();
  const auto first_date = b.dates.mark();
  const size_t first_gseq = b.next_gseq;
  std::vector<CountryRow> countries;
  std::vector<DateRow> dates;
  std::vector<int64_t> gseqs;
  while (!b.rows.empty() && more_time()) {
    TakeGroup(b.rows, b.retired, &countries);
    // Interned texts stay put until the batch ends: bound without a copy.
    CEN_RETURN_IF_ERROR(WriteRows<CountryRow>(
        (*st)->insert_countries, (*st)->insert_country, 5, countries,
        [](common::Statement& stmt, int i, const CountryRow& r) {
          stmt.BindView(i, r.country->text).BindView(i + 1, r.commodity->text);
          stmt.BindView(i + 2, r.event_date->text).BindView(i + 3, RoleName(r.role));
          stmt.Bind(i + 4, r.record_id);
        }));
    work += countries.size();
  }
  while (b.rows.empty() && !b.dates.empty() && more_time()) {
    TakeGroup(b.dates, b.retired, &dates);
    CEN_RETURN_IF_ERROR(WriteRows<DateRow>((*st)->insert_dates, (*st)->insert_date, 3, dates,
                                           [](common::Statement& stmt, int i, const DateRow& r) {
                                             stmt.BindView(i, r.commodity->text)
                                                 .BindView(i + 1, r.event_date->text)
                                                 .Bind(i + 2, r.record_id);
                                           }));
    work += dates.size();
  }
  while (b.rows.empty() && b.dates.empty() && b.next_gseq < b.gseqs.size() && more_time()) {
    gseqs.clear();
    while (gseqs.size() < kGroupRows && b.next_gseq < b.gseqs.size()) {
      const int64_t gseq = b.gseqs[b.next_gseq++];
      if (!b.retired.contains(gseq)) gseqs.push_back(gseq);
    }
    CEN_RETURN_IF_ERROR(WriteRows<int64_t>(
        (*st)->delete_pendings, (*st)->delete_pending, 1, gseqs,
        [](common::Statement& stmt, int i, const int64_t& gseq) { stmt.Bind(i, gseq); }));
    work += gseqs.size();
  }
  if (interrupted && roll_back && roll_back()) {
    // `tx` rolls back: the batch goes on from where this slice began.
    b.rows.Rewind(first_row);
    b.dates.Rewind(first_date);
    b.next_gseq = first_gseq;
    countries_preempted_ = true;
    return true;
  }
  CEN_RETURN_IF_ERROR(CommitTraced(*tx, "country slice", work, "rows", kSlowCommit));
  if (!b.rows.empty() || !b.dates.empty() || b.next_gseq < b.gseqs.size()) return true;
  country_batch_.reset();
  auto left = CountriesPending();
  if (!left.ok()) return left.status();
  countries_pending_hint_ = *left;
  return *left > 0;
}

common::Result<int64_t> Replica::CountriesPending() {
  auto n = db_->QueryInt("SELECT count(*) FROM countries_pending");
  if (!n.ok()) return n.status();
  return n->value_or(0);
}

common::Status Replica::SetEpoch(const std::string& epoch) {
  auto stmt = db_->Prepare("UPDATE cursor SET epoch=? WHERE id=1");
  if (!stmt.ok()) return stmt.status();
  CEN_RETURN_IF_ERROR(stmt->Bind(1, epoch).Run());
  epoch_ = epoch;
  return common::Status::Ok();
}

common::Result<int64_t> Replica::Count() {
  auto n = db_->QueryInt(
      "SELECT (SELECT count(*) FROM records) - (SELECT count(*) FROM records w "
      "WHERE w.validation IS NOT NULL AND EXISTS (SELECT 1 FROM records f "
      "WHERE f.uuid = w.uuid AND f.validation IS NULL))");
  if (!n.ok()) return n.status();
  return n->value_or(0);
}

}  // namespace cen::node
