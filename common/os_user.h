// The login name of the effective user, for audit trails ("uid N" when the
// user has no name). Thread-safe.
#pragma once

#include <string>

namespace cen::common {

class OsUser {
 public:
  static std::string Name();
};

}  // namespace cen::common
