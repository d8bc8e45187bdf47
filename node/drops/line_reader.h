// Lines of text, streamed from a std::istream (or an in-memory buffer in a
// std::istringstream): the NDJSON side of data drops. LF or CRLF line ends; a
// UTF-8 byte order mark at the very start is skipped.
//
//   LineReader reader(in);
//   for (std::string_view line; reader.Next(line);) Use(reader.line(), line);
//
// Not thread-safe; no global state.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

namespace cen::node {

class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in) {}

  // The next line without its line end; false at the end of the input. The
  // view stays valid until the next call.
  bool Next(std::string_view& line);
  // The 1-based number of the line Next() returned.
  int64_t line() const { return line_; }
  uint64_t bytes_read() const { return consumed_; }

 private:
  std::istream& in_;
  std::string text_;
  int64_t line_ = 0;
  uint64_t consumed_ = 0;
};

}  // namespace cen::node
