// How cen-query writes a record's values: CSV cells (lists joined with ";",
// offenders as NAT/GENDER/AGE, as data drops read them), one-line summaries,
// routes and quantities for tables. Stateless and thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cen::node {

class RecordFormat {
 public:
  // The canonical CSV columns for records of `kinds` (both when empty):
  // envelope fields, then seizure fields, then alert fields, each once.
  static std::vector<std::string> CsvColumns(const std::vector<std::string>& kinds);
  // One CSV cell: text as is, numbers as JSON writes them, lists of scalars
  // joined with ";", offenders as NAT/GENDER/AGE;..., other objects as JSON.
  static std::string CsvCell(const nlohmann::json& record, std::string_view field);

  // One line for a table: "[H3: note] " when restricted, then for a seizure
  // its description and concealment, for an alert "[priority] title".
  static std::string Summary(const nlohmann::json& record);
  // "[H3: note] ", "[H2] " or "" by the record's handling.
  static std::string HandlingMark(const nlohmann::json& record);
  static std::string HandlingMark(std::string_view handling, std::string_view note);

  // H2 and H3 records leave a node in a json or csv export only with
  // --include-restricted (tables are read, not exported).
  static bool Restricted(std::string_view handling) { return handling == "H2" || handling == "H3"; }
  // Says on `err` that `count` ("2", "5 or more") H2/H3 records were left out
  // of an export, and how to include them.
  static void NoteWithheld(std::ostream& err, const std::string& count);
  // "CO → ES; PT → NL" style: departure → transit... → destination, "?" for an
  // unknown end; "" when no country of the path is known. `transit` is ';'-joined.
  static std::string Route(std::string_view departure, std::string_view transit,
                           std::string_view destination);
  // 1234.5 → "1,234.5" (in French "1 234,5": GroupedNumber); at most three
  // decimals, none when whole.
  static std::string Number(double value);
  // {"KGM": 3400, "H87": 12} → "3,400 KGM; 12 H87" (units in byte order).
  static std::string Quantities(const std::map<std::string, double, std::less<>>& per_unit);
};

}  // namespace cen::node
