// Personal details of offenders stay on the node that entered them. A user
// record may carry `offenders[i].nominal` ({name, document_number,
// birth_date}); Strip() takes them out before the record is encoded for the
// hub, and Save() keeps them in node.db's local-only offender_nominal table
// keyed by (uuid, version, offender index). Nothing in this table is ever put
// on the wire (docs/SECURITY.md).
//
//   nlohmann::json nominal = NominalDetails::Strip(record);  // record is now shareable
//   ... assign uuid and version, encode, queue ...
//   CEN_RETURN_IF_ERROR(NominalDetails::Save(db, uuid, version, nominal));
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/record.h"
#include "common/sqlite_db.h"

namespace cen::node {

class NominalDetails {
 public:
  // Removes every offenders[i].nominal from `record` and returns them as
  // [{"offender": i, "name": ..., ...}, ...] (empty array when none).
  static nlohmann::json Strip(common::Record& record);
  // Stores the stripped details for (uuid, version). REQUIRES: inside the
  // caller's transaction on node.db.
  static common::Status Save(common::Database& db, const std::string& uuid, int64_t version,
                             const nlohmann::json& details);
  // The details held for the latest version of `uuid` that has any (empty
  // array when this node holds none: another office's record, or none given).
  static common::Result<nlohmann::json> Load(common::Database& db, const std::string& uuid);
};

}  // namespace cen::node
