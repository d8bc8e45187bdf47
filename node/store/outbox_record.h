// A validated record made ready for the outbox without touching node.db: its
// key (kind, ref), the uuid it names if any, its personal details taken out
// (NominalDetails), its lane, the alerts it raises, and its msgpack body
// encoded around the uuid and version that only the outbox can assign.
// Building one is the CPU-heavy half of queueing a record, so a drop builds
// them on its reading thread and its writing thread only stores them.
//
//   OutboxRecord ready(std::move(validated_record));  // any thread
//   auto queued = outbox.Queue(ready, "FILE:LINE");  // the thread holding node.db
//
// Body(uuid, version) is byte for byte MsgpackJson::Encode() of the record
// with "uuid" and "version" set, so that an unchanged record is recognised
// by comparing bodies. Immutable once built; thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/priority_lane.h"
#include "common/record.h"

namespace cen::node {

class OutboxRecord {
 public:
  // REQUIRES: `record` passed RecordValidator (a string kind and ref).
  explicit OutboxRecord(common::Record record);
  // The same for a JSON tree (receipts and decisions the node makes).
  explicit OutboxRecord(const nlohmann::json& record);

  const std::string& kind() const { return kind_; }
  const std::string& ref() const { return ref_; }
  // The uuid the record named ("" when none): it must agree with the one
  // its ref already has.
  const std::string& given_uuid() const { return given_uuid_; }
  // NominalDetails::Strip() of the record (an empty array when none).
  const nlohmann::json& nominal() const { return nominal_; }
  common::Lane lane() const { return lane_; }
  // An urgent or high update or cancel: the alerts (uuids) it references,
  // which must reach the hub before it and so move up to its lane.
  const std::vector<std::string>& raises() const { return raises_; }
  // An alert's update or cancel: the alerts (uuids) it references, which
  // only their origin may change.
  const std::vector<std::string>& changes() const { return changes_; }
  // Its handling code ("H0" to "H3"; "" when it has none: receipts, decisions).
  const std::string& handling() const { return handling_; }
  // The body to store and send for (uuid, version).
  std::string Body(std::string_view uuid, int64_t version) const;
  // An update or cancel that does not say which version of each alert it was
  // written against (`alert_versions`, PROTOCOL.md §4.1): the outbox says it.
  bool wants_alert_versions() const { return change_.has_value(); }
  // Body() with `alert_versions` set to `versions` (msgpack: a map of alert
  // uuid to version) when it is given and the record wants them.
  std::string Body(std::string_view uuid, int64_t version,
                   const std::optional<std::string>& versions) const;

 private:
  std::string kind_;
  std::string ref_;
  std::string given_uuid_;
  nlohmann::json nominal_;
  common::Lane lane_ = common::Lane::kBulk;
  std::vector<std::string> raises_;
  std::vector<std::string> changes_;
  std::string handling_;
  // An update or cancel without alert_versions: the record, encoded again
  // with them (few records: alerts' changes).
  std::optional<common::Record> change_;
  // The encoded record without uuid and version, and where their pairs go
  // (map keys are in byte order: "uuid" at uuid_at_, "version" at version_at_).
  std::string packed_;
  size_t uuid_at_ = 0;
  size_t version_at_ = 0;
};

}  // namespace cen::node
