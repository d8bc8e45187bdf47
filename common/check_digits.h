// Check digits of the identifiers seizures and alerts carry: ISO 6346 freight
// container numbers and IMO ship identification numbers.
//
//   CheckDigits::IsValidIso6346("CSQU3054383");        // true
//   CheckDigits::NormalizeImo("IMO 9074729");          // "9074729"
//
// Thread-safe: every function is pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cen::common {

class CheckDigits {
 public:
  // True for an ISO 6346 container number in its compact form: three owner
  // letters, the category identifier U, J or Z, six serial digits and the
  // check digit, 11 characters, upper case, no spaces ("CSQU3054383"). Spaced
  // or lower-case forms are refused, so one container has one spelling.
  static bool IsValidIso6346(std::string_view container);

  // The seven digits of an IMO ship number whose check digit is right, or
  // nullopt. Accepted forms: "9074729", "IMO9074729" and "IMO 9074729" (one
  // space; "IMO" in upper case). Anything else, including other spacing, is
  // refused.
  static std::optional<std::string> NormalizeImo(std::string_view text);
  // NormalizeImo(text).has_value().
  static bool IsValidImo(std::string_view text);
};

}  // namespace cen::common
