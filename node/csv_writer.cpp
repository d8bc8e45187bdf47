#include "node/csv_writer.h"

#include <ostream>

namespace cen::node {

std::string CsvWriter::Quote(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void CsvWriter::WriteRow(const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out_ << ',';
    out_ << Quote(fields[i]);
  }
  out_ << "\r\n";
}

}  // namespace cen::node
