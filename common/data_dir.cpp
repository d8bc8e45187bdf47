#include "common/data_dir.h"

#include <filesystem>

namespace cen::common {

namespace fs = std::filesystem;

Status DataDir::CreateFresh(const std::string& dir, const std::string& store_file,
                            const std::string& what) {
  if (fs::exists(fs::path(dir) / store_file))
    return AlreadyExists(dir + " already holds " + what + " (" + store_file +
                         "); refusing to overwrite");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Internal("cannot restrict " + dir + " to its owner: " + ec.message());
  return Status::Ok();
}

Status DataDir::MakePrivate(const std::string& file) {
  std::error_code ec;
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  if (ec) return Internal("cannot make " + file + " private: " + ec.message());
  return Status::Ok();
}

}  // namespace cen::common
