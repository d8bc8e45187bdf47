// Who may see a record: the hub's one answer, used by the feed and by FETCH
// alike so the two can never disagree.
//   global         every registered node
//   region:CODE    nodes registered with region CODE
//   nodes:A,B      the listed nodes
//   group:NAME     members of group NAME while it has not expired
// The origin node always sees its own records. Unknown scope forms are seen by
// the origin only (fail closed). Revocation is the caller's business: a
// revoked node is served nothing at all.
//
//   ScopePolicy policy(&groups);
//   if (policy.MaySee(node, record_scope, record_origin)) Send(...);
//
// Not thread-safe: reads the GroupRegistry of the thread that owns it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub/group_registry.h"
#include "hub/node_registry.h"

namespace cen::hub {

class ScopePolicy {
 public:
  explicit ScopePolicy(const GroupRegistry* groups) : groups_(groups) {}
  bool MaySee(const NodeInfo& node, std::string_view scope, std::string_view origin) const;
  // The offices a record reaches besides its origin: every registered node
  // that is not revoked and may see it, by id.
  std::vector<std::string> Audience(const NodeRegistry& registry, std::string_view scope,
                                    std::string_view origin) const;

 private:
  const GroupRegistry* groups_;  // not owned
};

}  // namespace cen::hub
