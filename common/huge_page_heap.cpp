#include "common/huge_page_heap.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace cen::common {
namespace {

constexpr const char* kVariable = "GLIBC_TUNABLES";

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Whether `tunables` ("a=1:b=2") names `name`.
bool Names(std::string_view tunables, std::string_view name) {
  while (!tunables.empty()) {
    const size_t end = tunables.find(':');
    const std::string_view item = tunables.substr(0, end);
    if (item.substr(0, item.find('=')) == name) return true;
    if (end == std::string_view::npos) break;
    tunables.remove_prefix(end + 1);
  }
  return false;
}

// Puts GLIBC_TUNABLES back as `given` said it was.
void PutBack(const std::string& given) {
  if (!given.empty() && given[0] == '=') {
    setenv(kVariable, given.c_str() + 1, 1);
  } else {
    unsetenv(kVariable);
  }
  unsetenv(HugePageHeap::kGivenVariable);
}

}  // namespace

std::optional<std::string> HugePageHeap::TunablesFor(const std::optional<std::string>& given) {
  const std::string_view now = given ? std::string_view(*given) : std::string_view();
  if (Names(now, "glibc.malloc.hugetlb")) return std::nullopt;
  std::string out(now);
  for (const char* tunable : kTunables) {
    const std::string_view item(tunable);
    if (Names(now, item.substr(0, item.find('=')))) continue;
    if (!out.empty()) out += ':';
    out += item;
  }
  return out;
}

std::string HugePageHeap::Restart(char** argv) {
  if (const auto given = Env(kGivenVariable)) {
    // The new image: glibc has read the tunables already.
    PutBack(*given);
    return "";
  }
  const auto now = Env(kVariable);
  const auto tunables = TunablesFor(now);
  if (!tunables) return "";  // the operator's own choice
  setenv(kGivenVariable, now ? ("=" + *now).c_str() : "-", 1);
  setenv(kVariable, tunables->c_str(), 1);
  // The file's own path, not /proc/self/exe: the process is named after it
  // (ps, pgrep, top show "cen-node", not "exe").
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  int error = ENAMETOOLONG;
  if (n < 0) {
    error = errno;
  } else if (static_cast<size_t>(n) < sizeof(path) - 1) {
    path[n] = '\0';
    execv(path, argv);
    error = errno;
  }
  PutBack(now ? "=" + *now : "-");
  return std::string("malloc keeps 4 KiB pages: could not start again with GLIBC_TUNABLES (") +
         std::strerror(error) + ")";
}

}  // namespace cen::common
