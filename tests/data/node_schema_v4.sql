-- node.db schema version 4 (before the replica was rebuilt in version 5), as
-- node/node_schema.cpp created it, for the migration test. The hook_events
-- table (NodeSchema::kHookEventsSql) is unchanged and not repeated here.
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Every version of a record this node's users handed in (submit, drops).
CREATE TABLE own_records(
  uuid      TEXT    NOT NULL,
  version   INTEGER NOT NULL,
  kind      TEXT    NOT NULL,
  ref       TEXT    NOT NULL,
  body      BLOB    NOT NULL,  -- the record as sent to the hub (msgpack); also spots amendments
  queued_at TEXT    NOT NULL,
  status    TEXT    NOT NULL DEFAULT 'queued',  -- queued | accepted | rejected
  lane      INTEGER NOT NULL DEFAULT 0,  -- 2 urgent alert, 1 high alert, 0 everything else
  gseq      INTEGER,
  reason    TEXT,
  PRIMARY KEY (uuid, version)
);
CREATE INDEX own_records_natural_key ON own_records(kind, ref, version);
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
-- The replica: one row per record, its latest version, with the fields
-- analysts filter and group on as real columns. The document itself is the
-- row of record_versions with the same gseq (kept once, not twice).
CREATE TABLE records(
  id                INTEGER PRIMARY KEY,  -- local row id: records_fts and record_countries point here
  uuid              TEXT    NOT NULL UNIQUE,
  version           INTEGER NOT NULL,
  gseq              INTEGER NOT NULL,     -- gseq of the latest version
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
  priority          TEXT
);
CREATE INDEX records_gseq ON records(gseq);
-- Alerts are few among a million seizures: cen-query alerts reads these alone.
CREATE INDEX records_alerts ON records(gseq) WHERE kind = 'alert';
CREATE INDEX records_commodity_date ON records(commodity, event_date);
CREATE INDEX records_date ON records(event_date);
CREATE INDEX records_origin ON records(origin);
-- Every country a record names, one row per role (reporting, departure,
-- transit, destination), with the commodity and date copied so that
-- "commodity + country + period" is one range scan of record_countries_lookup,
-- which covers record_id so the scan never visits the table.
CREATE TABLE record_countries(
  record_id  INTEGER NOT NULL,
  role       TEXT    NOT NULL,
  country    TEXT    NOT NULL,
  commodity  TEXT    NOT NULL,  -- '' when the record has none
  event_date TEXT    NOT NULL   -- '' when the record has none
);
CREATE INDEX record_countries_lookup
  ON record_countries(country, commodity, event_date, role, record_id);
CREATE INDEX record_countries_record ON record_countries(record_id);
-- Full text of the latest version, rowid = records.id. unicode61 with
-- remove_diacritics 2 folds case (Latin and Cyrillic) and accents.
CREATE VIRTUAL TABLE records_fts USING fts5(
  description, location, concealment, title, body,
  tokenize = "unicode61 remove_diacritics 2", prefix = '2 3'
);
-- Every version applied, keyed by gseq: applying is idempotent by (uuid, version).
CREATE TABLE record_versions(
  gseq        INTEGER PRIMARY KEY,
  uuid        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  origin      TEXT    NOT NULL,
  received_at TEXT    NOT NULL,
  doc         TEXT    NOT NULL,
  UNIQUE(uuid, version)
);
-- The latest version of every record with its document, for SQL by hand:
-- SELECT ref, json_extract(doc, '$.concealment') FROM latest WHERE ...
CREATE VIEW latest AS
  SELECT r.*, v.doc FROM records r JOIN record_versions v ON v.gseq = r.gseq;
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
-- Who the hub said an own alert goes to (ACK "audience"): the offices
-- `cen-query receipts` expects a receipt from.
CREATE TABLE alert_audience(
  alert  TEXT NOT NULL,
  office TEXT NOT NULL,
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
-- history (records up to `last_id`), from `next_id` on, a slice at a time.
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
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  epoch TEXT    NOT NULL DEFAULT '',
  gseq  INTEGER NOT NULL DEFAULT 0
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
