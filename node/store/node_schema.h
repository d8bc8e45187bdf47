// node.db: creates and opens the node's database (docs/SCHEMA.md describes it).
#pragma once

#include <string>

#include "common/sqlite_db.h"

namespace cen::node {

class NodeSchema {
 public:
  static constexpr int kVersion = 10;
  // The hooks' durable queue (HookRunner, node/agent/hook_runner.h). A row leaves
  // 'pending' only once its outcome is known; no row is ever 'running'.
  static constexpr const char* kHookEventsSql = R"sql(
CREATE TABLE hook_events(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  hook       TEXT    NOT NULL,                  -- 'alert' | 'hit'
  payload    TEXT    NOT NULL,                  -- the event: one JSON object on one line
  attempts   INTEGER NOT NULL DEFAULT 0,        -- attempts finished, failed or not
  next_at    INTEGER NOT NULL DEFAULT 0,        -- unix ms: earliest next attempt
  last_error TEXT,                              -- why the last failed attempt failed
  state      TEXT    NOT NULL DEFAULT 'pending' -- pending | done | failed
);
CREATE INDEX hook_events_pending ON hook_events(id) WHERE state = 'pending';
)sql";
  // Pending alert events, found without reading past a backlog of hits
  // (HookRunner; made by the agent on a node.db older than it).
  static constexpr const char* kHookAlertsIndexSql =
      "CREATE INDEX IF NOT EXISTS hook_events_alerts ON hook_events(id) "
      "WHERE state = 'pending' AND hook = 'alert'";
  // Records withdrawn from the replica (Replica, PROTOCOL.md §6.10): made by
  // the agent on a node.db older than it (2026-12-07).
  static constexpr const char* kWithdrawalsSql = R"sql(
-- Records withdrawn from this replica: a version of theirs reaches offices
-- this node is not among (their scope was narrowed). `cen-query show` says
-- so instead of "no record".
CREATE TABLE IF NOT EXISTS withdrawals(
  uuid    TEXT    PRIMARY KEY,
  version INTEGER NOT NULL,  -- the version this node may not see
  gseq    INTEGER NOT NULL,  -- of the withdrawal
  at      TEXT    NOT NULL   -- when this node applied it (RFC 3339, UTC)
) WITHOUT ROWID;
)sql";
  // What an office catching up owes for alerts (AlertTracker): made by the
  // agent on a node.db older than them (2026-12-06).
  static constexpr const char* kAlertsHeldSql = R"sql(
-- Alerts, updates and cancels of other offices applied while this node was
-- behind the hub: their delivery receipt and hook wait until the replica
-- reaches `release_at`, the hub's head when they were applied (or the hub's
-- head now), so that one ended meanwhile (a cancel later in the journal)
-- pages nobody (docs/PROTOCOL.md 4.2). Those the priority lane applied
-- ahead of the cursor while it fetched what the node missed (`early`) are
-- due as soon as that fetch has reached the hub's head.
CREATE TABLE IF NOT EXISTS alerts_held(
  uuid       TEXT    NOT NULL,     -- the alert message's (uuid, version)
  version    INTEGER NOT NULL,
  gseq       INTEGER NOT NULL,     -- decided in this order: an alert before its changes
  release_at INTEGER NOT NULL,     -- the hub's head when it was applied
  early      INTEGER NOT NULL,     -- 1: applied ahead of the cursor
  deliver    INTEGER NOT NULL,     -- 1: a delivered receipt is owed
  payload    TEXT    NOT NULL,     -- the message as JSON: the hook's event
  PRIMARY KEY (uuid, version)
) WITHOUT ROWID;
-- Alerts this node learned of only once they had ended: their later updates
-- and cancels page nobody either.
CREATE TABLE IF NOT EXISTS alerts_unannounced(
  uuid TEXT PRIMARY KEY
) WITHOUT ROWID;
)sql";
  static common::Status Create(common::Database& db, const std::string& node_id);
  // Opens an existing node.db, checking it is a cenhub node database. A
  // missing directory or a foreign file gets a message naming the directory.
  // A file of schema 4 to 9 is refused ("start the agent once").
  static common::Result<common::Database> Open(const std::string& data_dir,
                                               common::Database::Mode mode);
  // Open() for `cen-node run`, holding agent.lock: a schema-4 replica is
  // rebuilt (emptied, fetched again from the hub; the outbox and everything
  // only this node has are kept) with a log line saying so; a schema-5 one is
  // upgraded in place (record_dates written from `records`), then to 7
  // (records.validation, decisions), then to 8 (the full-text index moves
  // to text.db, rebuilt there by the agent's TextIndexer), then to 9 (the
  // hub's verdicts on own records move from own_records to own_acks), then
  // to 10 (`records` holds an amendment waiting for its RILO beside the
  // version in force).
  static common::Result<common::Database> OpenForAgent(const std::string& data_dir);
  static std::string DbPath(const std::string& data_dir) { return data_dir + "/node.db"; }

 private:
  static common::Result<common::Database> OpenAs(const std::string& data_dir,
                                                 common::Database::Mode mode, bool upgrade);
};

}  // namespace cen::node
