// A second read-only connection to a node's node.db that reads the same
// snapshot as the first, so that a scan of every record can be split between
// two threads (`cen-query stats` and `routes` on two cores).
//
// Debian's SQLite is built without its snapshot API (SQLITE_ENABLE_SNAPSHOT),
// so a third connection holds node.db's write lock while both connections
// start reading: no commit can fall between them. It never waits for that
// lock: while a writer holds it (the agent applying a slice, a drop) there is
// no second connection and the scan runs on one. The lock is held for the two
// first reads only (both connections are open before it is taken).
//
//   auto snapshot = SharedSnapshot::Begin(db, o.data_dir);  // db: no transaction open
//   Collect(db, ...) beside Collect(*snapshot->second(), ...) when second() is not null
//   CEN_RETURN_IF_ERROR(snapshot->Commit());
//
// Not thread-safe itself; each connection is used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::node {

class SharedSnapshot {
 public:
  // Begins `db`'s read transaction (db must have none open) and, when
  // node.db's write lock is free, a second connection's on the same snapshot.
  static common::Result<SharedSnapshot> Begin(common::Database& db, const std::string& data_dir);

  SharedSnapshot(SharedSnapshot&&) noexcept = default;
  SharedSnapshot& operator=(SharedSnapshot&&) = delete;

  // The second connection, reading db's snapshot; null when the lock was busy.
  common::Database* second() const { return second_tx_ ? second_db_.get() : nullptr; }
  // Ends both read transactions.
  common::Status Commit();

 private:
  SharedSnapshot() = default;

  std::optional<common::Transaction> first_tx_;
  std::unique_ptr<common::Database> second_db_;   // declared before its transaction:
  std::optional<common::Transaction> second_tx_;  // which ends first
};

}  // namespace cen::node
