// What the process logs through spdlog while a LogCapture lives: the
// default logger writes into it, and the one before comes back when it is
// destroyed (however the test ends: a failed REQUIRE must not leave the
// logger writing into a stream that is gone).
//
//   cen::test::LogCapture log;
//   ... code that logs ...
//   CHECK(log.Count("rebuilding the replica") == 1);
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <memory>
#include <sstream>
#include <string>

namespace cen::test {

class LogCapture {
 public:
  LogCapture() : before_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)));
  }
  ~LogCapture() { spdlog::set_default_logger(before_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const { return text_.str(); }
  // How many times `what` was logged (non-overlapping occurrences).
  size_t Count(const std::string& what) const {
    const std::string all = text();
    size_t n = 0;
    for (size_t at = all.find(what); at != std::string::npos; at = all.find(what, at + what.size()))
      ++n;
    return n;
  }

 private:
  std::shared_ptr<spdlog::logger> before_;
  std::ostringstream text_;
};

}  // namespace cen::test
