#include "tests/e2e/records.h"

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace cen::e2e {
namespace {

std::string Ref(std::string_view node_id, char kind, int index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05d", index);
  return std::string(node_id) + "-" + kind + "-" + digits;
}

nlohmann::json Seizure(std::string_view node_id, int index) {
  static constexpr std::array<const char*, 8> kCountries = {"FR", "DE", "NG", "KE",
                                                            "CN", "IN", "RU", "BR"};
  char date[16];
  // Always in 2025: never in the future, whatever day the test runs.
  std::snprintf(date, sizeof date, "2025-%02d-%02d", 1 + index % 12, 1 + index % 28);
  const bool cyrillic = index % 3 == 0;
  return {
      {"kind", "seizure"},
      {"ref", Ref(node_id, 'S', index)},
      {"seizure_date", date},
      {"reporting_country", kCountries[static_cast<std::size_t>(index) % kCountries.size()]},
      {"commodity", "drugs"},
      {"description", cyrillic ? "Кокаин в коробках с бананами, партия " + std::to_string(index)
                               : "Cocaine in banana boxes, lot " + std::to_string(index)},
      {"quantity", 0.5 + index},
      {"unit", "KGM"},
  };
}

nlohmann::json Alert(std::string_view node_id, int index) {
  const bool cyrillic = index % 3 == 0;
  return {
      {"kind", "alert"},
      {"ref", Ref(node_id, 'A', index)},
      {"title", cyrillic ? "Новый способ сокрытия " + std::to_string(index)
                         : "New concealment " + std::to_string(index)},
      {"body", cyrillic ? "Тайник в двойном дне контейнера; Ёё проверка регистра."
                        : "False bottom in reefer containers from " + std::string(node_id) + "."},
      {"priority", "high"},
  };
}

}  // namespace

std::vector<std::string> MakeRecords(std::string_view node_id, int first_index, int count) {
  std::vector<std::string> lines;
  lines.reserve(static_cast<std::size_t>(count));
  for (int index = first_index; index < first_index + count; ++index) {
    const nlohmann::json record = index % 4 == 3 ? Alert(node_id, index) : Seizure(node_id, index);
    lines.push_back(record.dump());
  }
  return lines;
}

std::string ScopedSeizure(const std::string& ref, const std::string& scope) {
  return nlohmann::json{{"kind", "seizure"},
                        {"ref", ref},
                        {"scope", scope},
                        {"seizure_date", "2026-03-14"},
                        {"reporting_country", "FR"},
                        {"commodity", "drugs"},
                        {"description", "scoped seizure " + ref},
                        {"quantity", 1.5},
                        {"unit", "KGM"}}
      .dump();
}

}  // namespace cen::e2e
