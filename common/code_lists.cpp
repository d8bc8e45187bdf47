#include "common/code_lists.h"

#include <algorithm>
#include <iterator>

namespace cen::common {
namespace {

// UN/ECE Recommendation 20 codes, sorted. A small subset on purpose: what
// seizures are counted or weighed in. LBR because US exports report pounds;
// CTM for gems and ivory; LPA (litre of pure alcohol) and T3 (thousand pieces,
// for cigarettes) as EU excise statistics use them. Tariff-only units such as
// KPP (kilogram of P2O5) are left out.
constexpr std::string_view kUnits[] = {
    "C62",  // one
    "CTM",  // metric carat
    "GRM",  // gram
    "H87",  // piece
    "KGM",  // kilogram
    "LBR",  // pound
    "LPA",  // litre of pure alcohol
    "LTR",  // litre
    "MGM",  // milligram
    "MLT",  // millilitre
    "MTK",  // square metre
    "MTQ",  // cubic metre
    "MTR",  // metre
    "NAR",  // number of articles
    "PR",   // pair
    "T3",   // thousand piece
    "TNE",  // tonne
};
static_assert(std::is_sorted(std::begin(kUnits), std::end(kUnits)));

constexpr std::string_view kCommodities[] = {
    "drugs",           "precursors",        "tobacco",  "alcohol", "cites",
    "weapons",         "explosives",        "currency", "ipr",     "medicines",
    "hazardous_waste", "cultural_heritage", "other",
};
constexpr std::string_view kLocationTypes[] = {
    "airport", "seaport", "land_border", "inland", "postal", "express_courier", "other",
};
constexpr std::string_view kDirections[] = {"import", "export", "transit", "domestic"};
constexpr std::string_view kDetectionMethods[] = {
    "risk_profiling", "intelligence", "routine_control", "random", "x_ray", "detector_dog", "other",
};
constexpr std::string_view kPriorities[] = {"urgent", "high", "normal"};
constexpr std::string_view kMsgTypes[] = {"alert", "update", "cancel"};

bool InSorted(std::span<const std::string_view> table, std::string_view code) {
  return std::binary_search(table.begin(), table.end(), code);
}

bool InList(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool CodeLists::IsCountry(std::string_view alpha2) { return CountryName(alpha2).has_value(); }

std::optional<std::string_view> CodeLists::CountryName(std::string_view alpha2) {
  const std::span<const Country> countries = Countries();
  const auto it =
      std::lower_bound(countries.begin(), countries.end(), alpha2,
                       [](const Country& c, std::string_view code) { return c.alpha2 < code; });
  if (it == countries.end() || it->alpha2 != alpha2) return std::nullopt;
  return it->name;
}

bool CodeLists::IsCurrency(std::string_view alpha3) { return InSorted(Currencies(), alpha3); }

bool CodeLists::IsLanguage(std::string_view alpha2) { return InSorted(Languages(), alpha2); }

bool CodeLists::IsHsSubheading(std::string_view six_digits) {
  return InSorted(HsSubheadings(), six_digits);
}

bool CodeLists::IsUnit(std::string_view code) { return InSorted(kUnits, code); }

bool CodeLists::IsTransportMode(std::int64_t code) { return code >= 0 && code <= 9; }

bool CodeLists::IsCommodity(std::string_view value) { return InList(kCommodities, value); }
bool CodeLists::IsLocationType(std::string_view value) { return InList(kLocationTypes, value); }
bool CodeLists::IsDirection(std::string_view value) { return InList(kDirections, value); }
bool CodeLists::IsDetectionMethod(std::string_view value) {
  return InList(kDetectionMethods, value);
}
bool CodeLists::IsPriority(std::string_view value) { return InList(kPriorities, value); }
bool CodeLists::IsMsgType(std::string_view value) { return InList(kMsgTypes, value); }

std::span<const std::string_view> CodeLists::Units() { return kUnits; }
std::span<const std::string_view> CodeLists::Commodities() { return kCommodities; }
std::span<const std::string_view> CodeLists::LocationTypes() { return kLocationTypes; }
std::span<const std::string_view> CodeLists::Directions() { return kDirections; }
std::span<const std::string_view> CodeLists::DetectionMethods() { return kDetectionMethods; }
std::span<const std::string_view> CodeLists::Priorities() { return kPriorities; }
std::span<const std::string_view> CodeLists::MsgTypes() { return kMsgTypes; }

}  // namespace cen::common
