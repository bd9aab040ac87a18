// Assertions on Status, Result<T> and the DynamoDB client's Outcome<T> that print the error.
//
//   ASSERT_OK(store->CreateRun(run));          // fails with "CreateRun(run) is not OK: ..."
//   EXPECT_OK(client.GetItem(request)) << "while reading " << key;
//   EXPECT_STATUS(table->Put(item, when), StatusCode::kConditionFailed);
//   ASSERT_OK_AND_ASSIGN(auto worker, engine->NewWorker(options));  // worker: the value
//   ASSERT_ERROR(provider.GetCredentials(), StatusCode::kNotFound, "profile \"x\" not found");
//
// Each macro evaluates its expression once; all but ASSERT_OK_AND_ASSIGN accept a trailing
// `<< message`. ASSERT_* stop the test on failure, EXPECT_* continue it (as GoogleTest's own).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "dynaflow/model/result.h"
#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/error.h"

namespace dynaflow::test {

// The text a failed assertion prints for an error value.
inline std::string ErrorText(const Status& s) { return s.ToString(); }
inline std::string ErrorText(const dynamodb::Error& e) { return e.ToString(); }
template <class T, class E>
std::string ErrorText(const Result<T, E>& r) {
  return r.ok() ? "OK" : ErrorText(r.error());
}

// Predicate formatter of EXPECT_OK / ASSERT_OK: success when `value.ok()`, otherwise a
// failure naming the expression and its error.
template <class StatusOrResult>
::testing::AssertionResult IsOk(const char* expression, const StatusOrResult& value) {
  if (value.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expression << " is not OK: " << ErrorText(value);
}

// Success when `s` has code `want`; otherwise a failure naming both codes and s's message.
::testing::AssertionResult StatusIs(const Status& s, StatusCode want);

// Success when `s` has code `want` (not kOk) and exactly the message `message`; otherwise a
// failure showing the status and what was expected.
::testing::AssertionResult FailedWith(const Status& s, StatusCode want, std::string_view message);

// The status of a Status or Result (OK for a Result that holds a value).
inline Status StatusOf(const Status& s) { return s; }
template <class T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace dynaflow::test

#define EXPECT_OK(expression) EXPECT_PRED_FORMAT1(::dynaflow::test::IsOk, expression)
#define ASSERT_OK(expression) ASSERT_PRED_FORMAT1(::dynaflow::test::IsOk, expression)

// Declares or assigns `lhs` from the value of the Result `expression`, after ASSERT_OK on it.
// Expands to several statements: not for an unbraced if/else branch.
#define ASSERT_OK_AND_ASSIGN(lhs, ...) \
  DYNAFLOW_ASSERT_OK_AND_ASSIGN_IMPL(DYNAFLOW_CONCAT(_df_asserted_, __LINE__), lhs, __VA_ARGS__)
#define DYNAFLOW_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, ...) \
  auto tmp = (__VA_ARGS__);                               \
  ASSERT_TRUE(::dynaflow::test::IsOk(#__VA_ARGS__, tmp)); \
  lhs = std::move(tmp).value()

// `expression` (a Status or Result<T>) failed with code `code` and exactly the message `message`.
#define EXPECT_ERROR(expression, code, message) \
  EXPECT_TRUE(                                  \
      ::dynaflow::test::FailedWith(::dynaflow::test::StatusOf(expression), (code), (message)))
#define ASSERT_ERROR(expression, code, message) \
  ASSERT_TRUE(                                  \
      ::dynaflow::test::FailedWith(::dynaflow::test::StatusOf(expression), (code), (message)))

// `status_expr` is a Status (or a Result's status()).
#define EXPECT_STATUS(status_expr, want) \
  EXPECT_TRUE(::dynaflow::test::StatusIs((status_expr), (want)))
