#include "hub/scope_policy.h"

namespace cen::hub {

bool ScopePolicy::MaySee(const NodeInfo& node, std::string_view scope,
                         std::string_view origin) const {
  if (node.id == origin) return true;
  if (scope == "global") return true;
  if (scope.rfind("region:", 0) == 0) {
    return !node.region.empty() && scope.substr(7) == node.region;
  }
  if (scope.rfind("group:", 0) == 0) return groups_->IsMember(scope.substr(6), node.id);
  if (scope.rfind("nodes:", 0) == 0) {
    std::string_view list = scope.substr(6);
    while (!list.empty()) {
      const size_t comma = list.find(',');
      if (list.substr(0, comma) == node.id) return true;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    return false;
  }
  return false;
}

std::vector<std::string> ScopePolicy::Audience(const NodeRegistry& registry, std::string_view scope,
                                               std::string_view origin) const {
  std::vector<std::string> out;
  for (const auto& [id, node] : registry.nodes()) {
    if (!node.revoked && id != origin && MaySee(node, scope, origin)) out.push_back(id);
  }
  return out;
}

}  // namespace cen::hub
