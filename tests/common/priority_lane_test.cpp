#include "common/priority_lane.h"

#include <catch2/catch.hpp>

using cen::common::Lane;
using cen::common::PriorityLane;
using nlohmann::json;

TEST_CASE("Urgent and high alerts travel in the priority lanes", "[common][lane]") {
  CHECK(PriorityLane::Of(json{{"kind", "alert"}, {"priority", "urgent"}}) == Lane::kUrgent);
  CHECK(PriorityLane::Of(json{{"kind", "alert"}, {"priority", "high"}}) == Lane::kHigh);
  CHECK(PriorityLane::Of(json{{"kind", "alert"}, {"priority", "normal"}}) == Lane::kBulk);
  // A seizure never overtakes, whatever it claims.
  CHECK(PriorityLane::Of(json{{"kind", "seizure"}, {"priority", "urgent"}}) == Lane::kBulk);
  // Odd input is bulk, never an exception.
  CHECK(PriorityLane::Of(json{{"kind", "alert"}, {"priority", 3}}) == Lane::kBulk);
  CHECK(PriorityLane::Of(json::array()) == Lane::kBulk);
  CHECK(PriorityLane::Of(json{{"kind", "alert"}}) == Lane::kBulk);
  CHECK(static_cast<int>(Lane::kUrgent) > static_cast<int>(Lane::kHigh));
  CHECK(PriorityLane::Name(Lane::kHigh) == "high");
}
