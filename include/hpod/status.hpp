// Status and Result: how every fallible call in hpod reports failure.
//
// A Status carries a code (which maps onto an HTTP status at the API boundary) and a
// message that already names its context (file, JSON path, trial, job id). Errors are
// never swallowed: a caller either handles a Status or returns it upwards.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hpod {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,    // 400: bad input (study file, request body, option)
    kUnauthenticated,    // 401: no token or an unknown one
    kPermissionDenied,   // 403: a valid token for something else
    kNotFound,           // 404
    kConflict,           // 409: exists with a different definition, trial already finished
    kTooLarge,           // 413
    kFailedPrecondition, // 409/412: state does not allow the operation
    kUnavailable,        // 503: a dependency (Slurm controller, disk) is down; retry later
    kIOError,            // 500: storage or OS failure
    kInternal,           // 500: a bug
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status TooLarge(std::string m) { return {Code::kTooLarge, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with more context ("study foo: " + message).
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return {code_, context + ": " + message_};
  }

  std::string to_string() const;
  static const char* code_name(Code code);

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hpod

#define HPOD_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::hpod::Status hpod_status_ = (expr);   \
    if (!hpod_status_.ok()) return hpod_status_; \
  } while (0)

// HPOD_ASSIGN_OR_RETURN(auto x, expr): evaluates expr (a Result<T>); on error returns its
// Status from the enclosing function, else declares x with the value. Usable once per line.
#define HPOD_ASSIGN_OR_RETURN(lhs, ...) \
  HPOD_ASSIGN_OR_RETURN_IMPL_(HPOD_STATUS_CONCAT_(hpod_result_, __LINE__), lhs, __VA_ARGS__)
#define HPOD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, ...) \
  auto tmp = (__VA_ARGS__);                        \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
#define HPOD_STATUS_CONCAT_(a, b) HPOD_STATUS_CONCAT_INNER_(a, b)
#define HPOD_STATUS_CONCAT_INNER_(a, b) a##b
