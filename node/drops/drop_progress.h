// A progress bar for a long drop, on standard error when it is a terminal:
//   [##########----------]  48%  481,920 rows  103,112 rows/s  ETA 5 s
// Redrawn at most five times a second; Finish() erases it, so the one-line
// summary that follows stands alone. Off (every call a no-op) when disabled.
//
//   DropProgress progress(std::cerr, DropProgress::IsTerminal(2));
//   progress.Start(file_size);
//   progress.Update(rows, bytes);
//   progress.Finish();
//
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace cen::node {

class DropProgress {
 public:
  DropProgress(std::ostream& out, bool enabled) : out_(out), enabled_(enabled) {}

  static bool IsTerminal(int fd);

  // Starts a file of `total_bytes` (0 when unknown, e.g. standard input).
  void Start(uint64_t total_bytes);
  void Update(int64_t rows, uint64_t bytes);
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  const bool enabled_;
  uint64_t total_ = 0;
  Clock::time_point started_{};
  Clock::time_point drawn_{};
  bool visible_ = false;
};

}  // namespace cen::node
