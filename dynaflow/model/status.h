// Status: the outcome of an operation that can fail in an expected way.
//
// Cheap to copy when OK (no allocation). Expected failures (not found, condition failed,
// throttled, ...) are Status values, never exceptions. Thread-safety: a Status is an immutable
// value; distinct objects may be used from distinct threads freely.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace dynaflow {

enum class StatusCode {
  kOk = 0,
  kNotFound,             // the item/run/table does not exist
  kConditionFailed,      // a conditional write's condition was false
  kAlreadyExists,        // create of something that exists
  kFenced,               // the caller's lease epoch was superseded by another owner
  kInvalidArgument,      // bad input from the caller (config, payload, expression, cursor)
  kLimitExceeded,        // an item / transaction / page / key size limit was exceeded
  kThrottled,            // the service asked us to slow down and retries were exhausted
  kUnavailable,          // connection failure, 5xx after retries, service not reachable
  kTimeout,              // a connect or request deadline passed
  kSerialization,        // a malformed or truncated response / stored value
  kTransactionCanceled,  // a transaction was cancelled (see the reasons in the message)
  kPermissionDenied,     // credentials rejected or missing permissions
  kCancelled,            // the operation (or run) was cancelled by a caller
  kInternal,             // a bug or an unexpected state; never an expected outcome
};

// The stable name of a code, e.g. "ConditionFailed".
std::string_view StatusCodeName(StatusCode code);
// Streams StatusCodeName(code).
std::ostream& operator<<(std::ostream& os, StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status ConditionFailed(std::string msg) {
    return {StatusCode::kConditionFailed, std::move(msg)};
  }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status Fenced(std::string msg) { return {StatusCode::kFenced, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status LimitExceeded(std::string msg) {
    return {StatusCode::kLimitExceeded, std::move(msg)};
  }
  static Status Throttled(std::string msg) { return {StatusCode::kThrottled, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {StatusCode::kTimeout, std::move(msg)}; }
  static Status Serialization(std::string msg) {
    return {StatusCode::kSerialization, std::move(msg)};
  }
  static Status TransactionCanceled(std::string msg) {
    return {StatusCode::kTransactionCanceled, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty when OK.
  const std::string& message() const;
  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>" (OK stays OK).
  Status WithContext(std::string_view context) const;

  bool Is(StatusCode c) const { return code() == c; }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

}  // namespace dynaflow
