// Status and Result<T>: expected failures that cross a module boundary.
//
//   cen::common::Result<int> ParsePort(std::string_view text);
//   auto port = ParsePort("7701");
//   if (!port.ok()) return port.status();
//   Use(*port);
//
// A Status is a code and a message for a person. Codes map to exit codes:
// kOk -> 0, kInvalidInput/kUsage -> 2, everything else -> 1.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cen::common {

enum class StatusCode {
  kOk,
  kInvalidInput,   // the user's data or arguments are wrong
  kUsage,          // the command line is wrong
  kNotFound,       // a file, record or key does not exist
  kAlreadyExists,  // creating what is already there
  kPermission,     // unsafe file modes, unauthorised node
  kUnavailable,    // a peer or resource cannot be reached now; try again
  kCorruption,     // a store or frame is not what it must be
  kInternal,       // a library failed in a way we did not expect
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // 0 ok, 2 bad usage or invalid input, 1 any other failure.
  int ExitCode() const;
  // "invalid input: <message>" style text for logs.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidInput(std::string m) { return {StatusCode::kInvalidInput, std::move(m)}; }
inline Status UsageError(std::string m) { return {StatusCode::kUsage, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermission, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none. REQUIRES: the Status
// given to the constructor is not ok.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace cen::common

// Returns from the enclosing function when the expression's Status is not ok.
#define CEN_RETURN_IF_ERROR(expr)               \
  do {                                          \
    ::cen::common::Status cen_status_ = (expr); \
    if (!cen_status_.ok()) return cen_status_;  \
  } while (0)
