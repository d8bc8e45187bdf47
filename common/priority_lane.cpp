#include "common/priority_lane.h"

namespace cen::common {

Lane PriorityLane::Of(std::string_view kind, std::string_view priority) {
  if (kind != "alert") return Lane::kBulk;
  if (priority == "urgent") return Lane::kUrgent;
  if (priority == "high") return Lane::kHigh;
  return Lane::kBulk;
}

Lane PriorityLane::Of(const nlohmann::json& record) {
  if (!record.is_object()) return Lane::kBulk;
  auto kind = record.find("kind");
  auto priority = record.find("priority");
  if (kind == record.end() || !kind->is_string() || priority == record.end() ||
      !priority->is_string())
    return Lane::kBulk;
  return Of(kind->get_ref<const std::string&>(), priority->get_ref<const std::string&>());
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
