// The one rule for node ids and region codes: 1 to 64 of letters, digits,
// '_', '-', '.'. Never '/', which terminates feed topics (WireFrame::FeedTopic).
#pragma once

#include <string_view>

namespace cen::common {

class NodeId {
 public:
  static bool IsValid(std::string_view id);
};

}  // namespace cen::common
