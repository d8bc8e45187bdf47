// RFC 4180 CSV, streamed: one row at a time from a std::istream, so a file of
// any size costs the memory of its longest row. Also reads an in-memory buffer
// (wrap it in a std::istringstream), which is what a fuzz target needs.
//
//   CsvReader reader(in);
//   while (true) {
//     auto row = reader.Next();
//     if (!row.ok()) { Report(reader.error()); continue; }  // resumes at the next line
//     if (!*row) break;                                        // end of input
//     for (const std::string& field : reader.fields()) ...
//   }
//
// Accepted: a UTF-8 byte order mark at the very start (skipped), LF or CRLF
// line ends, fields in double quotes with "" for a quote and line breaks
// inside. Refused, with the line and column: a quote inside an unquoted field,
// text after a closing quote, a quoted field still open at the end of the
// input, a row longer than `max_row_bytes`. Bytes are passed through as they
// are: checking the encoding is the caller's business.
//
// Not thread-safe; no global state.
#pragma once

#include <cstdint>
#include <istream>
#include <span>
#include <string>
#include <vector>

#include "common/messages.h"
#include "common/status.h"

namespace cen::node {

class CsvReader {
 public:
  struct Error {
    int64_t line = 0;
    size_t column = 0;      // 1-based field number in the row
    std::string reason;     // in English
    std::string localized;  // in the reader's language
  };

  explicit CsvReader(std::istream& in, size_t max_row_bytes = size_t{1} << 20);

  // Reads the next row. True with a row in fields(), false at the end of the
  // input; kInvalidInput with error() filled for a malformed row, after which
  // the reader has skipped to the start of the next line.
  common::Result<bool> Next();

  // The fields of the row Next() read (also the part read of a malformed one).
  std::span<const std::string> fields() const { return {fields_.data(), count_}; }
  // The line the last row started on, 1-based.
  int64_t line() const { return row_line_; }
  const Error& error() const { return error_; }
  // Bytes consumed from the stream so far (for progress).
  uint64_t bytes_read() const { return consumed_; }
  // The line of the input's last row when it had no line end (a file cut
  // short ends so, and so do many whole ones); 0 otherwise.
  int64_t unterminated_line() const { return unterminated_line_; }

 private:
  bool Fill();
  std::string& NewField();
  // Records the error `msgid` (a catalogue message, "{}" filled by `args`).
  template <typename... Args>
  common::Status Fail(const char* msgid, const Args&... args) {
    return Failed({row_line_, count_, fmt::format(fmt::runtime(msgid), args...),
                   common::Messages::Format(msgid, args...)});
  }
  common::Status Failed(Error error);
  // Consumes the rest of a row whose bytes are not kept (too long), through
  // its quoted fields' line breaks (`quoted`: inside one, opened on
  // `quote_line`). Returns 0 once the row has ended, or the line of a quote
  // still open at the end of the input.
  int64_t SkipRow(bool quoted, int64_t quote_line);
  // The error of a quoted field opened on `quote_line` and never closed.
  common::Status NeverClosed(int64_t quote_line);

  std::istream& in_;
  const size_t max_row_bytes_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool started_ = false;  // the BOM check is done
  bool eof_ = false;
  bool ends_with_newline_ = false;  // of the bytes read before the last chunk
  bool row_ended_ = false;          // SkipRow() stopped at a line end, not the input's end
  uint64_t consumed_ = 0;
  int64_t line_ = 1;  // line of the next byte
  int64_t row_line_ = 0;
  int64_t unterminated_line_ = 0;
  std::vector<std::string> fields_;  // storage reused across rows
  size_t count_ = 0;
  size_t row_bytes_ = 0;
  Error error_;
};

}  // namespace cen::node
