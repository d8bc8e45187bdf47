// Shared body of the drop-parser fuzz targets: reads every row of `data`
// through `reader` as `cen-node drop` does (header, rows, validation under
// the user policy, the rejects-file forms), checking that nothing crashes
// and that each typed record survives its own bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "common/record_codec.h"
#include "common/record_validator.h"
#include "node/drops/drop_record_reader.h"

inline void FuzzDropReader(cen::node::DropRecordReader& reader) {
  static const cen::common::RecordValidator validator(cen::common::KeyPolicy::kRefuseUnknown,
                                                      "2026-11-28");
  std::vector<cen::node::DropIssue> issues;
  std::ostringstream rejects;
  if (!reader.Start(issues)) return;
  reader.WriteRejectHeader(rejects);
  cen::common::Record record;
  for (int rows = 0; rows < 10000; ++rows) {
    issues.clear();
    if (!reader.Next(record, issues)) break;
    rejects << reader.RejectPrefix();
    if (!issues.empty()) continue;
    // The typed record keeps every value: its bytes read back give the same
    // bytes (compared as bytes: a CSV cell "nan(e)" is a NaN, unequal to itself).
    const std::string bytes = cen::common::RecordCodec::Encode(record);
    const msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
    if (cen::common::RecordCodec::Encode(cen::common::RecordCodec::Decode(handle.get())) != bytes)
      __builtin_trap();
    for (const auto& error : validator.Validate(record)) (void)reader.ColumnOf(error.field);
  }
}
