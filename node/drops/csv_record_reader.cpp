#include "node/drops/csv_record_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>

#include "common/csv_writer.h"
#include "common/record_fields.h"
#include "common/utf8.h"

namespace cen::node {
namespace {

using nlohmann::json;

constexpr std::string_view kRequiredColumns[] = {"kind", "ref"};
constexpr std::string_view kIndicatorsPrefix = "indicators.";

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// `text` as a JSON number when it is one, else as a string (the validator
// then names the field and says what it must be).
json Number(std::string_view text, bool integer_only) {
  const char* const end = text.data() + text.size();
  const bool integral = text.find_first_of(".eE") == std::string_view::npos;
  if (integral) {
    int64_t value = 0;
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && p == end) return value;
  } else if (!integer_only) {
    double value = 0;
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && p == end) return value;
  }
  return std::string(text);
}

// Calls item(text) for each non-empty, trimmed item between `separator`s.
template <typename Item>
void Split(std::string_view text, char separator, Item item) {
  while (true) {
    const size_t at = text.find(separator);
    const std::string_view part = Trim(text.substr(0, at));
    if (!part.empty()) item(part);
    if (at == std::string_view::npos) return;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

bool CsvRecordReader::Start(std::vector<DropIssue>& issues) {
  auto row = csv_.Next();
  if (!row.ok()) {
    issues.push_back({csv_.error().line, csv_.error().column, "(header)", csv_.error().reason,
                      csv_.error().localized});
    return false;
  }
  if (!*row) {
    issues.push_back(DropIssue::Of(1, 0, "(header)",
                                   N_("the file is empty: a CSV drop starts with a header row")));
    return false;
  }
  const size_t before = issues.size();
  const auto cells = csv_.fields();
  header_.assign(cells.begin(), cells.end());
  for (size_t i = 0; i < header_.size(); ++i) {
    const std::string name(Trim(header_[i]));
    const auto fields = common::RecordFields::All();
    const auto spec = std::find_if(fields.begin(), fields.end(), [&](const common::FieldSpec& f) {
      return f.csv != common::CsvCell::kNone && common::RecordFields::CsvColumn(f) == name;
    });
    if (spec == fields.end()) {
      const std::string shown = common::Utf8::IsValid(name) ? name : "(not UTF-8)";
      issues.push_back(DropIssue::Of(csv_.line(), i + 1, shown.empty() ? "(header)" : shown,
                                     N_("unknown column; the header names canonical fields "
                                        "(cen-node drop --template seizure shows them)")));
      continue;
    }
    for (size_t j = 0; j < columns_.size(); ++j) {
      if (columns_[j].name == name) {
        issues.push_back(DropIssue::Of(csv_.line(), i + 1, name,
                                       N_("column given twice (also column {})"), ColumnOf(name)));
      }
    }
    columns_.push_back({name, spec->csv});
  }
  for (const std::string_view required : kRequiredColumns) {
    if (ColumnOf(required) == 0) {
      issues.push_back(
          DropIssue::Of(csv_.line(), 0, std::string(required), N_("required column missing")));
    }
  }
  return issues.size() == before;
}

size_t CsvRecordReader::ColumnOf(std::string_view field) const {
  std::string_view name = field.substr(0, field.find('['));
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name == name) return i + 1;
    }
    name = name.substr(0, name.find('.'));
  }
  return 0;
}

void CsvRecordReader::Convert(size_t column, const std::string& cell, json& record,
                              std::vector<DropIssue>& issues) const {
  const Column& c = columns_[column];
  const std::string_view name = c.name;
  if (!common::Utf8::IsValid(cell)) {
    issues.push_back(
        DropIssue::Of(csv_.line(), column + 1, c.name,
                      N_("not valid UTF-8 (save the file as UTF-8, not Latin-1 or Windows-1252)")));
    return;
  }
  json value;
  using common::CsvCell;
  switch (c.type) {
    case CsvCell::kNone:  // never a column
    case CsvCell::kText:
      value = cell;
      break;
    case CsvCell::kCode:
      value = Trim(cell);
      break;
    case CsvCell::kNumber:
    case CsvCell::kInteger:
      value = Number(Trim(cell), c.type == CsvCell::kInteger);
      break;
    case CsvCell::kList:
      value = json::array();
      Split(cell, ';', [&](std::string_view item) { value.push_back(item); });
      break;
    case CsvCell::kRoutes:
      value = json::array();
      Split(cell, ';', [&](std::string_view route) {
        json countries = json::array();
        Split(route, '>', [&](std::string_view country) { countries.push_back(country); });
        value.push_back(std::move(countries));
      });
      break;
    case CsvCell::kOffenders:
      value = json::array();
      Split(cell, ';', [&](std::string_view item) {
        std::vector<std::string_view> parts;
        for (size_t from = 0;;) {
          const size_t slash = item.find('/', from);
          parts.push_back(Trim(item.substr(from, slash - from)));
          if (slash == std::string_view::npos) break;
          from = slash + 1;
        }
        if (parts.size() > 3) {
          issues.push_back(
              DropIssue::Of(csv_.line(), column + 1, c.name,
                            N_("item '{}' must be NATIONALITY/GENDER/AGE, like CO/M/34"), item));
          return;
        }
        parts.resize(3);
        json offender = json::object();
        if (!parts[0].empty()) offender["nationality"] = parts[0];
        if (!parts[1].empty()) offender["gender"] = parts[1];
        if (!parts[2].empty()) offender["age"] = Number(parts[2], /*integer_only=*/true);
        value.push_back(std::move(offender));
      });
      break;
  }
  if (name.starts_with(kIndicatorsPrefix)) {
    record["indicators"][std::string(name.substr(kIndicatorsPrefix.size()))] = std::move(value);
  } else {
    record[c.name] = std::move(value);
  }
}

bool CsvRecordReader::Next(json& record, std::vector<DropIssue>& issues) {
  while (true) {
    auto row = csv_.Next();
    if (!row.ok()) {
      const CsvReader::Error& e = csv_.error();
      const std::string field =
          e.column >= 1 && e.column <= columns_.size() ? columns_[e.column - 1].name : "(row)";
      issues.push_back({e.line, e.column, field, e.reason, e.localized});
      record = nullptr;
      return true;
    }
    if (!*row) return false;
    const auto cells = csv_.fields();
    if (cells.size() == 1 && Trim(cells[0]).empty()) continue;  // a blank line
    record = json::object();
    if (cells.size() != columns_.size()) {
      issues.push_back(DropIssue::Of(csv_.line(), 0, "(row)",
                                     N_("has {} fields; the header has {}"), cells.size(),
                                     columns_.size()));
      return true;
    }
    for (size_t i = 0; i < cells.size(); ++i) {
      if (!cells[i].empty()) Convert(i, cells[i], record, issues);
    }
    return true;
  }
}

void CsvRecordReader::WriteRejectHeader(std::ostream& out) const {
  std::vector<std::string> header = header_;
  header.push_back("reason");
  common::CsvWriter::WriteRow(out, header);
}

std::string CsvRecordReader::RejectPrefix() const {
  std::ostringstream out;
  for (const std::string& cell : csv_.fields()) {
    common::CsvWriter::WriteField(out, cell);
    out << ',';
  }
  return out.str();
}

}  // namespace cen::node
