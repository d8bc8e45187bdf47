#include "common/log_limit.h"

#include <string>

namespace cen::common {

Result<int64_t> LogLimit::Read(const toml::table& table) {
  const toml::node_view<const toml::node> value = table[kKey];
  if (!value) return kDefaultMib;
  if (!value.is_integer()) return InvalidInput(std::string(kKey) + ": must be an integer (MiB)");
  const int64_t mib = value.value_or(kDefaultMib);
  CEN_RETURN_IF_ERROR(Check(mib));
  return mib;
}

Status LogLimit::Check(int64_t mib) {
  if (mib < 1 || mib > kMaxMib)
    return InvalidInput(std::string(kKey) + ": must be 1 to " + std::to_string(kMaxMib) +
                        " (MiB), got " + std::to_string(mib));
  return Status::Ok();
}

}  // namespace cen::common
