#include "node/query/record_format.h"

#include <cmath>
#include <cstdio>

#include "common/grouped_number.h"
#include "common/messages.h"
#include "common/record_fields.h"
#include "common/wire_frame.h"

namespace cen::node {

using nlohmann::json;

std::vector<std::string> RecordFormat::CsvColumns(const std::vector<std::string>& kinds) {
  using common::FieldGroup;
  using common::RecordFields;
  const bool all = kinds.empty();
  auto wants = [&](const char* kind) {
    return all || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  std::vector<std::string> columns;
  auto add = [&](std::span<const std::string_view> names) {
    for (const std::string_view name : names) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end())
        columns.emplace_back(name);
    }
  };
  add(RecordFields::Names(FieldGroup::kEnvelope));
  if (wants("seizure")) add(RecordFields::Names(FieldGroup::kSeizure));
  if (wants("alert")) add(RecordFields::Names(FieldGroup::kAlert));
  return columns;
}

std::string RecordFormat::CsvCell(const json& record, std::string_view field) {
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return "";
  const json& v = *it;
  auto scalar = [](const json& x) {
    return x.is_string() ? x.get<std::string>()
                         : x.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (field == "offenders" && v.is_array()) {
    std::string out;
    for (const json& o : v) {
      if (!out.empty()) out += ';';
      if (!o.is_object()) continue;
      out += (o.contains("nationality") ? scalar(o["nationality"]) : "") + "/" +
             (o.contains("gender") ? scalar(o["gender"]) : "") + "/" +
             (o.contains("age") ? scalar(o["age"]) : "");
    }
    return out;
  }
  if (v.is_array() &&
      std::all_of(v.begin(), v.end(), [](const json& x) { return !x.is_structured(); })) {
    std::string out;
    for (const json& x : v) {
      if (!out.empty()) out += ';';
      out += scalar(x);
    }
    return out;
  }
  return scalar(v);
}

std::string RecordFormat::HandlingMark(const json& r) {
  return HandlingMark(common::WireFrame::StringOr(r, "handling", ""),
                      common::WireFrame::StringOr(r, "handling_note", ""));
}

std::string RecordFormat::HandlingMark(std::string_view handling, std::string_view note) {
  if (handling == "H2") return "[H2] ";
  if (handling != "H3") return "";
  return "[H3: " + std::string(note) + "] ";
}

void RecordFormat::NoteWithheld(std::ostream& err, const std::string& count) {
  err << "cen-query: "
      << common::Messages::Format(
             "{} H2/H3 (restricted) record(s) among the matches left out of exports (this one "
             "lists the others only); add --include-restricted to export them (the export is "
             "written to the audit trail)",
             count)
      << "\n";
}

std::string RecordFormat::Summary(const json& r) {
  auto text = [&](const char* key) {
    auto it = r.find(key);
    return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string out = HandlingMark(r);
  if (text("kind") == "alert") {
    // An update or a cancel is a record of its own: said so, with the
    // priority it sets if any (cen-query alerts shows each alert with its
    // updates applied).
    const std::string type = text("msg_type");
    if (type == "update" || type == "cancel") {
      out += "[" + type + "]";
      if (const std::string p = text("priority"); !p.empty()) out += " [" + p + "]";
      const std::string what = text("title").empty() ? text("body") : text("title");
      return what.empty() ? out : out + " " + what;
    }
    return out + "[" + text("priority") + "] " + text("title");
  }
  out += text("description");
  if (const std::string c = text("concealment"); !c.empty()) out += " (" + c + ")";
  return out;
}

std::string RecordFormat::Route(std::string_view departure, std::string_view transit,
                                std::string_view destination) {
  if (departure.empty() && transit.empty() && destination.empty()) return "";
  std::string out(departure.empty() ? "?" : departure);
  size_t start = 0;
  while (start < transit.size()) {
    size_t end = transit.find(';', start);
    if (end == std::string_view::npos) end = transit.size();
    out += " → ";
    out += transit.substr(start, end - start);
    start = end + 1;
  }
  out += " → ";
  out += destination.empty() ? "?" : destination;
  return out;
}

std::string RecordFormat::Number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return common::GroupedNumber(s);
}

std::string RecordFormat::Quantities(const std::map<std::string, double, std::less<>>& per_unit) {
  std::string out;
  for (const auto& [unit, total] : per_unit) {
    if (unit.empty()) continue;
    if (!out.empty()) out += "; ";
    out += Number(total) + " " + unit;
  }
  return out;
}

}  // namespace cen::node
