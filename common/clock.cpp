#include "common/clock.h"

#include <chrono>
#include <ctime>

namespace cen::common {

long long Clock::NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Clock::NowRfc3339() { return Rfc3339(NowMillis()); }

std::string Clock::Rfc3339(long long ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string Clock::TodayUtc() {
  const std::time_t secs = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string Clock::Span(long long millis) {
  const bool future = millis < 0;
  const long long s = (future ? -millis : millis) / 1000;
  std::string text;
  if (s < 60) {
    text = std::to_string(s) + "s";
  } else if (s < 3600) {
    text = std::to_string(s / 60) + "m";
  } else if (s < 86400) {
    text = std::to_string(s / 3600) + "h";
  } else {
    text = std::to_string(s / 86400) + "d";
  }
  return future ? "in " + text : text;
}

}  // namespace cen::common
