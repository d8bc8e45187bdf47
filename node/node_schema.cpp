#include "node/node_schema.h"

#include <filesystem>

#include "common/clock.h"

namespace cen::node {
namespace {

constexpr const char* kSchema = R"sql(
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
  gseq      INTEGER,
  reason    TEXT,
  PRIMARY KEY (uuid, version)
);
CREATE INDEX own_records_natural_key ON own_records(kind, ref, version);
-- Versions not yet acknowledged by the hub, in the order they were accepted;
-- their bodies are in own_records.
CREATE TABLE outbox(
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid    TEXT    NOT NULL,
  version INTEGER NOT NULL,
  UNIQUE(uuid, version)
);
-- The replica: the latest version of every record this node may see.
CREATE TABLE records(
  uuid              TEXT PRIMARY KEY,
  version           INTEGER NOT NULL,
  gseq              INTEGER NOT NULL,
  kind              TEXT    NOT NULL,
  origin            TEXT    NOT NULL,
  ref               TEXT    NOT NULL,
  scope             TEXT    NOT NULL,
  handling          TEXT    NOT NULL,
  received_at       TEXT    NOT NULL,
  event_date        TEXT,   -- seizure_date of a seizure, issued_at of an alert
  commodity         TEXT,
  reporting_country TEXT,
  quantity          REAL,
  unit              TEXT,
  doc               TEXT    NOT NULL  -- the whole record, canonical JSON
);
CREATE INDEX records_gseq ON records(gseq);
CREATE INDEX records_kind_date ON records(kind, event_date);
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
)sql";

}  // namespace

common::Status NodeSchema::Create(common::Database& db, const std::string& node_id) {
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(db.Exec(kSchema));
  auto ins = db.Prepare("INSERT INTO meta(key, value) VALUES (?, ?)");
  if (!ins.ok()) return ins.status();
  CEN_RETURN_IF_ERROR(ins->Bind(1, "node_schema").Bind(2, std::to_string(kVersion)).Run());
  CEN_RETURN_IF_ERROR(ins->Bind(1, "node_id").Bind(2, node_id).Run());
  CEN_RETURN_IF_ERROR(ins->Bind(1, "created_at").Bind(2, common::Clock::NowRfc3339()).Run());
  return tx->Commit();
}

common::Result<common::Database> NodeSchema::Open(const std::string& data_dir,
                                                  common::Database::Mode mode) {
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
  if (**v != kVersion)
    return common::Corruption(path + " has schema version " + std::to_string(**v) +
                              "; this program reads version " + std::to_string(kVersion));
  return db;
}

}  // namespace cen::node
