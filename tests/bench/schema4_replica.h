// The frozen schema-4 replica apply path (node/agent/replica.cpp as of commit
// 010a039), kept only as the pipeline benchmark's peer: NATS JetStream
// consumers apply into it what cenhub's agents applied before schema 5. Do not
// use it anywhere else and do not "fix" it: its worth is that the statements
// it runs per record are the ones schema 4 ran (insert the version, upsert
// records, find its id, delete + insert countries, delete + insert full text).
// Left out from the original: the observer (alert tracker), ApplyUntil's
// deadline, the priority lane (ApplyEarly), Reset and the epoch.
//
//   auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
//   CheckOk(Schema4Replica::Create(*db), "schema 4");
//   Schema4Replica replica(&*db);
//   CheckOk(replica.Apply(records, last_gseq), "apply");  // one transaction
//
// Not thread-safe: one replica (and its Database) per thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::bench {

class Schema4Replica {
 public:
  // The replica tables of node.db schema 4 (tests/data/node_schema_v4.sql),
  // with the cursor row.
  static const char* const kSchemaSql;

  // Creates the schema-4 replica tables in an empty database.
  static common::Status Create(common::Database& db);

  explicit Schema4Replica(common::Database* db) : db_(db) {}

  // Applies `records` (each with a "gseq" above cursor(), ascending, and
  // "uuid", "version", "origin", "received_at") and moves the cursor to
  // `new_cursor`, in one transaction. A (uuid, version) already held is
  // ignored.
  common::Status Apply(const std::vector<nlohmann::json>& records, int64_t new_cursor);
  int64_t cursor() const { return cursor_; }

 private:
  struct Statements;
  common::Status ApplyOne(Statements& st, const nlohmann::json& rec, int64_t gseq);
  common::Status Index(Statements& st, const nlohmann::json& rec, const std::string& uuid,
                       int64_t version, int64_t gseq, const std::string& origin,
                       const std::string& received_at);
  common::Status KeepReceipt(Statements& st, const nlohmann::json& rec, const std::string& uuid,
                             int64_t version, int64_t gseq, const std::string& origin);
  common::Status LinkAlert(Statements& st, const nlohmann::json& rec, const std::string& uuid,
                           int64_t gseq);

  common::Database* db_;  // not owned
  int64_t cursor_ = 0;
};

}  // namespace cen::bench
