#include "common/os_user.h"

#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace cen::common {

std::string OsUser::Name() {
  const uid_t uid = geteuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
    return found->pw_name;
  return "uid " + std::to_string(uid);
}

}  // namespace cen::common
