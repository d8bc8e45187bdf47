#include "common/priority_lane.h"

namespace cen::common {

Lane PriorityLane::Of(std::string_view kind, std::string_view priority, std::string_view action) {
  if (kind == "receipt") return action.empty() || action == "hit" ? Lane::kBulk : Lane::kHigh;
  if (kind != "alert") return Lane::kBulk;
  if (priority == "urgent") return Lane::kUrgent;
  if (priority == "high") return Lane::kHigh;
  return Lane::kBulk;
}

Lane PriorityLane::Of(const nlohmann::json& record) {
  if (!record.is_object()) return Lane::kBulk;
  auto text = [&](const char* key) -> std::string_view {
    auto it = record.find(key);
    if (it == record.end() || !it->is_string()) return {};
    return it->get_ref<const std::string&>();
  };
  return Of(text("kind"), text("priority"), text("action"));
}

Lane PriorityLane::Of(const MsgpackMap& record) {
  return Of(record.TextOr("kind", ""), record.TextOr("priority", ""), record.TextOr("action", ""));
}

std::string_view PriorityLane::Name(Lane lane) {
  switch (lane) {
    case Lane::kUrgent:
      return "urgent";
    case Lane::kHigh:
      return "high";
    case Lane::kBulk:
      break;
  }
  return "bulk";
}

}  // namespace cen::common
