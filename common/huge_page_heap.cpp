#include "common/huge_page_heap.h"

#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace cen::common {
namespace {

constexpr const char* kVariable = "GLIBC_TUNABLES";

std::optional<std::string> EnvIfSet(const char* name) {
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

// Puts GLIBC_TUNABLES back as `given` and drops the marker.
void PutBack(const std::optional<std::string>& given) {
  if (given) {
    setenv(kVariable, given->c_str(), 1);
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

std::string HugePageHeap::Marker(pid_t pid, const std::optional<std::string>& given) {
  return std::to_string(pid) + (given ? "=" + *given : std::string("-"));
}

std::optional<std::optional<std::string>> HugePageHeap::Given(std::string_view marker, pid_t pid) {
  const std::string prefix = std::to_string(pid);
  if (!marker.starts_with(prefix)) return std::nullopt;
  marker.remove_prefix(prefix.size());
  if (marker == "-") return std::optional<std::string>();
  if (!marker.starts_with('=')) return std::nullopt;
  return std::optional<std::string>(std::string(marker.substr(1)));
}

std::string HugePageHeap::Restart(char** argv) {
  if (const auto marker = EnvIfSet(kGivenVariable)) {
    const auto given = Given(*marker, getpid());
    // Not ours (copied from another process's environment): ignored.
    unsetenv(kGivenVariable);
    if (given) {
      // The new image: glibc has read the tunables already.
      PutBack(*given);
      return "";
    }
  }
  if (getauxval(AT_SECURE) != 0)
    return "malloc keeps 4 KiB pages: glibc ignores GLIBC_TUNABLES for a program with extra "
           "privileges (setuid or file capabilities)";
  // Under valgrind the new image would run outside it.
  if (const char* preload = std::getenv("LD_PRELOAD");
      preload != nullptr && std::strstr(preload, "vgpreload") != nullptr)
    return "";
  const auto now = EnvIfSet(kVariable);
  const auto tunables = TunablesFor(now);
  if (!tunables) return "";  // the operator's own choice
  // The file's own path, not /proc/self/exe: the process is named after it
  // (ps, pgrep, top show "cen-node", not "exe").
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n < 0 || static_cast<size_t>(n) >= sizeof(path) - 1)
    return "malloc keeps 4 KiB pages: /proc/self/exe cannot be read";
  path[n] = '\0';
  // Started through the dynamic loader (ld-linux ./cen-node): it would run
  // the arguments as a program.
  if (std::filesystem::path(path).filename().string().starts_with("ld-")) return "";
  if (setenv(kGivenVariable, Marker(getpid(), now).c_str(), 1) != 0 ||
      setenv(kVariable, tunables->c_str(), 1) != 0) {
    const int error = errno;
    PutBack(now);
    return std::string("malloc keeps 4 KiB pages: ") + std::strerror(error);
  }
  execv(path, argv);
  const int error = errno;
  PutBack(now);
  return std::string("malloc keeps 4 KiB pages: could not start again with GLIBC_TUNABLES (") +
         std::strerror(error) + ")";
}

}  // namespace cen::common
