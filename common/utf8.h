// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// beyond U+10FFFF. All text in cenhub is UTF-8. Thread-safe (no state).
//
//   Utf8::CountCodePoints("Москва")  // 6
//   Utf8::DisplayWidth("東京")        // 4: each ideograph takes two terminal columns
//   Utf8::FitWidth("Владивосток", 6)  // "Влади…"
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cen::common {

class Utf8 {
 public:
  // ASCII classes, whatever the C locale says (std::isdigit and friends
  // follow it): codes, dates and container numbers are ASCII.
  static constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
  static constexpr bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
  static constexpr bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }

  // The number of code points in `text`, or nullopt when it is not
  // well-formed UTF-8.
  static std::optional<size_t> CountCodePoints(std::string_view text);
  static bool IsValid(std::string_view text) { return CountCodePoints(text).has_value(); }

  // `text` as it may be shown in a message (an error naming a key, a log
  // line): itself when it is well-formed UTF-8 without C0 controls or DEL,
  // else its JSON string form with escapes (malformed bytes become U+FFFD).
  static std::string Printable(std::string_view text);

  // Decodes the code point starting at text[pos] into *code_point and returns
  // its length in bytes, or 0 when the bytes there are not well-formed UTF-8.
  // REQUIRES: pos < text.size().
  static size_t Decode(std::string_view text, size_t pos, uint32_t* code_point);

  // Terminal columns of one code point: 0 for combining marks and controls, 2
  // for East Asian wide and fullwidth characters (CJK, Hangul, kana, emoji), 1
  // otherwise. A table of the main ranges, in the spirit of wcwidth().
  static int CodePointWidth(uint32_t code_point);

  // Terminal columns `text` takes as FitWidth() shows it: a malformed byte
  // (shown as U+FFFD) and a control character (shown as a space) take one.
  static size_t DisplayWidth(std::string_view text);

  // `text` cut to at most `width` columns, ending in "…" when cut; C0 and C1
  // control characters (newlines, tabs, escapes) become spaces and malformed bytes U+FFFD so
  // one value stays on one line of a table.
  static std::string FitWidth(std::string_view text, size_t width);
};

}  // namespace cen::common
