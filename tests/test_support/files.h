// A whole file as a string, for tests that check what a program wrote
// (a log, a rejects file, a schema dump). A missing file reads as "".
//
//   REQUIRE(cen::test::ReadFile(dir / "big.csv.rejects.csv").find("uuid") != std::string::npos);
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cen::test {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cen::test
