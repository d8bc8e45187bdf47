#include "node/query_command.h"

#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/utf8.h"
#include "node/node_schema.h"

namespace cen::node {

namespace {

// Cuts `text` to at most `width` code points, marking a cut with an ellipsis.
std::string Fit(const std::string& text, size_t width) {
  if (common::Utf8::CountCodePoints(text).value_or(0) <= width) return text;
  size_t points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts_point = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_point && ++points == width) return text.substr(0, i) + "…";
  }
  return text;
}

// `text` fitted to `width` code points and padded with spaces to that width.
std::string Pad(const std::string& text, size_t width) {
  const std::string fitted = Fit(text, width);
  const size_t points = common::Utf8::CountCodePoints(fitted).value_or(fitted.size());
  return fitted + std::string(width > points ? width - points : 0, ' ');
}

std::string Summary(const nlohmann::json& r) {
  if (r.value("kind", "") == "alert")
    return "[" + r.value("priority", "") + "] " + r.value("title", "");
  std::ostringstream s;
  s << r.value("commodity", "") << " ";
  if (auto q = r.find("quantity"); q != r.end()) s << q->dump() << " " << r.value("unit", "");
  s << " — " << r.value("description", "");
  return s.str();
}

}  // namespace

common::Status QueryCommand::Run(const QueryOptions& o, std::ostream& out) {
  if (!o.kind.empty() && o.kind != "seizure" && o.kind != "alert")
    return common::UsageError("--kind: '" + o.kind + "' is not one of seizure, alert");
  if (o.format != "table" && o.format != "json")
    return common::UsageError("--format: '" + o.format + "' is not one of table, json");
  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  auto stmt = db->Prepare("SELECT doc FROM records WHERE (?1 = '' OR kind = ?1) ORDER BY gseq");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, o.kind);
  if (o.format == "table") {
    out << std::left << Pad("GSEQ", 7) << " " << Pad("KIND", 7) << " " << Pad("ORIGIN", 12) << " "
        << Pad("REF", 18) << " " << Pad("DATE", 10) << " "
        << "SUMMARY\n";
  }
  int64_t n = 0;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ++n;
    const std::string doc = stmt->ColumnText(0);
    if (o.format == "json") {
      out << doc << "\n";
      continue;
    }
    const auto r = nlohmann::json::parse(doc, nullptr, false);
    if (r.is_discarded()) continue;
    const std::string date =
        r.value("kind", "") == "seizure" ? r.value("seizure_date", "") : r.value("issued_at", "");
    out << Pad(std::to_string(r.value("gseq", int64_t{0})), 7) << " " << Pad(r.value("kind", ""), 7)
        << " " << Pad(r.value("origin", ""), 12) << " " << Pad(r.value("ref", ""), 18) << " "
        << Pad(date.substr(0, 10), 10) << " " << Fit(Summary(r), 60) << "\n";
  }
  if (o.format == "table") out << n << " record(s)\n";
  return common::Status::Ok();
}

}  // namespace cen::node
