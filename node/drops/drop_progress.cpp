#include "node/drops/drop_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "common/grouped_number.h"

namespace cen::node {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(200);
constexpr int kBarWidth = 20;

}  // namespace

bool DropProgress::IsTerminal(int fd) { return ::isatty(fd) == 1; }

void DropProgress::Start(uint64_t total_bytes) {
  total_ = total_bytes;
  started_ = drawn_ = Clock::now();
}

void DropProgress::Update(int64_t rows, uint64_t bytes) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - drawn_ < kRedrawEvery) return;
  drawn_ = now;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
  std::string line = "\r";
  if (total_ > 0) {
    const double done = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
    const int filled = static_cast<int>(done * kBarWidth);
    line += "[" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(kBarWidth - filled), '-') + "] ";
    char percent[8];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(done * 100));
    line += percent;
    const double byte_rate = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
    if (byte_rate > 0) {
      const auto eta =
          static_cast<int64_t>(static_cast<double>(total_ - std::min(bytes, total_)) / byte_rate);
      line += "  ETA " + std::to_string(eta) + " s";
    }
  }
  line += "  " + common::GroupedNumber(rows) + " rows  " +
          common::GroupedNumber(static_cast<int64_t>(rate)) + " rows/s";
  line += "\x1b[K";  // erase the rest of a longer previous line
  out_ << line << std::flush;
  visible_ = true;
}

void DropProgress::Finish() {
  if (!visible_) return;
  out_ << "\r\x1b[K" << std::flush;
  visible_ = false;
}

}  // namespace cen::node
