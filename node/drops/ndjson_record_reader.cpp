#include "node/drops/ndjson_record_reader.h"

#include <sstream>
#include <string>

#include "common/csv_writer.h"
#include "common/record_codec.h"

namespace cen::node {

bool NdjsonRecordReader::Next(common::Record& record, std::vector<DropIssue>& issues) {
  using common::RecordCodec;
  while (lines_.Next(text_)) {
    if (text_.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (lines_.overlong()) {
      record = {};
      issues.push_back(DropIssue::Of(lines_.line(), 0, "(line)",
                                     N_("line longer than {} bytes (a record is far shorter)"),
                                     LineReader::kMaxLineBytes));
      return true;
    }
    auto read = RecordCodec::FromJsonText(text_);
    if (auto* rec = std::get_if<common::Record>(&read)) {
      record = std::move(*rec);
      return true;
    }
    record = {};
    const auto& e = std::get<RecordCodec::JsonError>(read);
    const std::string field = e.field.empty() ? "(line)" : e.field;
    switch (e.problem) {
      case RecordCodec::JsonProblem::kNotJson:
        issues.push_back(
            DropIssue::Of(lines_.line(), 0, "(line)", N_("not valid JSON (or not UTF-8)")));
        break;
      case RecordCodec::JsonProblem::kNotAnObject:
        issues.push_back({lines_.line(), 0, "(record)", e.detail});
        break;
      case RecordCodec::JsonProblem::kBeyondInt64:
        issues.push_back(DropIssue::Of(lines_.line(), 0, field, DropIssue::kBeyondInt64));
        break;
      case RecordCodec::JsonProblem::kTooLarge:
        issues.push_back({lines_.line(), 0, field, e.detail});
        break;
      case RecordCodec::JsonProblem::kRepeatedKey:
        issues.push_back(
            e.detail.empty()
                ? DropIssue::Of(lines_.line(), 0, field,
                                N_("given twice in one record (which value is meant?)"))
                : DropIssue::Of(lines_.line(), 0, field,
                                N_("'{}' given twice in one object (which value is meant?)"),
                                e.detail));
        break;
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
