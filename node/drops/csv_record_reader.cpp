#include "node/drops/csv_record_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>

#include "common/csv_writer.h"
#include "common/json_text.h"
#include "common/msgpack_json.h"
#include "common/record_codec.h"
#include "common/record_fields.h"
#include "common/utf8.h"

namespace cen::node {
namespace {

constexpr std::string_view kRequiredColumns[] = {"kind", "ref"};
constexpr std::string_view kIndicatorsPrefix = "indicators.";

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

msgpack::object Text(std::string_view text) { return common::MsgpackJson::StrView(text); }

// `text` as a JSON number when it is one, else as a string (the validator
// then names the field and says what it must be).
msgpack::object Number(std::string_view text, bool integer_only) {
  const char* const end = text.data() + text.size();
  const bool integral = text.find_first_of(".eE") == std::string_view::npos;
  if (integral) {
    int64_t value = 0;
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && p == end) return msgpack::object(value);
  } else if (!integer_only) {
    double value = 0;
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc() && p == end) return msgpack::object(value);
  }
  return Text(text);
}

// Whether `text` is a whole number beyond the signed 64-bit range: refused
// as NDJSON refuses it, not read as text that "must be a number".
bool BeyondInt64(std::string_view text) {
  if (text.find_first_of(".eE") != std::string_view::npos) return false;
  int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc::result_out_of_range && p == end;
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
  // Blank lines before the header are skipped, as blank lines between rows
  // are (a trial: two empty lines first and the header read as missing).
  while (row.ok() && *row && csv_.fields().size() == 1 && Trim(csv_.fields()[0]).empty())
    row = csv_.Next();
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
  header_line_ = csv_.line();
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
  // The order the row's map is written in: top-level names sorted (the
  // indicators.NAME columns as one "indicators"), each map's keys sorted.
  std::vector<std::pair<std::string_view, size_t>> top;
  bool indicators = false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const std::string_view name = columns_[i].name;
    if (name.starts_with(kIndicatorsPrefix)) {
      indicator_order_.push_back(i);
      indicators = true;
    } else {
      top.emplace_back(name, i);
    }
  }
  if (indicators) top.emplace_back("indicators", kIndicators);
  const auto by_name = [](const auto& a, const auto& b) {
    return common::JsonText::KeyLess(a.first, b.first);
  };
  std::stable_sort(top.begin(), top.end(), by_name);
  for (const auto& [name, column] : top) top_order_.push_back(column);
  std::stable_sort(indicator_order_.begin(), indicator_order_.end(), [&](size_t a, size_t b) {
    return common::JsonText::KeyLess(columns_[a].name, columns_[b].name);
  });
  values_.resize(columns_.size());
  return issues.size() == before;
}

std::vector<std::string> CsvRecordReader::unstated_fields() const {
  std::vector<std::string> out;
  for (const common::FieldSpec& f : common::RecordFields::All()) {
    if (f.csv == common::CsvCell::kNone) continue;
    std::string column = common::RecordFields::CsvColumn(f);
    if (ColumnOf(column) == 0 && std::find(out.begin(), out.end(), column) == out.end())
      out.push_back(std::move(column));
  }
  return out;
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

msgpack::object* CsvRecordReader::Objects(size_t n) {
  return static_cast<msgpack::object*>(zone_.allocate_align(
      sizeof(msgpack::object) * std::max<size_t>(n, 1), MSGPACK_ZONE_ALIGNOF(msgpack::object)));
}

msgpack::object CsvRecordReader::List(const std::vector<msgpack::object>& items) {
  msgpack::object list;
  list.type = msgpack::type::ARRAY;
  list.via.array.size = static_cast<uint32_t>(items.size());
  list.via.array.ptr = Objects(items.size());
  std::copy(items.begin(), items.end(), list.via.array.ptr);
  return list;
}

std::optional<msgpack::object> CsvRecordReader::Convert(size_t column, const std::string& cell,
                                                        std::vector<DropIssue>& issues) {
  const Column& c = columns_[column];
  if (!common::Utf8::IsValid(cell)) {
    issues.push_back(
        DropIssue::Of(csv_.line(), column + 1, c.name,
                      N_("not valid UTF-8 (save the file as UTF-8, not Latin-1 or Windows-1252)")));
    return std::nullopt;
  }
  using common::CsvCell;
  std::vector<msgpack::object> items;
  switch (c.type) {
    case CsvCell::kNone:  // never a column
    case CsvCell::kText:
      return Text(cell);
    case CsvCell::kCode:
      return Text(Trim(cell));
    case CsvCell::kNumber:
    case CsvCell::kInteger:
      if (BeyondInt64(Trim(cell))) {
        issues.push_back(DropIssue::Of(csv_.line(), column + 1, c.name, DropIssue::kBeyondInt64));
        return std::nullopt;
      }
      return Number(Trim(cell), c.type == CsvCell::kInteger);
    case CsvCell::kList:
      Split(cell, ';', [&](std::string_view item) { items.push_back(Text(item)); });
      return List(items);
    case CsvCell::kRoutes:
      Split(cell, ';', [&](std::string_view route) {
        std::vector<msgpack::object> countries;
        Split(route, '>', [&](std::string_view country) { countries.push_back(Text(country)); });
        items.push_back(List(countries));
      });
      return List(items);
    case CsvCell::kOffenders:
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
        msgpack::object offender;
        offender.type = msgpack::type::MAP;
        offender.via.map.size = 0;
        offender.via.map.ptr = static_cast<msgpack::object_kv*>(zone_.allocate_align(
            sizeof(msgpack::object_kv) * 3, MSGPACK_ZONE_ALIGNOF(msgpack::object_kv)));
        const auto add = [&](std::string_view key, msgpack::object value) {
          offender.via.map.ptr[offender.via.map.size++] = {Text(key), value};
        };
        if (!parts[0].empty()) add("nationality", Text(parts[0]));
        if (!parts[1].empty()) add("gender", Text(parts[1]));
        if (!parts[2].empty()) add("age", Number(parts[2], /*integer_only=*/true));
        items.push_back(offender);
      });
      return List(items);
  }
  return std::nullopt;
}

bool CsvRecordReader::Next(common::Record& record, std::vector<DropIssue>& issues) {
  while (true) {
    record = {};
    auto row = csv_.Next();
    if (!row.ok()) {
      const CsvReader::Error& e = csv_.error();
      const std::string field =
          e.column >= 1 && e.column <= columns_.size() ? columns_[e.column - 1].name : "(row)";
      issues.push_back({e.line, e.column, field, e.reason, e.localized});
      return true;
    }
    if (!*row) return false;
    const auto cells = csv_.fields();
    if (cells.size() == 1 && Trim(cells[0]).empty()) continue;  // a blank line
    if (cells.size() != columns_.size()) {
      issues.push_back(DropIssue::Of(csv_.line(), 0, "(row)",
                                     N_("has {} fields; the header has {}"), cells.size(),
                                     columns_.size()));
      return true;
    }
    zone_.clear();
    fields_.clear();
    indicators_.clear();
    // Converted in column order (a row's issues come in that order), then
    // laid out in key order.
    for (size_t i = 0; i < cells.size(); ++i) {
      values_[i].reset();
      if (!cells[i].empty()) values_[i] = Convert(i, cells[i], issues);
    }
    for (const size_t i : indicator_order_) {
      if (values_[i]) {
        const std::string_view name = columns_[i].name;
        indicators_.push_back({Text(name.substr(kIndicatorsPrefix.size())), *values_[i]});
      }
    }
    for (const size_t i : top_order_) {
      if (i == kIndicators) {
        if (indicators_.empty()) continue;
        msgpack::object map;
        map.type = msgpack::type::MAP;
        map.via.map.size = static_cast<uint32_t>(indicators_.size());
        map.via.map.ptr = indicators_.data();
        fields_.push_back({Text("indicators"), map});
      } else if (values_[i]) {
        fields_.push_back({Text(columns_[i].name), *values_[i]});
      }
    }
    msgpack::object row_map;
    row_map.type = msgpack::type::MAP;
    row_map.via.map.size = static_cast<uint32_t>(fields_.size());
    row_map.via.map.ptr = fields_.data();
    record = common::RecordCodec::Decode(row_map);
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
