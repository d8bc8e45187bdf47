// Helpers shared by the benchmark programs.
//
//   const auto t0 = SteadyClock::now();
//   CheckOk(db->Exec("..."), "pragma");  // exits 1 with a message on failure
//   double s = SecondsBetween(t0, SteadyClock::now());
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "common/huge_page_heap.h"
#include "common/status.h"

namespace cen::bench {

using SteadyClock = std::chrono::steady_clock;

inline double SecondsBetween(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// User + system CPU seconds this process has used so far.
inline double SelfCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Writes out every dirty page of the machine before a measured phase. What
// an earlier phase or benchmark left in the page cache (cen_drop_bench
// leaves about a gigabyte) is otherwise written back during this one, and
// the kernel makes its writers wait for it: a 120,000-record pipeline run
// just after other benchmarks took 116 us of CPU per record (agents' system
// time 0.8-0.9 s each), 77 after a sync (0.2-0.3 s).
inline void FlushDirtyPages() { ::sync(); }

// First in main(): this process gets the heap cenhub's daemons give
// themselves (common/huge_page_heap.h), so the raw SQLite baselines and the
// peers measured in it gain from huge pages as cenhub's code does. Not in
// cen_query_bench: cen-query, a short command, keeps glibc's defaults.
inline void UseDaemonHeap(char** argv) {
  const std::string note = common::HugePageHeap::Restart(argv);
  if (!note.empty()) std::cerr << "bench: " << note << "\n";
}

// A benchmark cannot go on after a failed step: print it and exit 1.
inline void CheckOk(const common::Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << "bench: " << what << ": " << s.message() << "\n";
    std::exit(1);
  }
}

}  // namespace cen::bench
