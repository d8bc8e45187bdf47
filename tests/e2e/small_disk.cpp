#include "tests/e2e/small_disk.h"

#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <utility>

namespace cen::e2e {

namespace fs = std::filesystem;

SmallDisk::SmallDisk(fs::path dir, int megabytes)
    : dir_(std::move(dir)), disk_(dir_.string() + ".disk") {
  fs::create_directories(disk_);
  if (::mount("tmpfs", disk_.c_str(), "tmpfs", 0,
              ("size=" + std::to_string(megabytes) + "m").c_str()) != 0)
    return;
  fs::copy(dir_, disk_, fs::copy_options::recursive);
  if (::mount(disk_.c_str(), dir_.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    ::umount2(disk_.c_str(), MNT_DETACH);
    return;
  }
  mounted_ = true;
}

SmallDisk::~SmallDisk() {
  if (!mounted_) return;
  ::umount2(dir_.c_str(), MNT_DETACH);
  ::umount2(disk_.c_str(), MNT_DETACH);
}

void SmallDisk::Fill() {
  std::FILE* f = std::fopen((dir_ / "filler").c_str(), "ab");
  REQUIRE(f != nullptr);
  std::setvbuf(f, nullptr, _IONBF, 0);
  const std::string block(1 << 20, 'f');
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
  }
  while (std::fwrite(block.data(), 1, 512, f) == 512) {
  }
  std::fclose(f);
  CHECK(fs::space(dir_).available < 4096);
}

void SmallDisk::Free() { fs::remove(dir_ / "filler"); }

}  // namespace cen::e2e
