#include "common/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace cen::common {

void Logging::Init(const std::string& process_id) {
  auto logger = spdlog::stderr_logger_mt(process_id);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%n] %l: %v");
  spdlog::set_default_logger(logger);
  const char* level = std::getenv("CEN_LOG_LEVEL");
  spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace cen::common
