// Who may see a record: the hub's one answer, used by the feed and by FETCH
// alike so the two can never disagree.
//   global         every registered node
//   region:CODE    nodes registered with region CODE
//   nodes:A,B      the listed nodes
//   group:NAME     members of group NAME while it has not expired
//   also:ID;SCOPE  node ID and whoever SCOPE names: the hub's own form for a
//                  RILO's acceptance of an NCP's record (the NCP, and the
//                  record's scope); never valid in a record a node sends
// The origin node always sees its own records. Unknown scope forms are seen by
// the origin only (fail closed). Revocation is the caller's business: a
// revoked node is served nothing at all.
//
//   ScopePolicy policy(&groups);
//   if (policy.MaySee(node, record_scope, record_origin)) Send(...);
//
// Not thread-safe: reads the GroupRegistry of the thread that owns it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/group_registry.h"
#include "hub/node_registry.h"

namespace cen::hub {

class ScopePolicy {
 public:
  explicit ScopePolicy(const GroupRegistry* groups) : groups_(groups) {}
  bool MaySee(const NodeInfo& node, std::string_view scope, std::string_view origin) const;
  // "also:ID;SCOPE" as (ID, SCOPE); nullopt for any other form.
  static std::optional<std::pair<std::string_view, std::string_view>> SplitAlso(
      std::string_view scope);
  static std::string Also(std::string_view node, std::string_view scope);
  // What in `scope` names no office there is ("" when nothing): a region no
  // office is registered in (with the region differing in letter case only,
  // when one is), a group never created, node ids not registered; or, when
  // all it names exists, that no office but `origin` may see it now (a
  // group without other members or expired, a region or list of the origin
  // alone, the others revoked). The hub journals such a record and warns its
  // origin in the ACK: a typo in a narrowing amendment takes the record back
  // from every office (a trial).
  std::string Unreachable(const NodeRegistry& registry, std::string_view scope,
                          std::string_view origin) const;
  // Unreachable's first part: what `scope` names that does not exist ("":
  // all it names exists).
  std::string Unnamed(const NodeRegistry& registry, std::string_view scope) const;
  // The offices a record reaches besides its origin: every registered node
  // that is not revoked and may see it, by id.
  std::vector<std::string> Audience(const NodeRegistry& registry, std::string_view scope,
                                    std::string_view origin) const;

 private:
  const GroupRegistry* groups_;  // not owned
};

}  // namespace cen::hub
