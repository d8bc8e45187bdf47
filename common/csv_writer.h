// Writes CSV rows the way CsvReader reads them (RFC 4180): a field is quoted
// when it holds a comma, a quote, a line break or leading/trailing spaces.
//
//   CsvWriter::WriteRow(out, {"kind", "ref", "description"});
//
// Thread-safe (no state).
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace cen::common {

class CsvWriter {
 public:
  static void WriteRow(std::ostream& out, std::span<const std::string> fields);
  static void WriteField(std::ostream& out, std::string_view field);
};

}  // namespace cen::common
