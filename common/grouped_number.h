// Numbers for a person to read (counts, sizes, quantities in a table),
// written as a reader of the language in use (Messages::Language()) expects
// them: thousands grouped, and the decimal sign of that language.
//
//   GroupedNumber(1234567)         // en "1,234,567"   fr "1 234 567" (U+202F)
//   GroupedNumber("-19109306.7")   // en "-19,109,306.7"   es "-19.109.306,7"
//                                  // ru "-19 109 306,7" (U+00A0)
//
// Spanish groups from five digits on ("1234,5", "12.345,6"), as CLDR has it.
// For text a person reads in the language chosen (tables, translated
// messages, also where such a message is a field of a json or csv line: a
// warning, a drop's error). Numeric fields of json and csv never use it; the
// daemons speak English (their logs, what the hub tells nodes).
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
