// Records whose versions reached different offices: an amendment that
// narrows a record's scope (global, then region:EU) must take the record
// back from the offices that held the wider version, and an office that
// comes later must never be served that version. The hub's one answer,
// used by the feed and by FETCH alike.
//
// A version is "in force" from the journal row that brings it to its scope:
// a seizure's or alert's own row, or for an NCP's record the RILO's
// acceptance (the pending row reaches the NCP and its RILO alone, who see
// every version). Only records with versions of differing reach are kept
// (table reach_changes, written in the journal's transactions; a few rows
// in memory): every other journal row is served as its scope says.
//
// For such a record's row, an office is served
//   a withdrawal       when it may not see the row: {"kind": "withdrawal",
//                      "uuid", "version", "gseq"} (PROTOCOL.md §6.10), after
//                      which it holds no version older than "version". Who
//                      held an earlier version cannot be told from who may
//                      see it now (an office moved out of its region did), so
//                      every such office is told;
//   nothing            when it may not see a higher version in force (the
//                      version was superseded, or a later one narrowed the
//                      record: it is not served again, even once a yet later
//                      version widens it, and whatever order the versions
//                      were journaled in);
//   the row itself     otherwise.
// An update or cancel of an alert (its `references`) is no more than the
// alert: where the office may not see the newest version of an alert it
// names, it gets the update's withdrawal instead. So every alert an update
// or cancel names is kept too (rows written by Note(..., followed)), and
// served as its own scope says unless its versions' reach differs.
// A cancel goes to an office that may see one of the alerts it names, and
// to one that may see none of them as one withdrawal of those alerts: an
// office taken out of a group, or moved out of a region, keeps the alerts
// it held, and one would stay in force there for good, cancelled
// everywhere else (a trial). Like a narrowing, the withdrawal goes to every
// such office (who held the alert cannot be told), but for alerts only
// ever scoped to named offices; one that never held it learns its uuid.
//
//   ReachHistory reaches;
//   CEN_RETURN_IF_ERROR(ReachHistory::Note(db, uuid));  // in the journal's transaction
//   CEN_RETURN_IF_ERROR(reaches.Refresh(db));               // after its commit
//   switch (reaches.ServeTo(gseq, scope, origin, may_see)) { ... }
//
// Not thread-safe: owned by the Journal of the hub's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/msgpack_map.h"
#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::hub {

class ReachHistory {
 public:
  static constexpr const char* kTableSql = R"sql(
CREATE TABLE reach_changes(
  id          INTEGER PRIMARY KEY,      -- the order rows were written in (Refresh)
  gseq        INTEGER NOT NULL UNIQUE,  -- the journal row that brings the version in force
  record      TEXT    NOT NULL,         -- the record's uuid
  version     INTEGER NOT NULL,
  scope       TEXT    NOT NULL,         -- the journal row's scope
  origin      TEXT    NOT NULL          -- the journal row's origin (an acceptance: the RILO)
);
CREATE INDEX reach_changes_record ON reach_changes(record);
)sql";

  // A journal row that brings a version of a record in force.
  struct Version {
    int64_t gseq = 0;
    std::string record;  // uuid
    int64_t version = 0;
    std::string scope;   // the row's
    std::string origin;  // the row's
  };

  // Inside the journal's transaction, after it wrote a row that brings a
  // version of `record` in force: when the record is kept already, or its
  // versions in force (read from the journal and validations, that row
  // included) reach different offices, writes reach_changes rows for each.
  // `followed`: `record` is an alert an update or cancel names; its
  // versions are kept whatever their reach (an update goes no further than
  // its alert, ServeTo), the alert itself served as its scope says.
  static common::Status Note(common::Database& db, std::string_view record, bool followed = false);
  // Writes the reach_changes rows of every record in the journal whose
  // versions' reach differs (the upgrade to hub schema 8); how many records.
  static common::Result<int64_t> IndexAll(common::Database& db);

  // Reads the rows written since the last call (Append). `check` (Load, which
  // a cluster member also calls after its state machine journaled): then
  // compares the table's rows (count, last id, sum of gseqs) with those
  // held, and reads every row again when they differ (a snapshot installed
  // numbers rows otherwise).
  common::Status Refresh(common::Database& db, bool check = false);

  // Whether an office may see a journal row of (scope, origin).
  using MaySee = std::function<bool(std::string_view scope, std::string_view origin)>;
  // kAlertWithdrawals: the row is a cancel of alerts the office may not
  // see; it gets AlertWithdrawal() in its place (none may be due).
  enum class Serve { kRow, kWithdrawal, kNothing, kAlertWithdrawals };
  // What an office gets of journal row `gseq`, whose own scope and origin
  // are `scope` and `origin`, and which is an update or (`cancel`) a cancel
  // of the alerts `follows` (empty for any other row); see above.
  Serve ServeTo(int64_t gseq, std::string_view scope, std::string_view origin,
                const MaySee& may_see, std::span<const std::string_view> follows = {},
                bool cancel = false) const;
  // For kAlertWithdrawals: one withdrawal, under the cancel's `gseq`, of the
  // alerts in `follows` whose newest version the office may not see (the
  // first as its uuid and version, the others in "also": one record per
  // gseq, as a replica takes them), but those only ever scoped to named
  // offices; nullopt when none is due.
  std::optional<std::string> AlertWithdrawal(int64_t gseq,
                                             std::span<const std::string_view> follows,
                                             const MaySee& may_see) const;
  // Whether any record is kept: a row that names alerts (`follows`) need
  // only be read for them when one is.
  bool empty() const { return versions_.empty(); }
  // The withdrawal sent in place of row `gseq`, a version of record `uuid`
  // (msgpack); for an acceptance of an NCP's version the record and version
  // are the ones kept, not the decision's.
  std::string Withdrawal(int64_t gseq, std::string_view uuid, int64_t version) const;
  // What a journal row names for ServeTo: the alerts an update or cancel
  // names (an alert row's, or the update an NCP's RILO accepted: a decision
  // row's "accepted"), and the uuid and version its withdrawal names. Read
  // from the row's stored body; the views point into `body` and `accepted`.
  struct Named {
    std::optional<common::MsgpackMap> body;
    std::optional<common::MsgpackMap> accepted;
    std::vector<std::string_view> alerts;
    std::string_view uuid;
    int64_t version = 0;
    bool cancel = false;  // the row cancels `alerts`
  };
  // Fills `named` (left empty for any other row, or while nothing is kept).
  void ReadNamed(std::string_view kind, std::string_view body, Named* named) const;
  // How many records are kept (logs, tests).
  size_t records() const { return versions_.size(); }

 private:
  // Reads the rows after last_id_.
  common::Status ReadFrom(common::Database& db);
  // The withdrawal frame's record: what the replica needs, no more.
  static std::string WithdrawalBody(
      std::string_view record, int64_t version, int64_t gseq,
      std::span<const std::pair<std::string_view, int64_t>> also = {});

  int64_t last_id_ = 0;
  int64_t gseq_sum_ = 0;  // of the rows read: Refresh(check) compares it with the table's
  // record uuid -> its versions in force, by version (then gseq)
  std::unordered_map<std::string, std::vector<Version>> versions_;
  std::unordered_map<int64_t, std::string> records_by_gseq_;
  // Records among versions_ whose versions reach different offices (the
  // others are alerts kept for the updates that name them).
  std::unordered_set<std::string> changed_;
};

}  // namespace cen::hub
