// Helpers shared by the benchmark programs.
//
//   const auto t0 = SteadyClock::now();
//   CheckOk(db->Exec("..."), "pragma");  // exits 1 with a message on failure
//   double s = SecondsBetween(t0, SteadyClock::now());
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

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

// A benchmark cannot go on after a failed step: print it and exit 1.
inline void CheckOk(const common::Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << "bench: " << what << ": " << s.message() << "\n";
    std::exit(1);
  }
}

}  // namespace cen::bench
