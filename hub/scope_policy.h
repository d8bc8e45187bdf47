// Who may see a record: the hub's one answer, used by the feed and by FETCH
// alike so the two can never disagree.
//   global         every registered node
//   region:CODE    nodes registered with region CODE
//   nodes:A,B      the listed nodes
// The origin node always sees its own records. Unknown scope forms are seen by
// the origin only (fail closed).
#pragma once

#include <string_view>

#include "hub/node_registry.h"

namespace cen::hub {

class ScopePolicy {
 public:
  static bool MaySee(const NodeInfo& node, std::string_view scope, std::string_view origin);
};

}  // namespace cen::hub
