#include "node/query/shared_snapshot.h"

#include <utility>

#include "node/store/node_schema.h"

namespace cen::node {
namespace {

// A deferred transaction takes its snapshot at its first read.
common::Status FirstRead(common::Database& db) {
  auto read = db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE 0");
  return read.ok() ? common::Status::Ok() : read.status();
}

}  // namespace

common::Result<SharedSnapshot> SharedSnapshot::Begin(common::Database& db,
                                                     const std::string& data_dir) {
  SharedSnapshot snapshot;
  // Opened before the lock is taken, so that it is held for two reads only.
  auto second = NodeSchema::Open(data_dir, common::Database::Mode::kReadOnly);
  auto writer = common::Database::Open(NodeSchema::DbPath(data_dir),
                                       common::Database::Mode::kReadWrite, /*busy_timeout_ms=*/0);
  const bool locked = second.ok() && writer.ok() && writer->Exec("BEGIN IMMEDIATE").ok();

  auto first = db.BeginDeferred();
  if (!first.ok()) return first.status();
  snapshot.first_tx_.emplace(std::move(*first));
  CEN_RETURN_IF_ERROR(FirstRead(db));
  if (locked) {
    snapshot.second_db_ = std::make_unique<common::Database>(std::move(*second));
    auto tx = snapshot.second_db_->BeginDeferred();
    if (tx.ok()) {
      snapshot.second_tx_.emplace(std::move(*tx));
      if (!FirstRead(*snapshot.second_db_).ok()) snapshot.second_tx_.reset();
    }
    (void)writer->Exec("ROLLBACK");  // nothing was written
  }
  return snapshot;
}

common::Status SharedSnapshot::Commit() {
  if (second_tx_) CEN_RETURN_IF_ERROR(second_tx_->Commit());
  return first_tx_->Commit();
}

}  // namespace cen::node
