#include "common/status.h"

namespace cen::common {

int Status::ExitCode() const {
  switch (code_) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalidInput:
    case StatusCode::kUsage:
      return 2;
    default:
      return 1;
  }
}

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidInput:
      name = "invalid input";
      break;
    case StatusCode::kUsage:
      name = "usage";
      break;
    case StatusCode::kNotFound:
      name = "not found";
      break;
    case StatusCode::kAlreadyExists:
      name = "already exists";
      break;
    case StatusCode::kPermission:
      name = "permission denied";
      break;
    case StatusCode::kUnavailable:
      name = "unavailable";
      break;
    case StatusCode::kCorruption:
      name = "corruption";
      break;
    case StatusCode::kInternal:
      name = "internal";
      break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace cen::common
