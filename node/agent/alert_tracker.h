// Reacts to what the replica applies, inside the same transaction, so that
// nothing it owes is lost to a crash:
//  - an alert from another office: a delivery receipt to the alert's origin
//    (through the outbox, like any record) and an `alert` hook event, unless
//    it has ended (an office catching up waits for the hub's head first);
//  - an alert with indicators: a history scan queued (ScanHistory matches it
//    against the seizures already held, a slice at a time);
//  - a seizure: matched against every alert in force and every watch list;
//    each new match is a hit (table `hits`), an `hit` hook event and, for an
//    alert of another office, a hit receipt to that office.
//
//   AlertTracker tracker(&db, node_id, &outbox, {.on_alert = true, .on_hit = false});
//   replica.set_observer([&](const MsgpackMap& r, bool in_order) {
//     return tracker.OnApplied(r, in_order);
//   });
//   replica.set_cursor_observer([&](int64_t cursor) { return tracker.OnCursor(cursor); });
//   ... before each apply: tracker.set_hub_head(head);
//   ... every loop turn: auto more = tracker.ScanHistory(deadline);
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/msgpack_map.h"
#include "common/sqlite_db.h"
#include "node/agent/indicator_matcher.h"
#include "node/agent/record_text_matcher.h"
#include "node/query/query_filter.h"
#include "node/store/outbox.h"

namespace cen::node {

class AlertTracker {
 public:
  struct Hooks {
    bool on_alert = false;  // queue hook events of kind "alert"
    bool on_hit = false;    // queue hook events of kind "hit"
  };

  AlertTracker(common::Database* db, std::string node_id, Outbox* outbox, Hooks hooks);

  // The replica's observer (Replica::Observer): runs inside its transaction.
  // An alert of another office applied in order while the hub's head is
  // beyond it (the office is catching up) owes its delivery receipt and hook
  // only once the replica reaches that head, and one applied ahead of the
  // cursor during the priority catch-up, once that is over: one ended by
  // then (a cancel later in the journal) is old news and pages nobody
  // (PROTOCOL.md 4.2). What waits is in node.db (alerts_held), written in
  // the same transaction.
  common::Status OnApplied(const common::MsgpackMap& record, bool in_order);
  // The replica's cursor observer (Replica::CursorObserver), at the end of
  // every apply transaction: the alerts held that are due now are receipted
  // and hooked, unless they have ended.
  common::Status OnCursor(int64_t cursor);
  // What this node knows of the hub now, before each apply: its head (0: not
  // known), and whether the priority lane is still fetching the urgent and
  // high records this node missed (FETCH lane "priority", PROTOCOL.md 6.7).
  void set_hub_head(int64_t head, bool priority_catch_up = false) {
    hub_head_ = head;
    priority_catch_up_ = priority_catch_up;
  }

  // Matches alerts queued for a history scan against the records held, in
  // slices of a few thousand rows, each in its own transaction, until
  // `deadline`. Returns true while work remains. Reads nothing while no
  // scan was queued since the last one ended.
  common::Result<bool> ScanHistory(std::chrono::steady_clock::time_point deadline);

  // The transaction OnApplied() ran in was committed: what it noted stands.
  void Committed() {
    noted_alert_ = false;
    hits_ready_.insert(hits_ready_.end(), hits_due_.begin(), hits_due_.end());
    hits_due_.clear();
  }
  // It was rolled back (or failed, or threw). When it applied an alert, or
  // read the alerts in force again (its own uncommitted rows included), they
  // are read again from the database before the next match; a transaction
  // of other records changed nothing kept in memory. (Reading them all again
  // after every bulk slice cut short for an urgent alert cost that alert
  // 0.5-2.2 ms of CPU in cen_alert_bench, growing with the alerts held.)
  void RolledBack() {
    hits_due_.clear();  // applied again later, they are noted again
    if (std::exchange(noted_alert_, false)) stale_ = true;
    held_known_ = false;  // alerts_held rows it released are back: counted again
  }
  // Offers again, in a transaction of its own (none may be open), the hit
  // receipts a restored hub refused for a record or alert that committed
  // applies have brought since (Outbox::OfferHitsAgain). Returns how many.
  common::Result<int64_t> OfferHitsAgain();
  bool hits_ready() const { return !hits_ready_.empty(); }
  // The replica was emptied (rebuilt under another epoch), or a record
  // withdrawn from it (its scope narrowed): the alerts in force are read
  // again before the next match.
  void Forget() { stale_ = true; }
  // How many times the alerts in force and the watches were read again.
  int64_t reloads() const { return reloads_; }

  // A version of an NCP's record waiting for this node's decision is held
  // (Replica's pending observer): the decisions on it the hub refused while
  // it did not hold it (a hub restored from an older copy) go again.
  common::Status OnPending(std::string_view record, int64_t version);

  // Whether receipts were queued since the last call (the sender should look).
  bool TakeQueued() { return std::exchange(queued_, false); }

  // Builds a receipt for `alert` (of `alert_origin`) ready for Outbox::Queue:
  // kind "receipt", ref "ACTION:ALERT" (or "hit:..." per hit), scope
  // "nodes:ORIGIN". `extra` adds by/note/hit.
  static nlohmann::json Receipt(const std::string& alert, const std::string& alert_origin,
                                const std::string& action, const nlohmann::json& extra = {});

 private:
  struct Watch {
    std::string name;
    SqlCondition condition;
    common::Statement match;  // does record ?1 match: prepared once per Refresh()
    std::string text;         // its --text, matched by text_matcher_ (or empty)
  };
  struct Indicators {
    std::string alert;  // the original alert's uuid
    std::string origin;
    IndicatorMatcher matcher;
  };

  common::Status OnAlert(const nlohmann::json& record, bool in_order);
  // Whether the alert message (an alert, update or cancel) is old news now:
  // its alert expired, was cancelled, or ended before this node heard of it.
  common::Result<bool> OldNews(const nlohmann::json& alert);
  // The delivery receipt (when `deliver`) and hook an alert message owes,
  // unless it is old news.
  common::Status Announce(const nlohmann::json& alert, bool deliver);
  // The alerts in force a seizure may hit: those sharing one of its keys
  // (IndicatorMatcher::Keys), in indicators_'s order.
  std::vector<const Indicators*> Candidates(const IndicatorMatcher::Seizure& seizure);
  // `*tree` is the record's JSON tree once built (by OnApplied for an
  // alert, here when an indicator or watch needs it).
  common::Status OnRecord(const common::MsgpackMap& record, std::optional<nlohmann::json>* tree);
  // Keeps the in-memory list of alerts in force up to date with `alert`
  // (cheaply for a new alert; updates and cancels mark it stale).
  common::Status Track(const nlohmann::json& alert);
  // Re-reads the alerts in force and the watch lists when they may have changed.
  common::Status Refresh();
  // The original alert an alert message belongs to (itself for an original).
  common::Result<std::string> RootOf(const std::string& message);
  common::Status Hit(const std::string& source, const std::string& alert_origin,
                     const nlohmann::json& record, const std::string& indicator,
                     const std::string& value);
  common::Status Queue(nlohmann::json receipt);

  common::Database* db_;  // not owned
  std::string node_id_;
  Outbox* outbox_;  // not owned
  Hooks hooks_;
  bool stale_ = true;
  // An alert applied, or the alerts read again, since Committed() or RolledBack().
  bool noted_alert_ = false;
  int64_t reloads_ = 0;
  bool queued_ = false;  // alerts changed since Refresh()
  // Reads held_count_, early_held_ and min_release_ from alerts_held.
  common::Status CountHeld();

  int64_t hub_head_ = 0;
  // Records and alerts refused hit receipts wait for, applied in the
  // transaction under way (hits_due_) or in committed ones (hits_ready_).
  std::vector<std::string> hits_due_;
  std::vector<std::string> hits_ready_;
  bool priority_catch_up_ = false;
  // When held_known_ (read at the first transaction, again after a
  // rollback): how many rows alerts_held has, how many of them the priority
  // lane applied early, and the least release_at of the others, so that a
  // transaction with nothing due reads nothing.
  bool held_known_ = false;
  int64_t held_count_ = 0;
  int64_t early_held_ = 0;
  int64_t min_release_ = 0;
  // hit_scans may hold a row: at start, and whenever an alert asked for a
  // scan (only this connection adds hit_scans rows; a replica reset and a
  // migration only delete them). ScanHistory reads node.db only then: the
  // loop asks at every idle turn.
  bool scans_pending_ = true;
  std::chrono::steady_clock::time_point refreshed_at_;
  int64_t data_version_ = -1;     // PRAGMA data_version when the watches were read
  uint64_t version_read_in_ = 0;  // the write transaction data_version_ was last checked in
  std::string watches_seen_;      // names and dates of the watches loaded
  std::map<std::string, Indicators> indicators_;  // alerts in force, by uuid
  // indicators_ by the keys of what a hit needs, made again after it
  // changes: each applied seizure is matched against the few alerts that
  // share a key with it, not against every alert in force (0.13 us each).
  std::unordered_map<std::string, std::vector<const Indicators*>> by_key_;
  bool by_key_stale_ = true;
  bool word_keys_ = false;  // an alert in force names a company
  std::vector<Watch> watches_;
  // The text of the record being checked, for watches with --text (opened
  // with the first such watch).
  std::optional<RecordTextMatcher> text_matcher_;
};

}  // namespace cen::node
