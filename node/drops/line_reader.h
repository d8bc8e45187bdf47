// Lines of text, streamed from a std::istream (or an in-memory buffer in a
// std::istringstream): the NDJSON side of data drops. LF or CRLF line ends; a
// UTF-8 byte order mark at the very start is skipped.
//
//   LineReader reader(in);
//   for (std::string_view line; reader.Next(line);) Use(reader.line(), line);
//
// A line longer than `max_line_bytes` is returned cut to that length, with
// overlong() true: the rest of it is read past, never held (a trial's 250 MB
// line took 1 GB of memory to be refused).
//
// Not thread-safe; no global state.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace cen::node {

class LineReader {
 public:
  // Far beyond a record's line: the hub takes a record of up to 4 MiB
  // encoded, whose JSON text may be longer (escapes).
  static constexpr size_t kMaxLineBytes = size_t{16} << 20;

  explicit LineReader(std::istream& in, size_t max_line_bytes = kMaxLineBytes);

  // The next line without its line end; false at the end of the input. The
  // view stays valid until the next call.
  bool Next(std::string_view& line);
  // The 1-based number of the line Next() returned.
  int64_t line() const { return line_; }
  // The line Next() returned was longer than max_line_bytes (it is cut).
  bool overlong() const { return overlong_; }
  uint64_t bytes_read() const { return consumed_; }

 private:
  bool Fill();

  std::istream& in_;
  const size_t max_line_bytes_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  std::string text_;
  int64_t line_ = 0;
  uint64_t consumed_ = 0;
  bool overlong_ = false;
};

}  // namespace cen::node
