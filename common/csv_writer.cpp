#include "common/csv_writer.h"

namespace cen::common {

void CsvWriter::WriteField(std::ostream& out, std::string_view field) {
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out << field;
    return;
  }
  out << '"';
  for (const char c : field) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void CsvWriter::WriteRow(std::ostream& out, std::span<const std::string> fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << ',';
    WriteField(out, fields[i]);
  }
  out << "\r\n";
}

}  // namespace cen::common
