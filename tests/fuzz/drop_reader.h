// Shared body of the drop-parser fuzz targets: reads every row of `data`
// through `reader` as `cen-node drop` does (header, rows, validation under
// the user policy, the rejects-file forms), checking that nothing crashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <vector>

#include "common/record_validator.h"
#include "node/drops/drop_record_reader.h"

inline void FuzzDropReader(cen::node::DropRecordReader& reader) {
  static const cen::common::RecordValidator validator(cen::common::KeyPolicy::kRefuseUnknown,
                                                      "2026-11-28");
  std::vector<cen::node::DropIssue> issues;
  std::ostringstream rejects;
  if (!reader.Start(issues)) return;
  reader.WriteRejectHeader(rejects);
  nlohmann::json record;
  for (int rows = 0; rows < 10000; ++rows) {
    issues.clear();
    record = nlohmann::json();
    if (!reader.Next(record, issues)) break;
    rejects << reader.RejectPrefix();
    if (!issues.empty()) continue;
    // A line that is JSON but not an object is the validator's to refuse.
    for (const auto& error : validator.Validate(record)) (void)reader.ColumnOf(error.field);
  }
}
