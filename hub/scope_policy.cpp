#include "hub/scope_policy.h"

#include <algorithm>
#include <cctype>

namespace cen::hub {

bool ScopePolicy::MaySee(const NodeInfo& node, std::string_view scope,
                         std::string_view origin) const {
  if (node.id == origin) return true;
  if (const auto also = SplitAlso(scope)) {
    return also->first == node.id || MaySee(node, also->second, origin);
  }
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

std::optional<std::pair<std::string_view, std::string_view>> ScopePolicy::SplitAlso(
    std::string_view scope) {
  constexpr std::string_view kAlso = "also:";
  if (scope.substr(0, kAlso.size()) != kAlso) return std::nullopt;
  const size_t semicolon = scope.find(';');
  if (semicolon == std::string_view::npos) return std::nullopt;
  return std::make_pair(scope.substr(kAlso.size(), semicolon - kAlso.size()),
                        scope.substr(semicolon + 1));
}

std::string ScopePolicy::Also(std::string_view node, std::string_view scope) {
  return "also:" + std::string(node) + ";" + std::string(scope);
}

namespace {
constexpr std::string_view kAlone = "; the record would reach its origin alone";
}  // namespace

std::string ScopePolicy::Unreachable(const NodeRegistry& registry, std::string_view scope,
                                     std::string_view origin) const {
  if (std::string unnamed = Unnamed(registry, scope); !unnamed.empty()) return unnamed;
  if (scope.rfind("region:", 0) != 0 && scope.rfind("group:", 0) != 0 &&
      scope.rfind("nodes:", 0) != 0)
    return "";
  // What it names exists, and may still reach nobody else: a group made and
  // never filled, expired, or whose members were revoked; a region or a list
  // of the origin alone (a trial: group:TMP, group:OLD, group:sea beside SEA).
  for (const auto& [id, node] : registry.nodes()) {
    if (!node.revoked && id != origin && MaySee(node, scope, origin)) return "";
  }
  return "no office but the origin may see " + std::string(scope) + " now" +
         (scope.rfind("group:", 0) == 0 ? " (cen-hub group list shows its members and expiry)"
                                        : "") +
         std::string(kAlone);
}

std::string ScopePolicy::Unnamed(const NodeRegistry& registry, std::string_view scope) const {
  if (scope.rfind("region:", 0) == 0) {
    const std::string_view region = scope.substr(7);
    std::string other_case;
    for (const auto& [id, node] : registry.nodes()) {
      if (node.region == region) return "";
      if (node.region.size() == region.size() &&
          std::equal(region.begin(), region.end(), node.region.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          }))
        other_case = node.region;
    }
    return "no office is registered in region '" + std::string(region) + "'" +
           (other_case.empty() ? ""
                               : " (regions differ in letter case: region:" + other_case + "?)") +
           std::string(kAlone);
  }
  if (scope.rfind("group:", 0) == 0) {
    const std::string_view name = scope.substr(6);
    if (groups_->Exists(name)) return "";
    return "no group '" + std::string(name) + "' was created (cen-hub group list)" +
           std::string(kAlone);
  }
  if (scope.rfind("nodes:", 0) == 0) {
    std::string_view list = scope.substr(6);
    std::string unknown;
    bool any_known = false;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      const std::string id(list.substr(0, comma));
      if (registry.Find(id) == nullptr) {
        unknown += (unknown.empty() ? "'" : ", '") + id + "'";
      } else {
        any_known = true;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    if (unknown.empty()) return "";
    return "no office " + unknown + " is registered" + (any_known ? "" : std::string(kAlone));
  }
  return "";
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
