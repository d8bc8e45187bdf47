// LineReader, the NDJSON side of data drops: lines with LF or CRLF ends, a
// byte order mark skipped, and a line beyond its limit cut, never held whole.
#include "node/drops/line_reader.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

using cen::node::LineReader;

namespace {

struct ReadLine {
  std::string text;
  bool overlong;
};

std::vector<ReadLine> ReadAll(const std::string& input, size_t limit) {
  std::istringstream in(input);
  LineReader reader(in, limit);
  std::vector<ReadLine> out;
  for (std::string_view line; reader.Next(line);) {
    out.push_back({std::string(line), reader.overlong()});
    CHECK(reader.line() == static_cast<int64_t>(out.size()));
  }
  CHECK(reader.bytes_read() == input.size());
  return out;
}

}  // namespace

TEST_CASE("LineReader reads LF and CRLF lines, a BOM skipped, the last without its end",
          "[node][drops]") {
  const auto lines = ReadAll("\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":3}", 100);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].text == "{\"a\":1}");
  CHECK(lines[1].text.empty());
  CHECK(lines[2].text == "{\"b\":2}");
  CHECK(lines[3].text == "{\"c\":3}");
  CHECK(ReadAll("", 100).empty());
  CHECK(ReadAll("\n", 100).size() == 1);
}

TEST_CASE("LineReader cuts a line beyond its limit and reads on at the next line",
          "[node][drops]") {
  // A trial: a 250 MB line took 1 GB of memory to be refused, also in the
  // agent's drop folder. Across chunk boundaries too (64 KiB).
  const std::string huge(300000, 'x');
  const auto lines = ReadAll("{\"a\":1}\n" + huge + "\r\n{\"b\":2}\n", 1000);
  REQUIRE(lines.size() == 3);
  CHECK_FALSE(lines[0].overlong);
  CHECK(lines[1].overlong);
  CHECK(lines[1].text == std::string(1000, 'x'));
  CHECK_FALSE(lines[2].overlong);
  CHECK(lines[2].text == "{\"b\":2}");
}
