// `cen-query show UUID`: one record with every field, and its version history
// (who amended it, what changed, when).
#pragma once

#include <iosfwd>
#include <string>

#include "common/sqlite_db.h"
#include "node/query/query_options.h"

namespace cen::node {

class RecordShow {
 public:
  // o.uuid is a full uuid or a unique prefix of at least 8 characters. json
  // prints {"record": ..., "versions": [...]}; exporting an H2/H3 record that
  // way needs o.include_restricted. An alert's table ends with its life
  // cycle (AlertQueries::Chain).
  static common::Result<QueryOutcome> Run(common::Database& db, const QueryOptions& o,
                                          std::ostream& out);
  // The uuid `wanted` names: itself, or the one record whose uuid starts
  // with it (8+ characters). UsageError when it names none or several.
  static common::Result<std::string> Resolve(common::Database& db, const std::string& wanted);
};

}  // namespace cen::node
