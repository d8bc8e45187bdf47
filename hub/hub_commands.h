// What each `cen-hub` subcommand does; main.cpp only parses arguments.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

#include "common/status.h"

namespace cen::hub {

struct InitOptions {
  std::string data_dir;
  std::string bind = "127.0.0.1";
  int ingest_port = 7701;
  int feed_port = 7702;
  std::string hub_id = "hub";
};

struct AllowOptions {
  std::string data_dir;
  std::string node_id;
  std::string key;  // Z85 text or the path of a public key file
  std::string region;
};

struct StatusOptions {
  std::string data_dir;
  bool json = false;
};

class HubCommands {
 public:
  // Creates the data directory, hub.db, hub.toml and the CURVE key pair;
  // prints the public key on `out`.
  static common::Status Init(const InitOptions& o, std::ostream& out);
  static common::Status Allow(const AllowOptions& o, std::ostream& out);
  static common::Status Run(const std::string& data_dir, const std::atomic<bool>& stop);
  static common::Status Status(const StatusOptions& o, std::ostream& out);
};

}  // namespace cen::hub
