#include "common/check_digits.h"

#include "common/utf8.h"

namespace cen::common {
namespace {

// ISO 6346 letter values: A = 10, then counting up and skipping the multiples
// of 11 (B = 12, L = 23, V = 34).
constexpr int kLetterValues[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                   25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};

}  // namespace

bool CheckDigits::IsValidIso6346(std::string_view container) {
  if (container.size() != 11) return false;
  for (size_t i = 0; i < 4; ++i) {
    if (!Utf8::IsAsciiUpper(container[i])) return false;
  }
  const char category = container[3];
  if (category != 'U' && category != 'J' && category != 'Z') return false;
  for (size_t i = 4; i < 11; ++i) {
    if (!Utf8::IsAsciiDigit(container[i])) return false;
  }
  // Each of the first ten characters is weighted by 2^position; the sum
  // modulo 11 is the check digit, and a remainder of 10 is written 0.
  int sum = 0;
  for (size_t i = 0; i < 10; ++i) {
    const int value = i < 4 ? kLetterValues[container[i] - 'A'] : container[i] - '0';
    sum += value << i;
  }
  return (sum % 11) % 10 == container[10] - '0';
}

std::optional<std::string> CheckDigits::NormalizeImo(std::string_view text) {
  if (text.starts_with("IMO")) {
    text.remove_prefix(3);
    if (text.starts_with(' ')) text.remove_prefix(1);
  }
  if (text.size() != 7) return std::nullopt;
  for (const char c : text) {
    if (!Utf8::IsAsciiDigit(c)) return std::nullopt;
  }
  // The first six digits weighted 7, 6, ..., 2; the last digit of the sum is
  // the check digit.
  int sum = 0;
  for (size_t i = 0; i < 6; ++i) sum += (text[i] - '0') * static_cast<int>(7 - i);
  if (sum % 10 != text[6] - '0') return std::nullopt;
  return std::string(text);
}

bool CheckDigits::IsValidImo(std::string_view text) { return NormalizeImo(text).has_value(); }

}  // namespace cen::common
