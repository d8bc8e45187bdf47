// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// beyond U+10FFFF. All text in cenhub is UTF-8. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace cen::common {

class Utf8 {
 public:
  // The number of code points in `text`, or nullopt when it is not
  // well-formed UTF-8.
  static std::optional<size_t> CountCodePoints(std::string_view text);
  static bool IsValid(std::string_view text) { return CountCodePoints(text).has_value(); }
};

}  // namespace cen::common
