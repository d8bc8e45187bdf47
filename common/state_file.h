// A daemon's last word about itself, in a file that never needs a new disk
// block: it is made at its full size when the daemon starts and overwritten
// in place, so the daemon can say why it is stuck even on a full disk, where
// SQLite can no longer write a status row. `cen-node status` and
// `cen-hub status` read it.
//
//   auto file = StateFile::Create(data_dir + "/agent.state");
//   CEN_RETURN_IF_ERROR(file->Write({{"store", health.cause()}}));
//   auto state = StateFile::Read(data_dir + "/agent.state");  // another process
//
// Not thread-safe; one writer per file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace cen::common {

class StateFile {
 public:
  static constexpr size_t kSize = 4096;

  // Creates or reuses `path` and gives it kSize bytes of disk now.
  static Result<StateFile> Create(const std::string& path);
  // The JSON object last written, or kNotFound when there is no file.
  static Result<nlohmann::json> Read(const std::string& path);

  StateFile(StateFile&& other) noexcept;
  StateFile& operator=(StateFile&& other) noexcept;
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;
  ~StateFile();

  // Overwrites the file with `state` (an object), padded with spaces to
  // kSize; long strings are shortened to fit.
  Status Write(const nlohmann::json& state);

 private:
  StateFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace cen::common
