// hub.db: creates and checks the hub's tables (docs/SCHEMA.md describes them).
#pragma once

#include <string>

#include "common/sqlite_db.h"

namespace cen::hub {

class HubSchema {
 public:
  // 2: audit, groups, group_members, nodes.revoked_at, journal.chain.
  // 5: nodes.role and nodes.rilo, validations. 6: admin_requests.
  // 7: alert_cancels. 8: reach_changes.
  static constexpr int kVersion = 9;
  // Creates every table in a new hub.db and a random hub epoch.
  static common::Status Create(common::Database& db);
  // Opens an existing hub.db read-write, checking it is a cenhub hub database.
  // An older schema is upgraded in place, but not under a running hub that
  // another process is (`as_hub`: the caller is `cen-hub run`, holding
  // hub.lock): an earlier cen-hub still running would go on writing the
  // older schema's tables only (a cancel without its alert_cancels rows).
  static common::Result<common::Database> Open(const std::string& data_dir, bool as_hub = false);
  // Opens read-only (status commands).
  static common::Result<common::Database> OpenReadOnly(const std::string& data_dir);
  // Upgrades a hub.db of schema 4 to 7 in place (a read-write Open does it);
  // any other version is left for Check to judge.
  static common::Status Upgrade(common::Database& db);
  // meta.hub_schema of `db`; nullopt when it has none.
  static common::Result<std::optional<int64_t>> Version(common::Database& db);
  // Fails with kCorruption unless `db` is a cenhub hub database of kVersion.
  static common::Status Check(common::Database& db);
  // A new random hub epoch (16 hex digits).
  static std::string NewEpoch();
  static std::string DbPath(const std::string& data_dir) { return data_dir + "/hub.db"; }
};

}  // namespace cen::hub
