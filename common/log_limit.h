// `max_log_mib` in hub.toml and node.toml: how large a daemon's SQLite
// write-ahead log may grow before its bulk writes pause for a checkpoint
// (WalCheckpointer), and the size its file is cut back to.
//
//   auto mib = LogLimit::Read(table);                  // 64 when the key is absent
//   if (!mib.ok()) return InvalidInput(path + ": " + mib.status().message());
//   WalCheckpointer::StartBounded(db, *mib);  // LogLimit::Frames and Bytes inside
#pragma once

#include <toml++/toml.h>

#include <cstdint>

#include "common/status.h"

namespace cen::common {

class LogLimit {
 public:
  static constexpr const char* kKey = "max_log_mib";
  static constexpr int64_t kDefaultMib = 64;
  static constexpr int64_t kMaxMib = 65536;

  // The key's value in `table`, or kDefaultMib; an error names the key and
  // what it must be (an integer from 1 to kMaxMib).
  static Result<int64_t> Read(const toml::table& table);
  static Status Check(int64_t mib);
  // In log frames of one page each, for a database of `page_size` bytes a
  // page (16 KiB for files made since 2026-12-05, 4 KiB before).
  static int64_t Frames(int64_t mib, int64_t page_size) { return Bytes(mib) / page_size; }
  static int64_t Bytes(int64_t mib) { return mib * 1024 * 1024; }
};

}  // namespace cen::common
