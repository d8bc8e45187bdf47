#include "hub/hub_schema.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <random>

#include "common/clock.h"
#include "common/instance_lock.h"
#include "hub/journal.h"

namespace cen::hub {
namespace {

// Registry changes asked of a hub cluster member (cen-hub allow, revoke,
// set-role, group): the leader carries each in a Raft entry; applying it
// fills in done_at and the effect or the refusal.
constexpr const char* kAdminRequestsSql = R"sql(
CREATE TABLE admin_requests(
  id       INTEGER PRIMARY KEY,
  member   INTEGER NOT NULL,  -- the member it was asked of
  at       TEXT NOT NULL,
  os_user  TEXT NOT NULL,
  change   TEXT NOT NULL,     -- AdminChange as JSON
  taken_at TEXT,
  done_at  TEXT,
  effect   TEXT,
  refusal  TEXT
);
)sql";

// Records of NCPs waiting for (or given) their RILO's decision, written in
// the journal's transactions: it always says what the journal's rows say.
// The pending record's own journal row is scoped to the RILO alone.
constexpr const char* kValidationsSql = R"sql(
CREATE TABLE validations(
  gseq         INTEGER PRIMARY KEY,  -- the pending record's journal row
  uuid         TEXT    NOT NULL,
  version      INTEGER NOT NULL,
  origin       TEXT    NOT NULL,     -- the NCP
  rilo         TEXT    NOT NULL,     -- who decides
  scope        TEXT    NOT NULL,     -- the scope asked for, reached once accepted
  state        TEXT    NOT NULL DEFAULT 'pending',  -- pending, returned, accepted, superseded
  decided_gseq INTEGER,              -- the decision's journal row
  decided_at   TEXT,
  reason       TEXT                  -- of a return
);
CREATE INDEX validations_uuid ON validations(uuid, version);
CREATE INDEX validations_open ON validations(rilo, gseq) WHERE state IN ('pending', 'returned');
)sql";

// The alerts each journaled cancel names (schema 7), written in the
// journal's transactions: whether an alert was cancelled is one probe, not a
// decode of every alert of its origin.
constexpr const char* kAlertCancelsSql = R"sql(
CREATE TABLE alert_cancels(
  target TEXT    NOT NULL,  -- a uuid from the cancel's references
  gseq   INTEGER NOT NULL,  -- the cancel's journal row
  uuid   TEXT    NOT NULL,  -- the cancel's uuid
  origin TEXT    NOT NULL,  -- who cancelled: the alert's origin or hub-operator
  PRIMARY KEY (target, gseq)
) WITHOUT ROWID;
)sql";

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE journal(
  gseq        INTEGER PRIMARY KEY,
  uuid        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  origin      TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  ref         TEXT    NOT NULL,
  scope       TEXT    NOT NULL,
  received_at TEXT    NOT NULL,
  body        BLOB    NOT NULL,
  chain       BLOB    NOT NULL,
  lane        INTEGER NOT NULL DEFAULT 0,  -- 2 urgent alert, 1 high alert, 0 everything else
  UNIQUE(uuid, version)
);
CREATE INDEX journal_natural_key ON journal(origin, kind, ref);
-- The priority lanes: what a node that comes back with a backlog fetches first.
CREATE INDEX journal_lane ON journal(gseq) WHERE lane > 0;
-- Receipts by the alert they answer (ref "ACTION:ALERT-UUID"): cen-hub status.
CREATE INDEX journal_receipts ON journal(ref) WHERE kind = 'receipt';
CREATE TABLE nodes(
  id           TEXT PRIMARY KEY,
  pubkey       TEXT NOT NULL UNIQUE,
  region       TEXT,
  added_at     TEXT NOT NULL,
  last_seen    TEXT,
  replica_gseq INTEGER NOT NULL DEFAULT 0,
  outbox       INTEGER NOT NULL DEFAULT 0,
  revoked_at   TEXT,
  role         TEXT NOT NULL DEFAULT 'rilo',  -- rilo: its records need no validation; ncp: see rilo
  rilo         TEXT                           -- an NCP's RILO, who validates its records
);
CREATE TABLE groups(
  name       TEXT PRIMARY KEY,
  expires    TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE group_members(
  group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
  node       TEXT NOT NULL,
  added_at   TEXT NOT NULL,
  PRIMARY KEY(group_name, node)
) WITHOUT ROWID;
-- Alerts the hub operator cancels (cen-hub cancel-alert); the running hub
-- journals each as a cancel of origin hub-operator and fills in done_at.
CREATE TABLE operator_cancels(
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  os_user   TEXT NOT NULL,
  alert     TEXT NOT NULL,
  reason    TEXT NOT NULL,
  done_at   TEXT,
  gseq      INTEGER,  -- of the cancel journaled
  uuid      TEXT      -- of the cancel, fixed when asked (a restore journals it again under it)
);
CREATE TABLE audit(
  id     INTEGER PRIMARY KEY,
  at     TEXT NOT NULL,
  event  TEXT NOT NULL,
  node   TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  chain  BLOB NOT NULL
);
)sql";

// Opens hub.db holding the store lock shared for the connection's life (a
// restore takes it alone), and checks it is a hub database of this schema.
common::Result<common::Database> OpenLocked(const std::string& data_dir,
                                            common::Database::Mode mode, bool upgrade) {
  auto lock = common::InstanceLock::AcquireShared(data_dir, common::InstanceLock::kHubStore);
  if (!lock.ok()) {
    if (lock.status().code() != common::StatusCode::kUnavailable) return lock.status();
    return common::Unavailable("a cen-hub restore is replacing hub.db in " + data_dir +
                               "; try again when it has finished");
  }
  auto db = common::Database::Open(HubSchema::DbPath(data_dir), mode);
  if (!db.ok()) return db.status();
  db->Hold(std::make_shared<common::InstanceLock>(std::move(*lock)));
  if (upgrade) CEN_RETURN_IF_ERROR(HubSchema::Upgrade(*db));
  CEN_RETURN_IF_ERROR(HubSchema::Check(*db));
  return db;
}

}  // namespace

std::string HubSchema::NewEpoch() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out.push_back(kHex[rd() & 0xF]);
  return out;
}

common::Status HubSchema::Upgrade(common::Database& db) {
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  // Read under the write lock: another process may have upgraded it.
  auto v = Version(db);
  if (!v.ok() || !v->has_value() || **v < 4 || **v >= kVersion) return tx->Commit();
  const int64_t from = **v;
  if (from == 4) {
    // 4 -> 5: node roles (rilo, ncp) and the validations of NCPs' records.
    // Every node registered so far is a RILO: it publishes as before.
    CEN_RETURN_IF_ERROR(
        db.Exec("ALTER TABLE nodes ADD COLUMN role TEXT NOT NULL DEFAULT 'rilo';"
                "ALTER TABLE nodes ADD COLUMN rilo TEXT;"));
    CEN_RETURN_IF_ERROR(db.Exec(kValidationsSql));
  }
  // 5 -> 6: the registry changes asked of a cluster member.
  if (from <= 5) CEN_RETURN_IF_ERROR(db.Exec(kAdminRequestsSql));
  // 6 -> 7: the alerts each cancel names, from the journal's cancels.
  int64_t cancels = 0;
  if (from <= 6) {
    CEN_RETURN_IF_ERROR(db.Exec(kAlertCancelsSql));
    auto indexed = Journal::IndexCancels(db);
    if (!indexed.ok()) return indexed.status();
    cancels = *indexed;
  }
  // 7 -> 8: the records whose versions reach different offices.
  int64_t narrowed = 0;
  if (from <= 7) {
    CEN_RETURN_IF_ERROR(db.Exec(ReachHistory::kTableSql));
    auto indexed = ReachHistory::IndexAll(db);
    if (!indexed.ok()) return indexed.status();
    narrowed = *indexed;
  }
  // 8 -> 9: the uuid of each operator cancel, from the journal for those
  // journaled already.
  if (from <= 8) {
    auto has_uuid = db.HasColumn("operator_cancels", "uuid");
    if (!has_uuid.ok()) return has_uuid.status();
    if (!*has_uuid)
      CEN_RETURN_IF_ERROR(db.Exec("ALTER TABLE operator_cancels ADD COLUMN uuid TEXT"));
    CEN_RETURN_IF_ERROR(
        // Only a cancel the operator's own request journaled: a member
        // that closed a request records the gseq of the origin's cancel too
        // (a review).
        db.Exec("UPDATE operator_cancels SET uuid = (SELECT j.uuid FROM journal j WHERE j.gseq = "
                "operator_cancels.gseq AND j.origin = 'hub-operator') WHERE gseq IS NOT NULL AND "
                "uuid IS NULL"));
  }
  CEN_RETURN_IF_ERROR(
      db.Exec("UPDATE meta SET value='" + std::to_string(kVersion) + "' WHERE key='hub_schema'"));
  CEN_RETURN_IF_ERROR(tx->Commit());
  spdlog::info(
      "{}: hub schema {} upgraded to {} in place ({} cancel(s) of alerts indexed, {} record(s) "
      "whose versions reach different offices)",
      db.path(), from, kVersion, cancels, narrowed);
  return common::Status::Ok();
}

common::Result<std::optional<int64_t>> HubSchema::Version(common::Database& db) {
  return db.QueryInt("SELECT CAST(value AS INTEGER) FROM meta WHERE key='hub_schema'");
}

common::Status HubSchema::Check(common::Database& db) {
  auto v = Version(db);
  if (!v.ok() || !v->has_value())
    return common::Corruption(db.path() + " is not a cenhub hub database");
  if (**v >= 4 && **v < HubSchema::kVersion)
    return common::Corruption(db.path() + " has schema version " + std::to_string(**v) +
                              "; start the hub (cen-hub run) once to upgrade it to " +
                              std::to_string(HubSchema::kVersion) +
                              " in place (a hub running the earlier cen-hub: restart it)");
  if (**v != HubSchema::kVersion)
    return common::Corruption(
        db.path() + " has schema version " + std::to_string(**v) + ", this cen-hub reads version " +
        std::to_string(HubSchema::kVersion) +
        " only and does not convert older files; make a new data directory with cen-hub init, "
        "allow the nodes again, and they re-offer their records to it");
  return common::Status::Ok();
}

common::Status HubSchema::Create(common::Database& db) {
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(db.Exec(kSchema));
  CEN_RETURN_IF_ERROR(db.Exec(kValidationsSql));
  CEN_RETURN_IF_ERROR(db.Exec(kAdminRequestsSql));
  CEN_RETURN_IF_ERROR(db.Exec(kAlertCancelsSql));
  CEN_RETURN_IF_ERROR(db.Exec(ReachHistory::kTableSql));
  auto ins = db.Prepare("INSERT INTO meta(key, value) VALUES (?, ?)");
  if (!ins.ok()) return ins.status();
  CEN_RETURN_IF_ERROR(ins->Bind(1, "hub_schema").Bind(2, std::to_string(kVersion)).Run());
  CEN_RETURN_IF_ERROR(ins->Bind(1, "epoch").Bind(2, NewEpoch()).Run());
  CEN_RETURN_IF_ERROR(ins->Bind(1, "created_at").Bind(2, common::Clock::NowRfc3339()).Run());
  return tx->Commit();
}

common::Result<common::Database> HubSchema::Open(const std::string& data_dir, bool as_hub) {
  const std::string path = DbPath(data_dir);
  if (!std::filesystem::exists(path))
    return common::NotFound(data_dir +
                            " is not a hub data directory (no hub.db); run: cen-hub init --data " +
                            data_dir);
  return OpenLocked(data_dir, common::Database::Mode::kReadWrite,
                    as_hub || !common::InstanceLock::IsHeld(data_dir, common::InstanceLock::kHub));
}

common::Result<common::Database> HubSchema::OpenReadOnly(const std::string& data_dir) {
  const std::string path = DbPath(data_dir);
  if (!std::filesystem::exists(path))
    return common::NotFound(data_dir + " is not a hub data directory (no hub.db)");
  return OpenLocked(data_dir, common::Database::Mode::kReadOnly, false);
}

}  // namespace cen::hub
