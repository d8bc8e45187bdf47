#include "common/check_digits.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

using cen::common::CheckDigits;

TEST_CASE("ISO 6346 container numbers are checked by their check digit", "[common][check_digits]") {
  struct CheckDigitsCase {
    const char* text;
    bool valid;
  };
  const CheckDigitsCase cases[] = {
      {"CSQU3054383", true},   // the example of ISO 6346 itself
      {"CSQU3054384", false},  // same, wrong check digit
      {"MSCU1234566", true},
      {"MAEU0000008", true},
      {"TGHU9876542", true},
      {"HLXU1234561", true},
      {"APZU0000015", true},
      {"OOLU1000002", true},
      {"MSCU1234565", false},
      {"CSQJ3054383", false},  // category J changes the sum
      {"CSQX3054383", false},  // category must be U, J or Z
      {"csqu3054383", false},  // lower case is not the canonical spelling
      {"CSQU 305438 3", false},
      {"CSQU 3054383", false},
      {"CSQU305438", false},
      {"CSQU30543830", false},
      {"CSQU30543A3", false},
      {"1SQU3054383", false},
      {"", false},
  };
  for (const CheckDigitsCase& c : cases) {
    INFO(c.text);
    CHECK(CheckDigits::IsValidIso6346(c.text) == c.valid);
  }
}

TEST_CASE("A check digit of 10 is written 0 in ISO 6346", "[common][check_digits]") {
  // CSQU000007: 13 + 60 + 112 + 256 + 7 * 512 = 4025, and 4025 % 11 = 10.
  CHECK(CheckDigits::IsValidIso6346("CSQU0000070"));
  for (const char* wrong : {"CSQU0000071", "CSQU0000075", "CSQU0000079"}) {
    INFO(wrong);
    CHECK_FALSE(CheckDigits::IsValidIso6346(wrong));
  }
  CHECK(CheckDigits::IsValidIso6346("MSCU0000060"));
}

TEST_CASE("IMO numbers are checked and normalised to seven digits", "[common][check_digits]") {
  struct CheckDigitsCase {
    const char* text;
    std::optional<std::string> digits;
  };
  const CheckDigitsCase cases[] = {
      {"9074729", "9074729"},         {"IMO 9074729", "9074729"},    {"IMO9074729", "9074729"},
      {"9176187", "9176187"},         {"IMO 9312341", "9312341"},    {"1000007", "1000007"},
      {"9074728", std::nullopt},                                      // wrong check digit
      {"IMO 9074728", std::nullopt},  {"imo 9074729", std::nullopt},  // the prefix is upper case
      {"IMO  9074729", std::nullopt},                                 // one space at most
      {"IMO-9074729", std::nullopt},  {"IMO:9074729", std::nullopt}, {" 9074729", std::nullopt},
      {"9074729 ", std::nullopt},     {"907472", std::nullopt},      {"90747290", std::nullopt},
      {"90747a9", std::nullopt},      {"IMO", std::nullopt},         {"", std::nullopt},
  };
  for (const CheckDigitsCase& c : cases) {
    INFO(c.text);
    CHECK(CheckDigits::NormalizeImo(c.text) == c.digits);
    CHECK(CheckDigits::IsValidImo(c.text) == c.digits.has_value());
  }
}
