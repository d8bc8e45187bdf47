#include "common/state_file.h"

#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::StateFile;
using cen::common::StatusCode;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;

TEST_CASE("StateFile is overwritten in place and read by another process", "[common][state]") {
  TempDir tmp;
  const std::string path = tmp.File("agent.state");
  CHECK(StateFile::Read(path).status().code() == StatusCode::kNotFound);
  auto file = StateFile::Create(path);
  REQUIRE(file.ok());
  CHECK(std::filesystem::file_size(path) == StateFile::kSize);
  auto empty = StateFile::Read(path);
  REQUIRE(empty.ok());
  CHECK(*empty == json::object());

  RequireOk(file->Write({{"store", "node.db: database or disk is full"}, {"head", 42}}));
  RequireOk(file->Write({{"store", ""}}));  // shorter: nothing of the longer one stays
  auto back = StateFile::Read(path);
  REQUIRE(back.ok());
  CHECK(*back == json{{"store", ""}});
  CHECK(std::filesystem::file_size(path) == StateFile::kSize);

  // A very long cause is shortened, never refused.
  RequireOk(file->Write({{"store", std::string(10000, 'x')}}));
  back = StateFile::Read(path);
  REQUIRE(back.ok());
  CHECK(back->at("store").get<std::string>().size() < StateFile::kSize);
}

TEST_CASE("StateFile is written on a full disk", "[common][state]") {
  TempDir tmp;
  const std::string mnt = tmp.File("small");
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk case is not exercised");
    return;
  }
  {
    auto file = StateFile::Create(mnt + "/hub.state");
    REQUIRE(file.ok());
    {
      std::ofstream filler(mnt + "/filler", std::ios::binary);
      const std::string block(64 << 10, 'f');
      for (int i = 0; i < 64 && filler; ++i) filler << block;  // 4 MiB into 1 MiB
    }
    CHECK(std::filesystem::space(mnt).available < 4096);
    RequireOk(file->Write({{"store", "hub.db: database or disk is full"}}));
    auto back = StateFile::Read(mnt + "/hub.state");
    REQUIRE(back.ok());
    CHECK(back->at("store") == "hub.db: database or disk is full");
  }
  ::umount2(mnt.c_str(), MNT_DETACH);
}
