#include "node/drops/ndjson_record_reader.h"

#include <sstream>
#include <string>

#include "common/csv_writer.h"

namespace cen::node {

bool NdjsonRecordReader::Next(nlohmann::json& record, std::vector<DropIssue>& issues) {
  while (lines_.Next(text_)) {
    if (text_.find_first_not_of(" \t") == std::string_view::npos) continue;
    record = nlohmann::json::parse(text_, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) {
      issues.push_back(
          DropIssue::Of(lines_.line(), 0, "(line)", N_("not valid JSON (or not UTF-8)")));
    }
    return true;
  }
  return false;
}

void NdjsonRecordReader::WriteRejectHeader(std::ostream& out) const {
  out << "line,record,reason\r\n";
}

std::string NdjsonRecordReader::RejectPrefix() const {
  std::ostringstream out;
  out << lines_.line() << ',';
  common::CsvWriter::WriteField(out, text_);
  out << ',';
  return out.str();
}

}  // namespace cen::node
