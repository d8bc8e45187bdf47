// Gives a daemon's heap transparent huge pages (2 MiB) and keeps freed
// memory in it, through glibc's malloc tunables. glibc reads them only when
// a program starts (GLIBC_TUNABLES), so the daemon starts itself again, once,
// with them set: same pid, same arguments, nothing opened yet.
//
// Why: on this project's machines a page fault is dear (a Firecracker VM,
// ~5-10 us each). SQLite's page cache, the feed's frames and libzmq's
// buffers first touch ~0.6 new 4 KiB pages per applied record, and glibc
// gave freed memory back only to fault it in again: 140,000 faults and a
// quarter of the agents' and hub's CPU in a 60,000-record pipeline run
// (perf: asm_exc_page_fault and the interrupts it leaves on); with these
// tunables, 4,700 faults (cen_pipeline_bench, see README).
//
//   int main(int argc, char** argv) {
//     ...
//     const std::string note = HugePageHeap::Restart(argv);  // returns in the new image
//     Logging::Init(...);
//     if (!note.empty()) spdlog::info("{}", note);
//
// What the daemon was given comes back once it runs (hooks it spawns get
// the environment as it was). An operator who sets glibc.malloc.hugetlb
// in GLIBC_TUNABLES (=0 to keep 4 KiB pages) is left alone, and so is every
// tunable named there.
#pragma once

#include <optional>
#include <string>

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
  // Carries what GLIBC_TUNABLES was across the restart: "-" when unset,
  // "=VALUE" when set.
  static constexpr const char* kGivenVariable = "CEN_GIVEN_GLIBC_TUNABLES";

  // GLIBC_TUNABLES to start with, given its value now (nullopt: unset);
  // nullopt when there is nothing to add (the operator chose
  // glibc.malloc.hugetlb).
  static std::optional<std::string> TunablesFor(const std::optional<std::string>& given);

  // Before the restart: sets GLIBC_TUNABLES and execs its own file with
  // `argv` (does not return). After it, or when nothing is to be added:
  // puts back what was given and returns a line for the log ("" when
  // there is nothing to say). Call before any thread, file or socket.
  static std::string Restart(char** argv);
};

}  // namespace cen::common
