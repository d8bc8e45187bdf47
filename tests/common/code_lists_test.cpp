#include "common/code_lists.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <span>
#include <string_view>
#include <vector>

using cen::common::CodeLists;
using cen::common::Country;

namespace {

std::vector<std::string_view> ToVector(std::span<const std::string_view> list) {
  return {list.begin(), list.end()};
}

}  // namespace

TEST_CASE("Countries are ISO 3166-1 alpha-2 codes with their names", "[common][code_lists]") {
  for (const char* code : {"FR", "RU", "CN", "NL", "US", "AE", "EC", "GB"}) {
    INFO(code);
    CHECK(CodeLists::IsCountry(code));
  }
  // XK (Kosovo) and EU are user-assigned or reserved, not ISO 3166-1 countries.
  for (const char* code : {"fr", "Fr", "FRA", "F", "", "XX", "ZZ", "UK", "EU", "XK"}) {
    INFO(code);
    CHECK_FALSE(CodeLists::IsCountry(code));
  }
  CHECK(CodeLists::CountryName("FR") == "France");
  CHECK(CodeLists::CountryName("RU") == "Russian Federation");
  CHECK(CodeLists::CountryName("CN") == "China");
  CHECK(CodeLists::CountryName("CI") == "C\u00f4te d'Ivoire");  // UTF-8 kept
  CHECK_FALSE(CodeLists::CountryName("XX").has_value());

  const std::span<const Country> countries = CodeLists::Countries();
  CHECK(countries.size() >= 249);
  CHECK(std::is_sorted(countries.begin(), countries.end(),
                       [](const Country& a, const Country& b) { return a.alpha2 < b.alpha2; }));
  CHECK(std::all_of(countries.begin(), countries.end(),
                    [](const Country& c) { return c.alpha2.size() == 2 && !c.name.empty(); }));
}

TEST_CASE("Currencies are ISO 4217 alpha-3 codes", "[common][code_lists]") {
  for (const char* code : {"EUR", "USD", "RUB", "CNY", "XOF", "AED"}) {
    INFO(code);
    CHECK(CodeLists::IsCurrency(code));
  }
  for (const char* code : {"eur", "EURO", "EU", "", "XYZ", "DEM"}) {
    INFO(code);
    CHECK_FALSE(CodeLists::IsCurrency(code));
  }
  CHECK(std::is_sorted(CodeLists::Currencies().begin(), CodeLists::Currencies().end()));
}

TEST_CASE("Languages are ISO 639-1 codes in lower case", "[common][code_lists]") {
  for (const char* code : {"en", "fr", "es", "ru", "ar", "pt", "zh", "nl"}) {
    INFO(code);
    CHECK(CodeLists::IsLanguage(code));
  }
  for (const char* code : {"EN", "eng", "e", "", "xx", "en-GB"}) {
    INFO(code);
    CHECK_FALSE(CodeLists::IsLanguage(code));
  }
  CHECK(CodeLists::Languages().size() >= 180);
  CHECK(std::is_sorted(CodeLists::Languages().begin(), CodeLists::Languages().end()));
}

TEST_CASE("HS subheadings are the six-digit rows of the HS table", "[common][code_lists]") {
  for (const char* code : {"090111", "240220", "010121", "940360", "970690"}) {
    INFO(code);
    CHECK(CodeLists::IsHsSubheading(code));
  }
  // 999999 is UN Comtrade's "not specified according to kind", not HS.
  for (const char* code : {"999999", "0901", "09011", "0901110", "090100", "", "ABCDEF"}) {
    INFO(code);
    CHECK_FALSE(CodeLists::IsHsSubheading(code));
  }
  const auto hs = CodeLists::HsSubheadings();
  CHECK(hs.size() > 5000);
  CHECK(std::is_sorted(hs.begin(), hs.end()));
}

TEST_CASE("Units are a UN/ECE Rec 20 subset", "[common][code_lists]") {
  for (const char* code : {"KGM", "GRM", "MGM", "LTR", "MLT", "MTQ", "H87", "NAR", "PR", "C62",
                           "TNE", "LBR", "CTM", "LPA", "T3", "MTR", "MTK"}) {
    INFO(code);
    CHECK(CodeLists::IsUnit(code));
  }
  for (const char* code : {"kg", "KG", "kgm", "PCE", "", "KPP"}) {
    INFO(code);
    CHECK_FALSE(CodeLists::IsUnit(code));
  }
  CHECK(std::is_sorted(CodeLists::Units().begin(), CodeLists::Units().end()));
}

TEST_CASE("Transport modes are UN/ECE Rec 19 codes 0 to 9", "[common][code_lists]") {
  for (int mode = 0; mode <= 9; ++mode) CHECK(CodeLists::IsTransportMode(mode));
  CHECK_FALSE(CodeLists::IsTransportMode(-1));
  CHECK_FALSE(CodeLists::IsTransportMode(10));
}

TEST_CASE("Enumerations hold exactly the documented values", "[common][code_lists]") {
  using V = std::vector<std::string_view>;
  CHECK(ToVector(CodeLists::Commodities()) ==
        V{"drugs", "precursors", "tobacco", "alcohol", "cites", "weapons", "explosives", "currency",
          "ipr", "medicines", "hazardous_waste", "cultural_heritage", "other"});
  CHECK(ToVector(CodeLists::LocationTypes()) ==
        V{"airport", "seaport", "land_border", "inland", "postal", "express_courier", "other"});
  CHECK(ToVector(CodeLists::Directions()) == V{"import", "export", "transit", "domestic"});
  CHECK(ToVector(CodeLists::DetectionMethods()) == V{"risk_profiling", "intelligence",
                                                     "routine_control", "random", "x_ray",
                                                     "detector_dog", "other"});
  CHECK(ToVector(CodeLists::Priorities()) == V{"urgent", "high", "normal"});
  CHECK(ToVector(CodeLists::MsgTypes()) == V{"alert", "update", "cancel"});

  CHECK(CodeLists::IsCommodity("cites"));
  CHECK_FALSE(CodeLists::IsCommodity("CITES"));
  CHECK(CodeLists::IsLocationType("express_courier"));
  CHECK_FALSE(CodeLists::IsLocationType("harbour"));
  CHECK(CodeLists::IsDirection("transit"));
  CHECK_FALSE(CodeLists::IsDirection("inbound"));
  CHECK(CodeLists::IsDetectionMethod("x_ray"));
  CHECK_FALSE(CodeLists::IsDetectionMethod("x-ray"));
  CHECK(CodeLists::IsPriority("urgent"));
  CHECK_FALSE(CodeLists::IsPriority("low"));
  CHECK(CodeLists::IsMsgType("cancel"));
  CHECK_FALSE(CodeLists::IsMsgType("ack"));
}
