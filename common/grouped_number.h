// A whole number with its thousands grouped, for figures a person reads
// (counts, sizes): GroupedNumber(1234567) == "1,234,567".
#pragma once

#include <cstdint>
#include <string>

namespace cen::common {

std::string GroupedNumber(int64_t n);

}  // namespace cen::common
