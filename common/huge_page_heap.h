// Gives a daemon's heap transparent huge pages (2 MiB) and keeps freed
// memory in it, through glibc's malloc tunables. glibc reads them only when
// a program starts (GLIBC_TUNABLES), so the daemon starts itself again, once,
// with them set: same pid, same arguments, nothing opened yet.
//
// Why: on this project's machines a page fault is dear (a Firecracker VM,
// where the first touch of a page costs several microseconds). SQLite's
// page cache, the feed's frames and libzmq's buffers touch new 4 KiB pages
// as they grow, and glibc gave freed memory back only to fault it in again:
// ~140,000 faults in a 60,000-record pipeline run, 8-9 % of the agents' and
// hub's perf samples plus the interrupts they leave on; with these
// tunables ~6,500 (README, twenty-eighth session).
//
//   int main(int argc, char** argv) {
//     ...                                 // nothing opened, no thread yet
//     const std::string note = HugePageHeap::Restart(argv);  // returns in the new image
//     Logging::Init(...);
//     if (!note.empty()) spdlog::warn("{}", note);
//
// What the daemon was given comes back once it runs (hooks it spawns get
// the environment as it was). Left alone: an operator who names
// glibc.malloc.hugetlb in GLIBC_TUNABLES (=0 keeps 4 KiB pages; every other
// tunable named there keeps its value too), a program glibc runs in secure
// mode (setuid, file capabilities: it ignores GLIBC_TUNABLES then), and
// a run under valgrind (the new image would run outside it) or through
// the dynamic loader (ld-linux ./cen-node).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace cen::common {

class HugePageHeap {
 public:
  // The tunables added to what the operator gave: huge pages for malloc's
  // heap (madvise, the kernel's own setting decides), no large block given
  // back with munmap under 32 MiB, nothing trimmed below 256 MiB free, the
  // heap grown 64 MiB at a time.
  static constexpr const char* kTunables[] = {
      "glibc.malloc.hugetlb=1", "glibc.malloc.mmap_threshold=33554432",
      "glibc.malloc.trim_threshold=268435456", "glibc.malloc.top_pad=67108864"};
  // Carries what GLIBC_TUNABLES was across the restart (Marker()).
  static constexpr const char* kGivenVariable = "CEN_GIVEN_GLIBC_TUNABLES";

  // GLIBC_TUNABLES to start with, given its value now (nullopt: unset);
  // nullopt when there is nothing to add (the operator chose
  // glibc.malloc.hugetlb).
  static std::optional<std::string> TunablesFor(const std::optional<std::string>& given);

  // The marker process `pid` leaves for its new image: the pid, then "-"
  // when GLIBC_TUNABLES was unset or "=" and its value.
  static std::string Marker(pid_t pid, const std::optional<std::string>& given);
  // What a marker says GLIBC_TUNABLES was (the outer optional empty when
  // process `pid` did not write it: copied from another environment).
  static std::optional<std::optional<std::string>> Given(std::string_view marker, pid_t pid);

  // Before the restart: sets GLIBC_TUNABLES and execs its own file with
  // `argv` (does not return). After it, or when nothing is to be added:
  // puts back what was given and returns a line for the log ("" when
  // there is nothing to say). Call before any thread, file or socket, and
  // with the environment as given (see Messages::Use("en")).
  static std::string Restart(char** argv);
};

}  // namespace cen::common
