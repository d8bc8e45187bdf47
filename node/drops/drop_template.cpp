#include "node/drops/drop_template.h"

#include <span>
#include <string>
#include <vector>

#include "common/csv_writer.h"

namespace cen::node {
namespace {

struct Cell {
  const char* column;
  const char* example;
};

// clang-format off
constexpr Cell kEnvelope[] = {
    {"kind", nullptr}, {"ref", nullptr}, {"scope", "global"}, {"handling", "H0"},
    {"handling_note", ""}, {"source_eval", "B"}, {"info_eval", "2"}, {"lang", "en"}};
constexpr Cell kSeizure[] = {
    {"seizure_date", "2026-03-14"}, {"reporting_country", "FR"}, {"commodity", "drugs"},
    {"description", "Cocaine in 12 packages hidden in banana boxes, \"Premium\" brand"},
    {"quantity", "12.5"}, {"unit", "KGM"}, {"hs_code", "293972"}, {"location", "Le Havre"},
    {"locode", "FRLEH"}, {"lat", "49.4833"}, {"lon", "0.1"}, {"location_type", "seaport"},
    {"direction", "import"}, {"detection", "x_ray"},
    {"concealment", "False floor of a reefer container"}, {"transport_mode", "1"},
    {"conveyance", "MV Example"}, {"containers", "CSQU3054383"}, {"vessel_imo", "9074729"},
    {"departure", "EC"}, {"destination", "FR"}, {"transit", "PA;ES"}, {"value", "250000"},
    {"currency", "EUR"}, {"offenders", "EC/M/34;FR/F/"}};
constexpr Cell kAlert[] = {
    {"title", "Cocaine in banana boxes from Ecuador"},
    {"body", "Reefer containers of bananas from Guayaquil via Panama: false floors. Check the "
             "listed containers and vessel."},
    {"priority", "high"}, {"msg_type", "alert"}, {"references", ""},
    {"issued_at", "2026-03-15T09:00:00Z"}, {"expires_at", "2026-06-15T00:00:00Z"},
    {"commodity", "drugs"}, {"indicators.containers", "CSQU3054383"},
    {"indicators.vessel_imo", "9074729"}, {"indicators.companies", "Example Fruit Export SA"},
    {"indicators.routes", "EC>PA>ES>FR"}, {"indicators.hs_codes", "080390"}};
// clang-format on

}  // namespace

common::Status DropTemplate::Write(std::string_view kind, std::ostream& out) {
  const bool seizure = kind == "seizure";
  if (!seizure && kind != "alert") return common::UsageError("--template: seizure or alert");
  std::vector<std::string> header;
  std::vector<std::string> example;
  for (const Cell& c : kEnvelope) {
    header.emplace_back(c.column);
    example.emplace_back(c.example != nullptr ? c.example : "");
  }
  example[0] = std::string(kind);
  example[1] = seizure ? "FR-2026-0001" : "RILO-WE-A-2026-001";
  for (const Cell& c : seizure ? std::span<const Cell>(kSeizure) : std::span<const Cell>(kAlert)) {
    header.emplace_back(c.column);
    example.emplace_back(c.example);
  }
  common::CsvWriter::WriteRow(out, header);
  common::CsvWriter::WriteRow(out, example);
  return common::Status::Ok();
}

}  // namespace cen::node
