// Wall-clock text in the formats records use. Thread-safe.
#pragma once

#include <string>

namespace cen::common {

class Clock {
 public:
  // "2026-11-28T03:07:01.123Z": RFC 3339, UTC, milliseconds.
  static std::string NowRfc3339();
  // The same for `unix_millis` (texts of this form sort as their times do).
  static std::string Rfc3339(long long unix_millis);
  // "2026-11-28": today's date in UTC.
  static std::string TodayUtc();
  // Unix time in milliseconds.
  static long long NowMillis();
  // "45s", "12m", "3h", "9d": a span of `millis` in its largest whole unit;
  // a negative span reads "in 2d" (how long until).
  static std::string Span(long long millis);
};

}  // namespace cen::common
