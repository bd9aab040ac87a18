// Result<T, E>: a value or an error (E defaults to Status). A C++20 stand-in for std::expected.
//
// Contract: a Result built from an error must hold a non-OK error; a Result<T, Status> built from
// an OK Status is a caller bug and holds a kInternal error saying so instead. Accessing value()
// of an error Result (or error() of a value Result) is a programming bug and aborts.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "dynaflow/model/status.h"

namespace dynaflow {

template <class T, class E = Status>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}            // NOLINT: implicit
  Result(E error) : v_(std::in_place_index<1>, RejectOk(std::move(error))) {}  // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    Check(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    Check(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    Check(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const& {
    Check(!ok());
    return std::get<1>(v_);
  }
  E&& error() && {
    Check(!ok());
    return std::get<1>(std::move(v_));
  }

  // The Status of this result (OK when it holds a value); available when E is Status.
  template <class U = E, std::enable_if_t<std::is_same_v<U, Status>, int> = 0>
  Status status() const {
    return ok() ? Status::OK() : std::get<1>(v_);
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  static E RejectOk(E error) {
    if constexpr (std::is_same_v<E, Status>) {
      if (error.ok()) {
        return Status::Internal("Result built from an OK Status (return a value or an error)");
      }
    }
    return error;
  }
  static void Check(bool cond) {
    if (!cond) std::abort();
  }
  std::variant<T, E> v_;
};

// Propagates a non-OK Status from an expression returning Status.
#define DYNAFLOW_RETURN_IF_ERROR(expr)       \
  do {                                       \
    ::dynaflow::Status _df_status = (expr);  \
    if (!_df_status.ok()) return _df_status; \
  } while (0)

#define DYNAFLOW_CONCAT_INNER(a, b) a##b
#define DYNAFLOW_CONCAT(a, b) DYNAFLOW_CONCAT_INNER(a, b)

// `DYNAFLOW_ASSIGN_OR_RETURN(auto x, Fn());` declares x from a Result<T, Status>, or returns its
// Status from the enclosing function.
#define DYNAFLOW_ASSIGN_OR_RETURN(lhs, expr) \
  DYNAFLOW_ASSIGN_OR_RETURN_IMPL(DYNAFLOW_CONCAT(_df_result_, __LINE__), lhs, expr)
#define DYNAFLOW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return std::move(tmp).error();        \
  lhs = std::move(tmp).value()

}  // namespace dynaflow
