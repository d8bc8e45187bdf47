// The one rule for node ids and region codes: 1 to 64 of letters, digits,
// '_', '-', '.'. Never '/', which terminates feed topics (WireFrame::FeedTopic).
#pragma once

#include <string_view>

namespace cen::common {

class NodeId {
 public:
  // The origin of the records the hub operator makes (`cen-hub cancel-alert`).
  // No node may be registered under it.
  static constexpr std::string_view kHubOperator = "hub-operator";

  static bool IsValid(std::string_view id);
  // kHubOperator in any letter case (HUB-OPERATOR would pass for it).
  static bool IsReserved(std::string_view id);
};

}  // namespace cen::common
