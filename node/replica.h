// The node's replica: records applied strictly in the hub's gseq order, each
// (uuid, version) once, with the cursor (hub epoch, last gseq) moved in the
// same transaction as the records it covers.
//
//   Replica replica(&db);
//   CEN_RETURN_IF_ERROR(replica.Load());
//   CEN_RETURN_IF_ERROR(replica.Apply(items, new_cursor));
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::node {

class Replica {
 public:
  explicit Replica(common::Database* db) : db_(db) {}

  common::Status Load();
  const std::string& epoch() const { return epoch_; }
  int64_t cursor() const { return cursor_; }

  // Applies `records` (each with gseq > cursor(), ascending) and moves the
  // cursor to `new_cursor` (>= the last gseq applied), in one transaction.
  // A record already applied is ignored.
  common::Status Apply(const std::vector<nlohmann::json>& records, int64_t new_cursor);
  // Forgets every replicated record and starts over under `epoch`.
  common::Status Reset(const std::string& epoch);
  // Adopts the epoch of the first hub this node meets.
  common::Status SetEpoch(const std::string& epoch);
  common::Result<int64_t> Count();

 private:
  struct Statements;
  // Makes (uuid, version) the latest version in `records` unless a newer one
  // is there, and re-indexes its countries and free text.
  common::Status Index(Statements& st, const nlohmann::json& rec, const std::string& uuid,
                       int64_t version, int64_t gseq, const std::string& origin,
                       const std::string& received_at);

  common::Database* db_;  // not owned
  std::string epoch_;
  int64_t cursor_ = 0;
};

}  // namespace cen::node
