#include "node/store/node_schema.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/page_size_upgrade.h"
#include "node/store/text_db.h"

namespace cen::node {
namespace {

// `records` and its indexes; with kReplicaTables and kRecordViewsSql, what
// an older schema's replica is rebuilt into.
constexpr const char* kRecordsSql = R"sql(
-- The replica: one row per record, its version in force, keyed by that
-- version's gseq so that "newest first" is the table's own order, with the
-- fields analysts filter and group on as real columns. Narrow on purpose:
-- counts and stats scan it; the document is in `documents`.
CREATE TABLE records(
  gseq              INTEGER PRIMARY KEY,  -- gseq of the version; record_countries and text.db's records_fts point here
  uuid              TEXT    NOT NULL,
  version           INTEGER NOT NULL,
  kind              TEXT    NOT NULL,
  origin            TEXT    NOT NULL,
  ref               TEXT    NOT NULL,
  scope             TEXT    NOT NULL,
  handling          TEXT    NOT NULL,
  received_at       TEXT    NOT NULL,
  event_date        TEXT,   -- YYYY-MM-DD: seizure_date, or the date part of an alert's issued_at
  commodity         TEXT,
  reporting_country TEXT,
  departure         TEXT,
  destination       TEXT,
  transit           TEXT,   -- transit countries in route order, joined with ';'
  hs_code           TEXT,
  transport_mode    INTEGER,
  quantity          REAL,
  unit              TEXT,
  priority          TEXT,
  validation        TEXT    -- an NCP's version waiting for its RILO: 'pending' or 'returned'; NULL in force
);
-- A record's row, and at an NCP and its RILO a second one while an amendment
-- waits for the RILO's decision (pending or returned): the version in force
-- stays in queries until the amendment is accepted.
CREATE UNIQUE INDEX records_uuid ON records(uuid, validation IS NOT NULL);
-- Alerts are few among a million seizures: cen-query alerts reads these alone.
CREATE INDEX records_alerts ON records(kind) WHERE kind = 'alert';
CREATE INDEX records_origin ON records(origin);
-- Only a RILO and its NCPs ever hold versions waiting: few, found at once.
CREATE INDEX records_unvalidated ON records(validation) WHERE validation IS NOT NULL;
)sql";

// The replica's other tables.
constexpr const char* kReplicaTables = R"sql(
-- The document of each record's latest version (JSON text), by records.gseq:
-- appended in gseq order, read for the page of a listing, `show` and alerts.
CREATE TABLE documents(
  gseq INTEGER PRIMARY KEY,
  doc  TEXT    NOT NULL
);
-- Every country a record names, one row per role (reporting, departure,
-- transit, destination), with the commodity and date copied so that
-- "commodity + country + period" is one range scan of the key alone. The key
-- is the whole row (no rowid, no second index): a new version deletes its
-- predecessor's rows by their key, known from the predecessor's document.
-- Written in batches sorted by key (Replica::IndexCountries), not by the
-- apply: random inserts of a few records at a time dirtied a page each.
CREATE TABLE record_countries(
  country    TEXT    NOT NULL,
  commodity  TEXT    NOT NULL,  -- '' when the record has none
  event_date TEXT    NOT NULL,  -- '' when the record has none
  role       TEXT    NOT NULL,
  record_id  INTEGER NOT NULL,  -- records.gseq
  PRIMARY KEY (country, commodity, event_date, role, record_id)
) WITHOUT ROWID;
-- The commodity and date of every record, for --commodity and --from/--to
-- without a country flag: one range scan of the key per commodity. Written
-- with record_countries in sorted batches, not by the apply: as indexes on
-- `records` their random inserts cost a 1M-record catch-up 30 % of its
-- speed (cen_catchup_bench: 25,054 records/s without them, 17,507-18,175
-- with them).
CREATE TABLE record_dates(
  commodity  TEXT    NOT NULL,  -- '' when the record has none
  event_date TEXT    NOT NULL,  -- '' when the record has none
  record_id  INTEGER NOT NULL,  -- records.gseq
  PRIMARY KEY (commodity, event_date, record_id)
) WITHOUT ROWID;
-- Records whose record_countries and record_dates rows are not all written
-- yet; queries check these on their own columns (QueryFilter).
CREATE TABLE countries_pending(
  gseq INTEGER PRIMARY KEY  -- records.gseq
);
-- The full text of the records is indexed in text.db (node/store/text_db.h).
-- Every version applied that is not the latest in `records`: versions an
-- amendment superseded, an older version arriving after a newer one (the
-- priority lane), and receipts (their fields are in `receipts`). Each
-- (uuid, version) once: a hub restored from backup may journal a version
-- again under a new gseq.
CREATE TABLE version_history(
  gseq        INTEGER PRIMARY KEY,
  uuid        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  origin      TEXT    NOT NULL,
  received_at TEXT    NOT NULL,
  doc         TEXT    NOT NULL
);
CREATE UNIQUE INDEX version_history_uuid ON version_history(uuid, version);
)sql";

// Views over `records` for SQL by hand and `cen-query show`.
constexpr const char* kRecordViewsSql = R"sql(
-- Every version applied, keyed by gseq: the latest in records, the others in
-- version_history. For SQL by hand and `cen-query show`.
CREATE VIEW record_versions AS
  SELECT r.gseq, r.uuid, r.version, r.origin, r.received_at, d.doc
    FROM records r JOIN documents d ON d.gseq = r.gseq
  UNION ALL
  SELECT gseq, uuid, version, origin, received_at, doc FROM version_history;
-- The rows of `records` with their documents (kept for SQL by hand written
-- against schema 4; add WHERE validation IS NULL for the versions in force):
-- SELECT ref, json_extract(doc, '$.concealment') FROM latest
CREATE VIEW latest AS
  SELECT r.*, d.doc FROM records r JOIN documents d ON d.gseq = r.gseq;
)sql";

// Every version of a record this node's users handed in (submit, drops);
// the hub's verdict on each is in own_acks (schema 9).
constexpr const char* kOwnRecordsSql = R"sql(
CREATE TABLE own_records(
  uuid      TEXT    NOT NULL,
  version   INTEGER NOT NULL,
  kind      TEXT    NOT NULL,
  ref       TEXT    NOT NULL,
  body      BLOB    NOT NULL,  -- the record as sent to the hub (msgpack); also spots amendments
  queued_at TEXT    NOT NULL,
  lane      INTEGER NOT NULL DEFAULT 0,  -- 2 urgent alert, 1 high alert, 0 everything else
  PRIMARY KEY (uuid, version)
);
CREATE INDEX own_records_natural_key ON own_records(kind, ref, version);
)sql";

// The hub's verdict on each own version (schema 9): a narrow row written at
// its ACK. Until schema 8 the verdict was three columns of own_records, and
// writing it rewrote the whole row, body and all (a third of an ACK's cost).
constexpr const char* kOwnAcksSql = R"sql(
CREATE TABLE own_acks(
  uuid     TEXT    NOT NULL,
  version  INTEGER NOT NULL,
  accepted INTEGER NOT NULL,  -- 1: NEW or DUP; 0: REJECTED
  gseq     INTEGER,           -- accepted: the hub's gseq
  reason   TEXT,              -- rejected: the hub's reason; accepted: its warning, if any
  PRIMARY KEY (uuid, version)
) WITHOUT ROWID;
-- Each own version with the hub's verdict: queued, accepted or rejected.
CREATE VIEW own_status AS
  SELECT o.uuid, o.version, o.kind, o.ref, o.queued_at,
         CASE WHEN a.accepted IS NULL THEN 'queued' WHEN a.accepted THEN 'accepted'
              ELSE 'rejected' END AS status,
         a.gseq, a.reason
    FROM own_records o LEFT JOIN own_acks a ON a.uuid = o.uuid AND a.version = o.version;
)sql";

constexpr const char* kNodeSchemaSql = R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Nominal details of offenders in this node's own records: local only, never
-- sent (stripped from the record before it is encoded for the hub).
CREATE TABLE offender_nominal(
  uuid            TEXT    NOT NULL,
  version         INTEGER NOT NULL,
  offender        INTEGER NOT NULL,  -- index in the record's offenders array
  name            TEXT,
  document_number TEXT,
  birth_date      TEXT,
  PRIMARY KEY (uuid, version, offender)
);
-- Versions not yet acknowledged by the hub, in the order they were accepted;
-- their bodies are in own_records. Urgent and high alerts (lane > 0) are sent
-- before any queued bulk: outbox_lane finds them without a scan.
CREATE TABLE outbox(
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid    TEXT    NOT NULL,
  version INTEGER NOT NULL,
  lane    INTEGER NOT NULL DEFAULT 0,
  UNIQUE(uuid, version)
);
CREATE INDEX outbox_lane ON outbox(lane DESC, seq) WHERE lane > 0;
-- Every cen-query run on this node: who asked what, and how much came back.
CREATE TABLE query_audit(
  id         INTEGER PRIMARY KEY,
  at         TEXT    NOT NULL,
  os_user    TEXT    NOT NULL,
  command    TEXT    NOT NULL,  -- search | show | stats | routes | audit
  arguments  TEXT    NOT NULL,  -- JSON array of the command-line arguments
  results    INTEGER NOT NULL,
  restricted INTEGER NOT NULL DEFAULT 0  -- H2/H3 records exported (--include-restricted)
);
-- The alert life cycle: each update or cancel, by the original alert it names.
-- Kept apart from records so that one applied early (the priority lane) is
-- in force even before the alert it changes has arrived.
CREATE TABLE alert_links(
  uuid     TEXT    NOT NULL,  -- the update or cancel
  target   TEXT    NOT NULL,  -- the original alert (msg_type alert) it references
  msg_type TEXT    NOT NULL,  -- update | cancel
  gseq     INTEGER NOT NULL,  -- of the update's or cancel's latest version
  PRIMARY KEY (uuid, target)
) WITHOUT ROWID;
CREATE INDEX alert_links_target ON alert_links(target, msg_type);
-- Receipts for this node's alerts (only their origin receives them).
CREATE TABLE receipts(
  uuid      TEXT    PRIMARY KEY,
  version   INTEGER NOT NULL,
  gseq      INTEGER NOT NULL,
  alert     TEXT    NOT NULL,  -- the alert answered
  office    TEXT    NOT NULL,  -- the node that sent the receipt (its origin)
  action    TEXT    NOT NULL,  -- delivered | seen | actioned | no-trace | hit
  at        TEXT    NOT NULL,  -- when, at that office
  by        TEXT,              -- who, at that office (action receipts)
  note      TEXT,
  hit_record    TEXT,          -- hit: the record that matched
  hit_indicator TEXT,          -- hit: containers | vessel_imo | companies | routes | hs_codes
  hit_value     TEXT           -- hit: the indicator value that matched
);
CREATE INDEX receipts_alert ON receipts(alert, office);
-- Who the hub said an own alert or update goes to (ACK "audience"): the
-- offices `cen-query receipts` expects a receipt from.
CREATE TABLE alert_audience(
  alert  TEXT NOT NULL,
  office TEXT NOT NULL,  -- '' on one row: the hub said it (none else: it reaches no office)
  PRIMARY KEY (alert, office)
) WITHOUT ROWID;
-- Hits: a record that matched an alert's indicator or a watch list.
CREATE TABLE hits(
  id        INTEGER PRIMARY KEY,
  at        TEXT    NOT NULL,  -- when this node found it
  source    TEXT    NOT NULL,  -- the alert uuid, or "watch:NAME"
  record    TEXT    NOT NULL,  -- uuid of the matching record
  indicator TEXT    NOT NULL,  -- containers | vessel_imo | companies | routes | hs_codes | watch
  value     TEXT    NOT NULL,  -- the indicator value, or the watch name
  UNIQUE (source, record, indicator, value)
);
CREATE INDEX hits_record ON hits(record);
-- Watch lists: cen-query filters saved under a name; every record applied
-- afterwards that matches becomes a hit.
CREATE TABLE watches(
  name       TEXT PRIMARY KEY,
  filter     TEXT NOT NULL,  -- JSON: the cen-query filter flags and values
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
-- Alerts whose indicators are still being matched against the replica's
-- history (records.gseq up to `last_id`), from `next_id` on, a slice at a time.
CREATE TABLE hit_scans(
  alert   TEXT    PRIMARY KEY,
  next_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL
);
-- Alerts this node has already reacted to (receipt, hook): a rebuilt
-- replica applies them again without a second reaction.
CREATE TABLE alerts_noticed(
  uuid    TEXT    NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (uuid, version)
) WITHOUT ROWID;
CREATE TABLE cursor(
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  epoch      TEXT    NOT NULL DEFAULT '',
  gseq       INTEGER NOT NULL DEFAULT 0,
  generation INTEGER NOT NULL DEFAULT 0  -- counts replica resets: text.db indexes one
);
INSERT INTO cursor(id) VALUES (1);
CREATE TABLE agent_state(
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  hub_state  TEXT    NOT NULL DEFAULT 'stopped',
  hub_head   INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT,
  detail     TEXT
);
INSERT INTO agent_state(id) VALUES (1);
)sql";

// What schema 7 added: the validation of NCPs' records by their RILO (and
// the column records.validation, with its index records_unvalidated).
constexpr const char* kValidationSql = R"sql(
-- Decisions of RILOs on NCPs' records this node may see: its own, or its
-- NCPs' (the accepted record itself goes into `records`).
CREATE TABLE decisions(
  gseq           INTEGER PRIMARY KEY,
  uuid           TEXT    NOT NULL,   -- the decision's own (uuid, version): applied once
  version        INTEGER NOT NULL,
  record         TEXT    NOT NULL,   -- the record decided on
  record_version INTEGER NOT NULL,
  decision       TEXT    NOT NULL,   -- accept | return
  reason         TEXT,               -- of a return: what to correct
  rilo           TEXT    NOT NULL,   -- who decided
  at             TEXT    NOT NULL,   -- when the hub journaled it
  UNIQUE(uuid, version)
);
CREATE INDEX decisions_record ON decisions(record, record_version);
)sql";

// What a step of the upgrade says once committed: a warning when the node
// must fetch again, otherwise news.
struct StepDone {
  bool warn = false;
  std::string line;
};

// Runs `step` in one transaction when node.db has schema `from`, read again
// under the write lock (another process may have upgraded it), then sets
// schema `to` and logs the step's line, prefixed with `path`.
common::Status UpgradeStep(common::Database& db, const std::string& path, int from, int to,
                           const std::function<common::Result<StepDone>()>& step) {
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  auto version = db.QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  if (!version.ok()) return version.status();
  if (version->value_or(0) != from) return tx->Commit();
  auto done = step();
  if (!done.ok()) return done.status();
  CEN_RETURN_IF_ERROR(
      db.Exec("UPDATE meta SET value = '" + std::to_string(to) + "' WHERE key = 'node_schema'"));
  CEN_RETURN_IF_ERROR(tx->Commit());
  if (done->warn) {
    spdlog::warn("{}: {}", path, done->line);
  } else {
    spdlog::info("{}: {}", path, done->line);
  }
  return common::Status::Ok();
}

// Schema 6 had no validation: records gets its column, decisions its table.
common::Status MigrateReplicaFrom6(common::Database& db, const std::string& path) {
  return UpgradeStep(db, path, 6, 7, [&]() -> common::Result<StepDone> {
    CEN_RETURN_IF_ERROR(
        db.Exec("ALTER TABLE records ADD COLUMN validation TEXT; CREATE INDEX records_unvalidated "
                "ON records(validation) WHERE validation IS NOT NULL;"));
    CEN_RETURN_IF_ERROR(db.Exec(kValidationSql));
    return StepDone{false, "replica schema 6 upgraded to 7 in place (validation of NCP records)"};
  });
}

// Schema 4 kept every version in record_versions under a second (uuid,
// version) index, a second copy of the text in records_fts with prefix
// indexes, and two indexes on record_countries; its rows are keyed by a local
// id instead of gseq. Its replica is dropped and fetched again from the hub
// (cursor 0, same epoch); what only this node has is kept: own records,
// outbox, nominal details, query audit, watch lists, hits, alerts already
// receipted, alert audiences. It gets the shape of schema 7 (`records` as
// in 10); the steps to 8, 9 and 10 follow.
common::Status MigrateReplicaFrom4(common::Database& db, const std::string& path) {
  return UpgradeStep(db, path, 4, 7, [&]() -> common::Result<StepDone> {
    auto records = db.QueryInt("SELECT count(*) FROM records");
    if (!records.ok()) return records.status();
    CEN_RETURN_IF_ERROR(
        db.Exec("DROP VIEW latest; DROP TABLE records_fts; DROP TABLE record_countries; "
                "DROP TABLE record_versions; DROP TABLE records; DELETE FROM hit_scans; "
                "DELETE FROM receipts; DELETE FROM alert_links; UPDATE cursor SET gseq = 0;"));
    CEN_RETURN_IF_ERROR(db.Exec(kRecordsSql));
    CEN_RETURN_IF_ERROR(db.Exec(kReplicaTables));
    CEN_RETURN_IF_ERROR(db.Exec(kRecordViewsSql));
    CEN_RETURN_IF_ERROR(db.Exec(kValidationSql));
    return StepDone{true, "replica schema 4 upgraded to " + std::to_string(NodeSchema::kVersion) +
                              ": its " + std::to_string(records->value_or(0)) +
                              " record(s) will be fetched again from the hub; the outbox, own "
                              "records, audit trail, watch lists and hits are kept"};
  });
}

// Schema 5 indexed records on (commodity, event_date) and (event_date);
// schema 6 keeps those in record_dates, written in batches. Upgraded in
// place: the two indexes go, record_dates is filled from `records` (the
// records still in countries_pending get their rows with the next batch).
common::Status MigrateReplicaFrom5(common::Database& db, const std::string& path) {
  return UpgradeStep(db, path, 5, 6, [&]() -> common::Result<StepDone> {
    CEN_RETURN_IF_ERROR(
        db.Exec("DROP INDEX IF EXISTS records_commodity_date; DROP INDEX IF EXISTS records_date; "
                "CREATE TABLE record_dates(commodity TEXT NOT NULL, event_date TEXT NOT NULL, "
                "record_id INTEGER NOT NULL, PRIMARY KEY (commodity, event_date, record_id)) "
                "WITHOUT ROWID; "
                "INSERT INTO record_dates(commodity, event_date, record_id) "
                "SELECT IFNULL(commodity, ''), IFNULL(event_date, ''), gseq FROM records "
                "WHERE gseq NOT IN (SELECT gseq FROM countries_pending) ORDER BY 1, 2, 3;"));
    return StepDone{false, "replica schema 5 upgraded to 6 in place (" +
                               std::to_string(db.Changes()) + " record_dates rows written)"};
  });
}

// Schema 7 kept the full-text index in node.db, written by the apply. It
// moves to text.db (node/store/text_db.h), which the agent's TextIndexer
// fills from `documents` in the background; until it has, queries read the
// text of the records it has not reached from `documents`. node.db's cursor
// gets the generation that text.db is written for.
common::Status MigrateReplicaFrom7(common::Database& db, const std::string& path) {
  return UpgradeStep(db, path, 7, 8, [&]() -> common::Result<StepDone> {
    auto records = db.QueryInt("SELECT count(*) FROM records");
    if (!records.ok()) return records.status();
    // text.db first: should this transaction fail, an empty text.db waits
    // for the next try, and nothing reads it before schema 8.
    CEN_RETURN_IF_ERROR(TextDb::Create(TextDb::DataDirOf(path)));
    CEN_RETURN_IF_ERROR(
        db.Exec("DROP TABLE IF EXISTS records_fts; "
                "ALTER TABLE cursor ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;"));
    return StepDone{false,
                    "replica schema 7 upgraded to 8 in place: the full-text index moves to "
                    "text.db and is rebuilt there in the background (" +
                        std::to_string(records->value_or(0)) + " record(s))"};
  });
}

// Schema 8 kept the hub's verdict (status, gseq, reason) in own_records:
// moved to own_acks, read together through the view own_status.
common::Status MigrateOwnFrom8(common::Database& db, const std::string& path) {
  return UpgradeStep(db, path, 8, 9, [&]() -> common::Result<StepDone> {
    // own_records is written once, without the three columns (three DROP
    // COLUMNs would rewrite every row, bodies and all, three times).
    CEN_RETURN_IF_ERROR(db.Exec(
        "ALTER TABLE own_records RENAME TO own_records_8; DROP INDEX own_records_natural_key;"));
    CEN_RETURN_IF_ERROR(db.Exec(kOwnRecordsSql));
    CEN_RETURN_IF_ERROR(db.Exec(kOwnAcksSql));
    CEN_RETURN_IF_ERROR(
        db.Exec("INSERT INTO own_records(uuid, version, kind, ref, body, queued_at, lane) "
                "SELECT uuid, version, kind, ref, body, queued_at, lane FROM own_records_8 "
                "ORDER BY rowid"));
    CEN_RETURN_IF_ERROR(
        db.Exec("INSERT INTO own_acks(uuid, version, accepted, gseq, reason) "
                "SELECT uuid, version, status = 'accepted', gseq, reason FROM own_records_8 "
                "WHERE status != 'queued' ORDER BY uuid, version"));
    const int64_t verdicts = db.Changes();
    CEN_RETURN_IF_ERROR(db.Exec("DROP TABLE own_records_8;"));
    return StepDone{false,
                    "node schema 8 upgraded to 9 in place: the hub's verdicts on own records "
                    "move to own_acks (" +
                        std::to_string(verdicts) +
                        " verdict(s); read them through the view own_status)"};
  });
}

// Schema 9 held one row per record in `records` (uuid UNIQUE): an NCP's
// amendment waiting for its RILO took the place of the version in force,
// which left the RILO's and the NCP's queries until the amendment was
// accepted, for good if it was returned. The table is written again
// without the constraint, under records_uuid (uuid, waiting or not). The
// versions in force that such amendments replaced come back from
// version_history when the agent starts (Replica::RestoreVersionsInForce).
common::Status MigrateRecordsFrom9(common::Database& db, const std::string& path) {
  return UpgradeStep(db, path, 9, 10, [&]() -> common::Result<StepDone> {
    constexpr const char* kColumns =
        "gseq, uuid, version, kind, origin, ref, scope, handling, received_at, event_date, "
        "commodity, reporting_country, departure, destination, transit, hs_code, "
        "transport_mode, quantity, unit, priority, validation";
    CEN_RETURN_IF_ERROR(db.Exec(
        "DROP VIEW record_versions; DROP VIEW latest; ALTER TABLE records RENAME TO records_9; "
        "DROP INDEX records_alerts; DROP INDEX records_origin; DROP INDEX records_unvalidated; "
        "DROP INDEX IF EXISTS records_uuid;"));  // a schema-4 replica rebuilt in shape 10
    CEN_RETURN_IF_ERROR(db.Exec(kRecordsSql));
    CEN_RETURN_IF_ERROR(db.Exec(std::string("INSERT INTO records(") + kColumns + ") SELECT " +
                                kColumns + " FROM records_9 ORDER BY gseq;"));
    const int64_t rows = db.Changes();
    CEN_RETURN_IF_ERROR(db.Exec("DROP TABLE records_9;"));
    CEN_RETURN_IF_ERROR(db.Exec(kRecordViewsSql));
    // Before 2026-12-07 a history scan cut short by its deadline skipped
    // matches (AlertTracker::ScanHistory sorted by "matches or not"): every
    // alert and update held is matched against the history again, in the
    // background; hits already found are not found twice.
    CEN_RETURN_IF_ERROR(
        db.Exec("INSERT INTO hit_scans(alert, next_id, last_id) SELECT r.uuid, 0, "
                "(SELECT coalesce(max(gseq), 0) FROM records) FROM records r "
                "JOIN documents d ON d.gseq = r.gseq WHERE r.kind = 'alert' "
                "AND r.validation IS NULL AND coalesce(json_extract(d.doc, '$.msg_type'), 'alert') "
                "= 'alert' "
                "ON CONFLICT(alert) DO UPDATE SET next_id = 0, last_id = excluded.last_id;"));
    const int64_t alerts = db.Changes();
    return StepDone{false, "replica schema 9 upgraded to 10 in place (" + std::to_string(rows) +
                               " record(s) written again: an amendment waiting for its RILO "
                               "now stays beside the version in force; " +
                               std::to_string(alerts) +
                               " alert(s) matched against the history again for the hits an "
                               "earlier scan skipped)"};
  });
}

}  // namespace

common::Status NodeSchema::Create(common::Database& db, const std::string& node_id) {
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(db.Exec(kNodeSchemaSql));
  CEN_RETURN_IF_ERROR(db.Exec(kOwnRecordsSql));
  CEN_RETURN_IF_ERROR(db.Exec(kOwnAcksSql));
  CEN_RETURN_IF_ERROR(db.Exec(kRecordsSql));
  CEN_RETURN_IF_ERROR(db.Exec(kReplicaTables));
  CEN_RETURN_IF_ERROR(db.Exec(kRecordViewsSql));
  CEN_RETURN_IF_ERROR(db.Exec(kValidationSql));
  CEN_RETURN_IF_ERROR(db.Exec(NodeSchema::kHookEventsSql));
  CEN_RETURN_IF_ERROR(db.Exec(NodeSchema::kHookAlertsIndexSql));
  CEN_RETURN_IF_ERROR(db.Exec(NodeSchema::kWithdrawalsSql));
  CEN_RETURN_IF_ERROR(db.Exec(NodeSchema::kAlertsHeldSql));
  auto ins = db.Prepare("INSERT INTO meta(key, value) VALUES (?, ?)");
  if (!ins.ok()) return ins.status();
  CEN_RETURN_IF_ERROR(ins->Bind(1, "node_schema").Bind(2, std::to_string(kVersion)).Run());
  CEN_RETURN_IF_ERROR(ins->Bind(1, "node_id").Bind(2, node_id).Run());
  CEN_RETURN_IF_ERROR(ins->Bind(1, "created_at").Bind(2, common::Clock::NowRfc3339()).Run());
  // Empty, beside it: the agent's TextIndexer writes it.
  CEN_RETURN_IF_ERROR(TextDb::Create(TextDb::DataDirOf(db.path())));
  return tx->Commit();
}

common::Result<common::Database> NodeSchema::Open(const std::string& data_dir,
                                                  common::Database::Mode mode) {
  return OpenAs(data_dir, mode, /*upgrade=*/false);
}

namespace {

// A node.db made before 2026-12-05 gets the 16 KiB pages of a new one
// (applies and drops then write it as fast as a new node's), once, after its
// schema is current (a migration's leftovers are not copied).
common::Result<common::Database> WithLargePages(common::Database db) {
  auto rewritten = common::PageSizeUpgrade::Run(db);
  if (!rewritten.ok()) return rewritten.status();
  return db;
}

}  // namespace

common::Result<common::Database> NodeSchema::OpenForAgent(const std::string& data_dir) {
  auto db = OpenAs(data_dir, common::Database::Mode::kReadWrite, /*upgrade=*/true);
  if (!db.ok()) return db;
  // A node.db made before the index and the tables (2026-12-06): made once,
  // in moments.
  CEN_RETURN_IF_ERROR(db->Exec(kHookAlertsIndexSql));
  CEN_RETURN_IF_ERROR(db->Exec(kAlertsHeldSql));
  CEN_RETURN_IF_ERROR(db->Exec(kWithdrawalsSql));
  return db;
}

common::Result<common::Database> NodeSchema::OpenAs(const std::string& data_dir,
                                                    common::Database::Mode mode, bool upgrade) {
  const std::string path = DbPath(data_dir);
  if (!std::filesystem::is_directory(data_dir))
    return common::NotFound("no node data directory at " + data_dir +
                            "; create one with: cen-node init --data " + data_dir + " ...");
  if (!std::filesystem::exists(path))
    return common::NotFound(data_dir + " is not a node data directory (no node.db)");
  auto db = common::Database::Open(path, mode);
  if (!db.ok()) return db.status();
  auto v = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
  if (!v.ok() || !v->has_value())
    return common::Corruption(path + " is not a cenhub node database");
  if (upgrade && **v >= 4 && **v < kVersion) {
    // Schema 4 is rebuilt in the current shape; 5 and 6 are upgraded a step
    // at a time.
    if (**v == 4) CEN_RETURN_IF_ERROR(MigrateReplicaFrom4(*db, path));
    if (**v == 5) CEN_RETURN_IF_ERROR(MigrateReplicaFrom5(*db, path));
    CEN_RETURN_IF_ERROR(MigrateReplicaFrom6(*db, path));
    CEN_RETURN_IF_ERROR(MigrateReplicaFrom7(*db, path));
    CEN_RETURN_IF_ERROR(MigrateOwnFrom8(*db, path));
    CEN_RETURN_IF_ERROR(MigrateRecordsFrom9(*db, path));
    v = db->QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='node_schema'");
    if (!v.ok()) return v.status();
    if (v->value_or(0) != kVersion)
      return common::Corruption(path + " was upgraded to schema version " +
                                std::to_string(v->value_or(0)) + ", not " +
                                std::to_string(kVersion));
    return WithLargePages(std::move(*db));
  }
  if (**v >= 4 && **v < kVersion)
    return common::Corruption(path + " has schema version " + std::to_string(**v) +
                              "; start the agent (cen-node run --data " + data_dir +
                              ") once to upgrade it to " + std::to_string(kVersion) +
                              " (an agent running the earlier cen-node: restart it)");
  if (**v != kVersion)
    return common::Corruption(path + " has schema version " + std::to_string(**v) +
                              "; this program reads version " + std::to_string(kVersion));
  if (upgrade) return WithLargePages(std::move(*db));
  return db;
}

}  // namespace cen::node
