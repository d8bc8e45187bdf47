#include "common/rt_priority.h"

#include <cstdint>
#include <string>

namespace cen::common {

Result<int> RtPriority::Read(const toml::table& table) {
  const toml::node_view<const toml::node> value = table[kKey];
  if (!value) return kDefault;
  const std::string what =
      std::string(kKey) + ": must be an integer from 0 (none) to " + std::to_string(kMax);
  if (!value.is_integer()) return InvalidInput(what);
  const int64_t priority = value.value_or(int64_t{-1});
  if (priority < 0 || priority > kMax)
    return InvalidInput(what + ", got " + std::to_string(priority));
  return static_cast<int>(priority);
}

}  // namespace cen::common
