// Numbers for a person to read (counts, sizes, quantities in a table),
// written as a reader of the language in use (Messages::Language()) expects
// them: thousands grouped, and the decimal sign of that language.
//
//   GroupedNumber(1234567)         // en "1,234,567"   fr "1 234 567" (U+202F)
//   GroupedNumber("-19109306.7")   // en "-19,109,306.7"   es "-19.109.306,7"
//                                  // ru "-19 109 306,7" (U+00A0)
//
// Spanish groups from five digits on ("1234,5", "12.345,6"), as CLDR has it.
// Machine formats (json, csv, logs read by scripts) keep plain numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cen::common {

std::string GroupedNumber(int64_t n);
// `plain`: an optional '-', digits, then optionally '.' and digits, as
// printf writes them.
std::string GroupedNumber(std::string_view plain);

}  // namespace cen::common
