#include "common/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cen::common {

Result<StateFile> StateFile::Create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot open " + path + ": " + std::strerror(errno));
  // Exactly kSize bytes, whatever an older file held.
  if (::ftruncate(fd, static_cast<off_t>(kSize)) != 0) {
    const int error = errno;
    ::close(fd);
    return Internal("cannot size " + path + ": " + std::strerror(error));
  }
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(kSize));
  if (rc != 0) {
    ::close(fd);
    return Unavailable("cannot reserve " + std::to_string(kSize) + " bytes for " + path + ": " +
                       std::strerror(rc));
  }
  StateFile file(fd, path);
  CEN_RETURN_IF_ERROR(file.Write(nlohmann::json::object()));
  return file;
}

Result<nlohmann::json> StateFile::Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("no state file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  s.erase(s.find_last_not_of(std::string(" \n\0", 3)) + 1);
  if (s.empty()) return nlohmann::json::object();
  try {
    nlohmann::json j = nlohmann::json::parse(s);
    if (!j.is_object()) return Corruption(path + ": not a JSON object");
    return j;
  } catch (const nlohmann::json::exception& e) {
    return Corruption(path + ": " + e.what());  // a write torn by a crash
  }
}

StateFile::StateFile(StateFile&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

StateFile& StateFile::operator=(StateFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

StateFile::~StateFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status StateFile::Write(const nlohmann::json& state) {
  nlohmann::json shown = state;
  std::string text = shown.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Too long: shorten the longest strings until it fits.
  for (int round = 0; text.size() >= kSize && round < 16; ++round) {
    for (auto& [key, value] : shown.items()) {
      if (value.is_string() && value.get_ref<const std::string&>().size() > 256)
        value = value.get_ref<const std::string&>().substr(0, 256) + "...";
    }
    text = shown.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() >= kSize) shown = nlohmann::json{{"error", "state too large to show"}};
  }
  text.resize(kSize, ' ');
  text.back() = '\n';
  if (::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return Unavailable("cannot write " + path_ + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace cen::common
