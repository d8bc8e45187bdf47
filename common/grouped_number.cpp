#include "common/grouped_number.h"

#include "common/messages.h"

namespace cen::common {

namespace {

struct NumberStyle {
  std::string_view group;
  std::string_view decimal;
  size_t group_from_digits;  // integer parts shorter than this are not grouped
};

NumberStyle StyleOf(std::string_view language) {
  if (language == "fr") return {"\u202f", ",", 4};  // narrow no-break space
  if (language == "ru") return {"\u00a0", ",", 4};  // no-break space
  if (language == "es") return {".", ",", 5};
  return {",", ".", 4};
}

}  // namespace

std::string GroupedNumber(int64_t n) { return GroupedNumber(std::to_string(n)); }

std::string GroupedNumber(std::string_view plain) {
  const NumberStyle style = StyleOf(Messages::Language());
  const size_t int_start = !plain.empty() && plain[0] == '-' ? 1 : 0;
  const size_t int_end = std::min(plain.find('.'), plain.size());
  const size_t digits = int_end - int_start;
  std::string out(plain.substr(0, int_start));
  for (size_t i = int_start; i < int_end; ++i) {
    if (i > int_start && digits >= style.group_from_digits && (int_end - i) % 3 == 0)
      out += style.group;
    out += plain[i];
  }
  if (int_end < plain.size()) {
    out += style.decimal;
    out += plain.substr(int_end + 1);
  }
  return out;
}

}  // namespace cen::common
