// Writes RFC 4180 CSV: CRLF line ends, fields with a comma, quote, CR or LF
// quoted, quotes doubled. The text is written as given (UTF-8, no BOM).
//
//   CsvWriter csv(std::cout);
//   csv.WriteRow({"uuid", "description"});
//   csv.WriteRow({id, "Kokain, \"gut versteckt\""});
//
// Thread-compatible.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cen::node {

class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {}
  void WriteRow(const std::vector<std::string>& fields);
  static std::string Quote(const std::string& field);

 private:
  std::ostream& out_;
};

}  // namespace cen::node
