// The code lists records are checked against: ISO 3166-1 countries, ISO 4217
// currencies, ISO 639-1 languages, Harmonized System subheadings, a UN/ECE
// Rec 20 subset of units, UN/ECE Rec 19 transport modes, and cenhub's own
// enumerations (commodities, location types, ...).
//
//   if (!CodeLists::IsCountry(code)) return InvalidInput("not a country: " + code);
//   auto name = CodeLists::CountryName("RU");  // "Russian Federation"
//
// Countries, currencies, languages and HS subheadings are generated at build
// time by scripts/gen_code_lists.py (from Debian's iso-codes and
// common/data/harmonized-system.csv); the rest are kept by hand in
// code_lists.cpp. Lookups are exact and case-sensitive: codes are upper case,
// languages and enumeration values lower case, as records carry them.
//
// Thread-safe: every table is immutable constexpr data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cen::common {

// One ISO 3166-1 entry: the alpha-2 code and the short name from iso-codes
// ("RU", "Russian Federation"), UTF-8, with its UN M49 region ("Europe"),
// sub-region ("Eastern Europe") and intermediate region ("South America"),
// each "" where M49 assigns none (Antarctica, Kosovo).
struct Country {
  std::string_view alpha2;
  std::string_view name;
  std::string_view region;
  std::string_view subregion;
  std::string_view intermediate_region;
};

class CodeLists {
 public:
  // ISO 3166-1 alpha-2, upper case: "FR".
  static bool IsCountry(std::string_view alpha2);
  // The ISO 3166-1 short name of `alpha2`, or nullopt when it is not a country.
  static std::optional<std::string_view> CountryName(std::string_view alpha2);
  // ISO 4217 alpha-3, upper case: "EUR".
  static bool IsCurrency(std::string_view alpha3);
  // ISO 639-1, lower case: "en", "ru".
  static bool IsLanguage(std::string_view alpha2);
  // Exactly six digits naming an HS 2022 subheading: "090111".
  static bool IsHsSubheading(std::string_view six_digits);
  // A unit of the UN/ECE Rec 20 subset in Units().
  static bool IsUnit(std::string_view code);
  // UN/ECE Rec 19 mode of transport, 0 (not known) to 9 (not applicable).
  static bool IsTransportMode(std::int64_t code);

  static bool IsCommodity(std::string_view value);
  static bool IsLocationType(std::string_view value);
  static bool IsDirection(std::string_view value);
  static bool IsDetectionMethod(std::string_view value);
  static bool IsPriority(std::string_view value);
  static bool IsMsgType(std::string_view value);

  // Generated tables, each sorted by code (byte order).
  static std::span<const Country> Countries();
  static std::span<const std::string_view> Currencies();
  static std::span<const std::string_view> Languages();
  static std::span<const std::string_view> HsSubheadings();

  // UN/ECE Rec 20 units a seizure may be measured in, sorted: mass (KGM, GRM,
  // MGM, TNE, LBR, CTM), volume (LTR, MLT, MTQ, LPA), length and area (MTR,
  // MTK), counts (H87, NAR, PR, C62, T3).
  static std::span<const std::string_view> Units();

  // The enumerations, in their documented order (the order error messages list).
  static std::span<const std::string_view> Commodities();  // "drugs", ..., "other"
  static std::span<const std::string_view> LocationTypes();
  static std::span<const std::string_view> Directions();
  static std::span<const std::string_view> DetectionMethods();
  static std::span<const std::string_view> Priorities();  // "urgent", "high", "normal"
  static std::span<const std::string_view> MsgTypes();    // "alert", "update", "cancel"
};

}  // namespace cen::common
