// The lane a record travels in: urgent and high alerts overtake everything
// else (outbox, hub ingest and commit, feed, the replica's in-order apply);
// normal alerts and seizures share the bulk lane, in order. Receipts that say
// an alert was received or acted on travel in the high lane (they are small
// and tell an office its alert got through); hit receipts, which a broad
// indicator can make by the thousand, stay in bulk.
//
//   if (PriorityLane::Of(record) != Lane::kBulk) { /* send, commit, apply first */ }
//
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/msgpack_map.h"

namespace cen::common {

// Ordered: a higher lane goes first. The numbers are stored (outbox, journal).
enum class Lane : int { kBulk = 0, kHigh = 1, kUrgent = 2 };

class PriorityLane {
 public:
  // kUrgent for an alert of priority "urgent", kHigh for "high" and for a
  // receipt whose action is not "hit", else kBulk. Never throws, whatever
  // the record holds.
  static Lane Of(const nlohmann::json& record);
  static Lane Of(const MsgpackMap& record);
  static Lane Of(std::string_view kind, std::string_view priority, std::string_view action = "");
  static std::string_view Name(Lane lane);
};

}  // namespace cen::common
