#include "node/agent/alert_tracker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "common/clock.h"
#include "common/record_validator.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "node/agent/hook_runner.h"
#include "node/query/alert_book.h"

namespace cen::node {

using nlohmann::json;

namespace {

// Alerts in force change with time too (expires_at): re-read them this often.
constexpr auto kRefreshEvery = std::chrono::seconds(30);
// Records per history-scan transaction.
constexpr int64_t kScanRecordsPerSlice = 500;
// An alert with more literal needles than this is matched against every
// seizure of a slice, without asking SQL to look for the needles first.
constexpr size_t kMaxPrefilterNeedles = 64;

// What a hook and a hit receipt say about the record that matched.
json Summary(const json& rec) {
  json out = json::object();
  for (const char* key : {"uuid", "version", "kind", "ref", "origin", "gseq", "seizure_date",
                          "reporting_country", "commodity", "departure", "destination"}) {
    if (const auto it = rec.find(key); it != rec.end()) out[key] = *it;
  }
  return out;
}

}  // namespace

AlertTracker::AlertTracker(common::Database* db, std::string node_id, Outbox* outbox, Hooks hooks)
    : db_(db), node_id_(std::move(node_id)), outbox_(outbox), hooks_(hooks) {}

json AlertTracker::Receipt(const std::string& alert, const std::string& alert_origin,
                           const std::string& action, const json& extra) {
  json r = {{"kind", "receipt"},
            {"alert", alert},
            {"action", action},
            {"at", common::Clock::NowRfc3339()},
            {"scope", "nodes:" + alert_origin}};
  // One delivery and one action of each kind per office and alert (a later
  // one amends it); every hit is its own receipt.
  r["ref"] = action == "hit" ? "hit:" + common::Uuid7::Generate() : action + ":" + alert;
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) r[key] = value;
  }
  return r;
}

common::Status AlertTracker::OnApplied(const common::MsgpackMap& record, bool in_order) {
  // A hit receipt a restored hub refused because it did not hold this record
  // or alert yet goes again once this transaction commits (OfferHitsAgain).
  auto awaited = outbox_->Awaited(record.TextOr("uuid", ""));
  if (!awaited.ok()) return awaited.status();
  if (*awaited) hits_due_.emplace_back(record.TextOr("uuid", ""));
  // Most records are seizures no indicator or watch matches: their tree is
  // never built.
  std::optional<json> tree;
  if (record.TextOr("kind", "") == "alert") {
    noted_alert_ = true;
    tree = record.ToJson();
    CEN_RETURN_IF_ERROR(OnAlert(*tree, in_order));
  }
  return OnRecord(record, &tree);
}

common::Result<int64_t> AlertTracker::OfferHitsAgain() {
  if (hits_ready_.empty()) return 0;
  auto again = outbox_->OfferHitsAgain(hits_ready_);
  if (!again.ok()) return again.status();  // kept: tried again at the next call
  hits_ready_.clear();
  if (*again > 0) {
    spdlog::info(
        "alerts: {} hit receipt(s) the hub refused before it held their alert or "
        "seized record offered again",
        *again);
  }
  return again;
}

common::Status AlertTracker::Queue(json receipt) {
  CEN_RETURN_IF_ERROR(outbox_->JoinTransaction());
  auto queued = outbox_->Queue(std::move(receipt), "receipt");
  outbox_->LeaveTransaction();
  if (!queued.ok()) return queued.status();
  queued_ = true;
  return common::Status::Ok();
}

common::Status AlertTracker::OnAlert(const json& alert, bool in_order) {
  const std::string uuid = common::WireFrame::StringOr(alert, "uuid", "");
  const std::string origin = common::WireFrame::StringOr(alert, "origin", "");
  const std::string msg_type = common::WireFrame::StringOr(alert, "msg_type", "");
  const int64_t version = common::WireFrame::IntOr(alert, "version", 0);
  CEN_RETURN_IF_ERROR(Track(alert));

  // An original alert that changes came for before it (the priority lane)
  // is in force with their indicators: scan for those too.
  auto linked = db_->Cached("SELECT 1 FROM alert_links WHERE target = ? LIMIT 1");
  if (!linked.ok()) return linked.status();
  auto link = (*linked)->Bind(1, uuid).Step();
  (*linked)->Reset();
  if (!link.ok()) return link.status();
  const bool has_links = *link;
  // Its indicators against the history (again after a rebuild: hits are
  // unique). The alert, or the update that brought them, is matched by
  // ScanHistory over every record held now.
  if (msg_type != "cancel" && (has_links || !IndicatorMatcher(alert).empty())) {
    auto last = db_->QueryInt("SELECT max(gseq) FROM records");
    if (!last.ok()) return last.status();
    auto scan = db_->Prepare(
        "INSERT INTO hit_scans(alert, next_id, last_id) VALUES (?, 0, ?) "
        "ON CONFLICT(alert) DO UPDATE SET next_id = 0, last_id = excluded.last_id");
    if (!scan.ok()) return scan.status();
    CEN_RETURN_IF_ERROR(scan->Bind(1, uuid).Bind(2, last->value_or(0)).Run());
    scans_pending_ = true;
  }

  // Once per (uuid, version), even when a rebuilt replica applies it again.
  auto seen = db_->Cached("SELECT count(*) FROM alerts_noticed WHERE uuid = ?");
  if (!seen.ok()) return seen.status();
  auto row = (*seen)->Bind(1, uuid).Step();
  const bool first_version = row.ok() && *row && (*seen)->ColumnInt(0) == 0;
  (*seen)->Reset();
  if (!row.ok()) return row.status();
  auto notice = db_->Cached("INSERT OR IGNORE INTO alerts_noticed(uuid, version) VALUES (?, ?)");
  if (!notice.ok()) return notice.status();
  CEN_RETURN_IF_ERROR((*notice)->Bind(1, uuid).Bind(2, version).Run());
  const bool noticed_before = db_->Changes() == 0;
  if (origin == node_id_) return common::Status::Ok();
  if (noticed_before) {
    // A rebuilt replica (a hub restored from backup) applies it again: the
    // receipts the hub refused while it did not hold the alert go again.
    if (msg_type == "alert") {
      auto again = outbox_->RequeueRefusedReceipts(uuid);
      if (!again.ok()) return again.status();
      if (*again > 0) queued_ = true;
    }
    return common::Status::Ok();
  }

  // Updates and cancels are delivered as part of their alert's story: the
  // receipt is for the alert itself. An urgent update (an alert escalated
  // to urgent among them) gets its own: the hub waits for it from every
  // office as for an urgent alert (cen-hub status).
  const bool escalation =
      msg_type == "update" && common::WireFrame::StringOr(alert, "priority", "") == "urgent";
  bool deliver = first_version && msg_type == "alert";
  if (escalation) {
    // Its first urgent version (an update made urgent by an amendment too):
    // once, as the hub waits for one (AlertDelivery).
    auto sent = db_->Cached("SELECT 1 FROM own_records WHERE kind = 'receipt' AND ref = ? LIMIT 1");
    if (!sent.ok()) return sent.status();
    auto receipted = (*sent)->Bind(1, "delivered:" + uuid).Step();
    (*sent)->Reset();
    if (!receipted.ok()) return receipted.status();
    deliver = !*receipted;
  }
  if (!deliver && !hooks_.on_alert) return common::Status::Ok();
  // Decided when the transaction ends (OnCursor), or later while more of
  // the journal is still to come: applied in order short of the hub's head,
  // or ahead of the cursor while the priority lane fetches what this node
  // missed. A cancel may be in it, later in the same transaction too, and an
  // office catching up on the history is not told old news.
  const int64_t gseq = common::WireFrame::IntOr(alert, "gseq", 0);
  // Keyed by (uuid, version): gseqs start again under a new epoch.
  auto hold = db_->Cached(
      "INSERT OR REPLACE INTO alerts_held(uuid, version, gseq, release_at, early, deliver, "
      "payload) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!hold.ok()) return hold.status();
  const int64_t release_at = std::max(hub_head_, gseq);
  CEN_RETURN_IF_ERROR((*hold)
                          ->Bind(1, uuid)
                          .Bind(2, version)
                          .Bind(3, gseq)
                          .Bind(4, release_at)
                          .Bind(5, in_order ? 0 : 1)
                          .Bind(6, deliver ? 1 : 0)
                          // An apply never throws: invalid UTF-8 (which the hub refuses) replaced.
                          .Bind(7, alert.dump(-1, ' ', false, json::error_handler_t::replace))
                          .Run());
  if (held_known_) {
    ++held_count_;
    if (in_order) {
      min_release_ = std::min(min_release_, release_at);
    } else {
      ++early_held_;
    }
  }
  return common::Status::Ok();
}

common::Result<bool> AlertTracker::OldNews(const json& alert) {
  const std::string uuid = common::WireFrame::StringOr(alert, "uuid", "");
  if (common::WireFrame::StringOr(alert, "msg_type", "") == "alert") {
    // Expired, or cancelled by a cancel applied before it.
    const auto expires = common::RecordValidator::TimestampMillis(
        common::WireFrame::StringOr(alert, "expires_at", ""));
    if (expires && *expires <= common::Clock::NowMillis()) return true;
    auto cancelled =
        db_->Cached("SELECT 1 FROM alert_links WHERE target = ? AND msg_type = 'cancel' LIMIT 1");
    if (!cancelled.ok()) return cancelled.status();
    auto c = (*cancelled)->Bind(1, uuid).Step();
    (*cancelled)->Reset();
    if (!c.ok()) return c.status();
    return *c;
  }
  // An update or another cancel of an alert cancelled already: the hub
  // refuses them now (Journal::CancelOf), but journals written before did
  // not; the alert is no longer in force and nobody is paged for it. Nor for
  // a change of an alert this node learned of only once it had ended.
  auto cancelled = db_->Cached(
      "SELECT 1 FROM alert_links WHERE target = ?1 AND msg_type = 'cancel' AND uuid != ?2 "
      "UNION ALL SELECT 1 FROM alerts_unannounced WHERE uuid = ?1 LIMIT 1");
  if (!cancelled.ok()) return cancelled.status();
  const auto references = alert.find("references");
  if (references == alert.end() || !references->is_array()) return false;
  for (const json& target : *references) {
    if (!target.is_string()) continue;
    auto c = (*cancelled)->Bind(1, target.get<std::string>()).Bind(2, uuid).Step();
    (*cancelled)->Reset();
    if (!c.ok()) return c.status();
    if (*c) return true;
  }
  return false;
}

common::Status AlertTracker::Announce(const json& alert, bool deliver) {
  auto old = OldNews(alert);
  if (!old.ok()) return old.status();
  const std::string uuid = common::WireFrame::StringOr(alert, "uuid", "");
  const bool original = common::WireFrame::StringOr(alert, "msg_type", "") == "alert";
  if (*old) {
    if (original) {
      auto unannounced = db_->Cached("INSERT OR IGNORE INTO alerts_unannounced(uuid) VALUES (?)");
      if (!unannounced.ok()) return unannounced.status();
      CEN_RETURN_IF_ERROR((*unannounced)->Bind(1, uuid).Run());
    }
    spdlog::info("alerts: {} {} ({}): {} had ended when this node applied it: no receipt, no hook",
                 common::WireFrame::StringOr(alert, "msg_type", ""), uuid,
                 common::WireFrame::StringOr(alert, "ref", ""), original ? "it" : "its alert");
    return common::Status::Ok();
  }
  if (deliver) {
    CEN_RETURN_IF_ERROR(
        Queue(Receipt(uuid, common::WireFrame::StringOr(alert, "origin", ""), "delivered")));
  }
  if (hooks_.on_alert) CEN_RETURN_IF_ERROR(HookRunner::Enqueue(*db_, HookRunner::kAlert, alert));
  return common::Status::Ok();
}

common::Status AlertTracker::OnCursor(int64_t cursor) {
  if (!held_known_) CEN_RETURN_IF_ERROR(CountHeld());
  if (held_count_ == 0) return common::Status::Ok();
  // Due once the replica reaches the head known when it was applied, or the
  // hub's head now (a hub restored from an older copy has a shorter journal);
  // what the priority lane applied early, once its fetch is over.
  const bool caught_up = hub_head_ > 0 && cursor >= hub_head_;
  const bool early_due = !priority_catch_up_ && early_held_ > 0;
  if (!caught_up && !early_due && cursor < min_release_) return common::Status::Ok();
  // A bounded part per transaction: an urgent alert waits for its commit.
  constexpr int kDecidedPerTransaction = 256;
  auto due = db_->Cached(
      "SELECT uuid, version, deliver, payload FROM alerts_held "
      "WHERE release_at <= ?1 OR ?2 OR (early AND ?3) ORDER BY gseq LIMIT ?4");
  if (!due.ok()) return due.status();
  (*due)->Bind(1, cursor).Bind(2, caught_up ? 1 : 0).Bind(3, early_due ? 1 : 0);
  (*due)->Bind(4, kDecidedPerTransaction);
  struct Due {
    std::string uuid;
    int64_t version;
    bool deliver;
    json alert;
  };
  std::vector<Due> rows;
  while (true) {
    auto row = (*due)->Step();
    if (!row.ok()) {
      (*due)->Reset();
      return row.status();
    }
    if (!*row) break;
    rows.push_back({(*due)->ColumnText(0), (*due)->ColumnInt(1), (*due)->ColumnInt(2) != 0,
                    json::parse((*due)->ColumnText(3), nullptr, /*allow_exceptions=*/false)});
  }
  (*due)->Reset();
  auto done = db_->Cached("DELETE FROM alerts_held WHERE uuid = ? AND version = ?");
  if (!done.ok()) return done.status();
  auto target_waits = db_->Cached(
      "SELECT 1 FROM alerts_held WHERE uuid = ?1 "
      "UNION ALL SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM records WHERE uuid = ?1) LIMIT 1");
  if (!target_waits.ok()) return target_waits.status();
  // In gseq order: an alert is decided before its updates and cancels.
  for (const Due& d : rows) {
    if (!d.alert.is_object()) {
      CEN_RETURN_IF_ERROR((*done)->Bind(1, d.uuid).Bind(2, d.version).Run());
      continue;
    }
    // An update or cancel the priority lane brought ahead of its alert (or
    // of the alert's own decision) waits for it: the alert may be old news,
    // and so then is the change. Not once caught up: the alert is not coming.
    bool waits = false;
    const auto references = d.alert.find("references");
    if (!caught_up && common::WireFrame::StringOr(d.alert, "msg_type", "alert") != "alert" &&
        references != d.alert.end() && references->is_array()) {
      for (const json& target : *references) {
        if (!target.is_string() || waits) continue;
        auto w = (*target_waits)->Bind(1, target.get<std::string>()).Step();
        (*target_waits)->Reset();
        if (!w.ok()) return w.status();
        waits = *w;
      }
    }
    if (waits) continue;
    CEN_RETURN_IF_ERROR(Announce(d.alert, d.deliver));
    CEN_RETURN_IF_ERROR((*done)->Bind(1, d.uuid).Bind(2, d.version).Run());
  }
  return CountHeld();
}

common::Status AlertTracker::CountHeld() {
  auto stmt = db_->Cached(
      "SELECT count(*), coalesce(sum(early), 0), min(CASE WHEN early THEN NULL ELSE release_at "
      "END) FROM alerts_held");
  if (!stmt.ok()) return stmt.status();
  auto row = (*stmt)->Step();
  if (!row.ok()) {
    (*stmt)->Reset();
    return row.status();
  }
  held_count_ = (*stmt)->ColumnInt(0);
  early_held_ = (*stmt)->ColumnInt(1);
  min_release_ =
      (*stmt)->ColumnIsNull(2) ? std::numeric_limits<int64_t>::max() : (*stmt)->ColumnInt(2);
  (*stmt)->Reset();
  held_known_ = true;
  return common::Status::Ok();
}

common::Status AlertTracker::Track(const json& alert) {
  const std::string uuid = common::WireFrame::StringOr(alert, "uuid", "");
  if (common::WireFrame::StringOr(alert, "msg_type", "") != "alert") {
    stale_ = true;  // updates and cancels are rare: the whole list is read again
    return common::Status::Ok();
  }
  // An update or cancel applied before this alert (the priority lane) must
  // count: read everything again.
  auto linked = db_->Cached("SELECT 1 FROM alert_links WHERE target = ? LIMIT 1");
  if (!linked.ok()) return linked.status();
  auto row = (*linked)->Bind(1, uuid).Step();
  (*linked)->Reset();
  if (!row.ok()) return row.status();
  if (*row) {
    stale_ = true;
    return common::Status::Ok();
  }
  indicators_.erase(uuid);
  by_key_stale_ = true;
  const auto expires = common::RecordValidator::TimestampMillis(
      common::WireFrame::StringOr(alert, "expires_at", ""));
  if (expires && *expires <= common::Clock::NowMillis()) return common::Status::Ok();
  IndicatorMatcher matcher(alert);
  if (!matcher.empty()) {
    indicators_.emplace(uuid, Indicators{uuid, common::WireFrame::StringOr(alert, "origin", ""),
                                         std::move(matcher)});
  }
  return common::Status::Ok();
}

common::Status AlertTracker::Refresh() {
  const auto now = std::chrono::steady_clock::now();
  // A watch added by cen-query (another process) counts from its commit on:
  // data_version changes whenever another connection commits, so the watch
  // names are read again only then.
  // Runs for every record applied; data_version is read once per
  // transaction: within one IMMEDIATE transaction no other connection
  // commits (a PRAGMA per record: thread CPU of a seizure's tracking
  // 0.82 -> 0.69 us, probe included, in a 120,000-record pipeline).
  // Database::DataVersion prepares once; on an error it differs, and
  // reading the watches reports that error.
  const uint64_t tx = db_->WriteTransaction();
  if (!stale_ && tx != 0 && tx == version_read_in_ && now - refreshed_at_ < kRefreshEvery) {
    return common::Status::Ok();
  }
  const int64_t data_version = db_->DataVersion();
  if (!stale_ && data_version == data_version_ && now - refreshed_at_ < kRefreshEvery) {
    version_read_in_ = tx;
    return common::Status::Ok();
  }
  data_version_ = data_version;
  auto names = db_->Prepare("SELECT group_concat(name || created_at, '|') FROM watches");
  if (!names.ok()) return names.status();
  auto row = names->Step();
  if (!row.ok()) return row.status();
  const std::string watches_now = *row ? names->ColumnText(0) : "";
  names->Reset();
  if (!stale_ && now - refreshed_at_ < kRefreshEvery && watches_now == watches_seen_) {
    version_read_in_ = tx;
    return common::Status::Ok();
  }

  // Inside the caller's transaction: what it read stands only if that commits.
  noted_alert_ = true;
  auto book = AlertBook::Load(*db_, common::Clock::NowMillis());
  if (!book.ok()) return book.status();
  ++reloads_;
  indicators_.clear();
  by_key_stale_ = true;
  for (const AlertBook::Alert& a : book->alerts()) {
    if (a.state != AlertBook::State::kActive) continue;
    IndicatorMatcher matcher(a.current);
    if (!matcher.empty())
      indicators_.emplace(a.uuid, Indicators{a.uuid, a.origin, std::move(matcher)});
  }

  watches_.clear();
  auto stmt = db_->Prepare("SELECT name, filter FROM watches ORDER BY name");
  if (!stmt.ok()) return stmt.status();
  while (true) {
    auto w = stmt->Step();
    if (!w.ok()) return w.status();
    if (!*w) break;
    auto filter = QueryFilter::FromJson(json::parse(stmt->ColumnText(1), nullptr, false));
    common::Status checked = filter.ok() ? filter->Check() : filter.status();
    if (!checked.ok()) {
      spdlog::warn("watch {} is left out: {}", stmt->ColumnText(0), checked.message());
      continue;
    }
    SqlCondition condition = filter->ConditionForOneRecord();
    auto match =
        // The version in force: an amendment waiting for its RILO beside it
        // is no hit until accepted.
        db_->Prepare("SELECT 1 FROM records r WHERE r.uuid = ? AND r.validation IS NULL AND (" +
                     condition.sql + ")");
    if (!match.ok()) {
      spdlog::warn("watch {} is left out: {}", stmt->ColumnText(0), match.status().message());
      continue;
    }
    if (!filter->text.empty()) {
      if (!text_matcher_) {
        auto opened = RecordTextMatcher::Open();
        if (!opened.ok()) return opened.status();
        text_matcher_.emplace(std::move(*opened));
      }
      // A syntax error leaves the watch out instead of failing every apply.
      if (auto parsed = text_matcher_->Matches(filter->text); !parsed.ok()) {
        spdlog::warn("watch {} is left out: --text: {}", stmt->ColumnText(0),
                     parsed.status().message());
        continue;
      }
    }
    watches_.push_back(
        {stmt->ColumnText(0), std::move(condition), std::move(*match), filter->text});
  }
  watches_seen_ = watches_now;
  refreshed_at_ = now;
  version_read_in_ = tx;
  stale_ = false;
  return common::Status::Ok();
}

common::Status AlertTracker::OnRecord(const common::MsgpackMap& packed, std::optional<json>* tree) {
  CEN_RETURN_IF_ERROR(Refresh());
  auto record = [&]() -> const json& {
    if (!*tree) *tree = packed.ToJson();
    return **tree;
  };
  const bool seizure = packed.TextOr("kind", "") == "seizure";
  if (seizure && !indicators_.empty()) {
    // Read in place once for every alert it may hit: no tree unless one hits.
    const IndicatorMatcher::Seizure fields(packed);
    for (const Indicators* alert : Candidates(fields)) {
      for (const IndicatorHit& hit : alert->matcher.Match(fields)) {
        CEN_RETURN_IF_ERROR(Hit(alert->alert, alert->origin, record(), hit.indicator, hit.value));
      }
    }
  }
  const std::string_view uuid = packed.TextOr("uuid", "");
  bool text_loaded = false;
  for (Watch& watch : watches_) {
    watch.match.Bind(1, uuid);
    watch.condition.BindTo(watch.match, 2);
    auto row = watch.match.Step();
    watch.match.Reset();
    if (!row.ok()) return row.status();
    if (!*row) continue;
    if (!watch.text.empty()) {
      if (!text_loaded) CEN_RETURN_IF_ERROR(text_matcher_->Load(packed));
      text_loaded = true;
      auto text = text_matcher_->Matches(watch.text);
      if (!text.ok()) return text.status();
      if (!*text) continue;
    }
    CEN_RETURN_IF_ERROR(Hit("watch:" + watch.name, node_id_, record(), "watch", watch.name));
  }
  return common::Status::Ok();
}

std::vector<const AlertTracker::Indicators*> AlertTracker::Candidates(
    const IndicatorMatcher::Seizure& seizure) {
  if (by_key_stale_) {
    by_key_.clear();
    word_keys_ = false;
    for (const auto& [uuid, alert] : indicators_) {
      for (std::string& key : alert.matcher.Keys()) by_key_[std::move(key)].push_back(&alert);
      word_keys_ = word_keys_ || alert.matcher.HasWordKeys();
    }
    by_key_stale_ = false;
  }
  std::vector<const Indicators*> found;
  for (const std::string& key : seizure.Keys(word_keys_)) {
    if (auto it = by_key_.find(key); it != by_key_.end())
      found.insert(found.end(), it->second.begin(), it->second.end());
  }
  // The order a scan of indicators_ gave (by uuid), each alert once.
  std::sort(found.begin(), found.end(),
            [](const Indicators* a, const Indicators* b) { return a->alert < b->alert; });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

common::Status AlertTracker::Hit(const std::string& source, const std::string& alert_origin,
                                 const json& record, const std::string& indicator,
                                 const std::string& value) {
  auto insert = db_->Prepare(
      "INSERT OR IGNORE INTO hits(at, source, record, indicator, value) VALUES (?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  const std::string at = common::Clock::NowRfc3339();
  const std::string uuid = common::WireFrame::StringOr(record, "uuid", "");
  CEN_RETURN_IF_ERROR(
      insert->Bind(1, at).Bind(2, source).Bind(3, uuid).Bind(4, indicator).Bind(5, value).Run());
  if (db_->Changes() == 0) return common::Status::Ok();  // known already
  const bool watch = indicator == "watch";
  if (!watch && alert_origin != node_id_) {
    CEN_RETURN_IF_ERROR(
        Queue(Receipt(source, alert_origin, "hit",
                      {{"hit", {{"record", uuid}, {"indicator", indicator}, {"value", value}}}})));
  }
  if (!hooks_.on_hit) return common::Status::Ok();
  json event = {
      {"at", at}, {"indicator", indicator}, {"value", value}, {"record", Summary(record)}};
  if (watch) {
    event["watch"] = value;
  } else {
    event["alert"] = source;
    event["alert_origin"] = alert_origin;
  }
  return HookRunner::Enqueue(*db_, HookRunner::kHit, event);
}

common::Result<std::string> AlertTracker::RootOf(const std::string& message) {
  auto target = db_->Prepare("SELECT target FROM alert_links WHERE uuid = ? LIMIT 1");
  if (!target.ok()) return target.status();
  auto row = target->Bind(1, message).Step();
  if (!row.ok()) return row.status();
  return *row ? target->ColumnText(0) : message;
}

common::Result<bool> AlertTracker::ScanHistory(std::chrono::steady_clock::time_point deadline) {
  if (!scans_pending_) return false;
  while (std::chrono::steady_clock::now() < deadline) {
    // Asked at every idle turn of the agent's loop: prepared once.
    auto next = db_->Cached("SELECT alert, next_id, last_id FROM hit_scans ORDER BY rowid LIMIT 1");
    if (!next.ok()) return next.status();
    auto row = (*next)->Step();
    if (!row.ok() || !*row) {
      (*next)->Reset();
      if (!row.ok()) return row.status();
      scans_pending_ = false;
      return false;
    }
    const std::string message = (*next)->ColumnText(0);
    const int64_t from = (*next)->ColumnInt(1);
    const int64_t last = (*next)->ColumnInt(2);
    (*next)->Reset();

    auto tx = db_->Begin();
    if (!tx.ok()) return tx.status();
    CEN_RETURN_IF_ERROR(Refresh());
    // The message may be an update: its hits belong to the original alert,
    // which must still be in force.
    auto root = RootOf(message);
    if (!root.ok()) return root.status();
    const auto found = indicators_.find(*root);
    const Indicators* alert = found == indicators_.end() ? nullptr : &found->second;
    int64_t to = std::min(last, from + kScanRecordsPerSlice - 1);
    if (alert != nullptr && from <= last) {
      std::string sql =
          "SELECT d.doc, r.gseq FROM records r JOIN documents d ON d.gseq = r.gseq "
          "WHERE r.kind = 'seizure' AND r.validation IS NULL AND r.gseq BETWEEN ? AND ?";
      const auto& needles = alert->matcher.Needles();
      // One OR term per needle: SQLite refuses an expression deeper than
      // 1000, and the terms cost as much as matching each record below.
      const bool prefilter =
          alert->matcher.NeedlesComplete() && needles.size() <= kMaxPrefilterNeedles;
      if (prefilter) {
        sql += " AND (0";
        for (size_t i = 0; i < needles.size(); ++i) sql += " OR instr(d.doc, ?) > 0";
        sql += ")";
      }
      // In gseq order: a slice cut at its deadline resumes after the last
      // record it matched (after ORDER BY, the prefilter above sorted the
      // rows by "matches or not", and a cut skipped the matches).
      sql += " ORDER BY r.gseq";
      auto scan = db_->Prepare(sql);
      if (!scan.ok()) return scan.status();
      scan->Bind(1, from).Bind(2, to);
      if (prefilter) {
        int index = 3;
        for (const std::string& needle : needles) scan->Bind(index++, needle);
      }
      while (true) {
        auto doc = scan->Step();
        if (!doc.ok()) return doc.status();
        if (!*doc) break;
        const json record = json::parse(scan->ColumnText(0), nullptr, false);
        for (const IndicatorHit& hit : alert->matcher.Match(record)) {
          CEN_RETURN_IF_ERROR(Hit(alert->alert, alert->origin, record, hit.indicator, hit.value));
        }
        // Past the deadline the slice ends at this record: an alert with a
        // long list of companies costs milliseconds a record, and the
        // agent's loop (an urgent alert) waits for the slice.
        if (std::chrono::steady_clock::now() >= deadline) {
          to = std::min(to, scan->ColumnInt(1));
          break;
        }
      }
    }
    if (alert == nullptr || to >= last) {
      auto done = db_->Prepare("DELETE FROM hit_scans WHERE alert = ?");
      if (!done.ok()) return done.status();
      CEN_RETURN_IF_ERROR(done->Bind(1, message).Run());
    } else {
      auto step = db_->Prepare("UPDATE hit_scans SET next_id = ? WHERE alert = ?");
      if (!step.ok()) return step.status();
      CEN_RETURN_IF_ERROR(step->Bind(1, to + 1).Bind(2, message).Run());
    }
    CEN_RETURN_IF_ERROR(tx->Commit());
  }
  return true;
}

common::Status AlertTracker::OnPending(std::string_view record, int64_t version) {
  auto again = outbox_->RequeueRefusedDecisions(record, version);
  if (!again.ok()) return again.status();
  if (*again > 0) {
    spdlog::info(
        "decisions: {} decision(s) on record {} v{} the hub refused while it did not hold it (a "
        "hub restored from an older copy) go again",
        *again, record, version);
    queued_ = true;
  }
  return common::Status::Ok();
}

}  // namespace cen::node
