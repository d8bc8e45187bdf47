// hub.toml in the hub's data directory: where the hub listens.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace cen::hub {

struct HubConfig {
  std::string hub_id = "hub";
  std::string bind = "127.0.0.1";
  int ingest_port = 7701;
  int feed_port = 7702;
  // Default: 16 MiB. Frames larger than this are dropped by libzmq.
  int64_t max_message_bytes = 16 * 1024 * 1024;

  static common::Result<HubConfig> Load(const std::string& data_dir);
  common::Status Save(const std::string& data_dir) const;
};

}  // namespace cen::hub
