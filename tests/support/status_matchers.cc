#include "tests/support/status_matchers.h"

namespace dynaflow::test {

::testing::AssertionResult StatusIs(const Status& s, StatusCode want) {
  if (s.code() == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << StatusCodeName(want) << ", got " << s;
}

::testing::AssertionResult FailedWith(const Status& s, StatusCode want, std::string_view message) {
  if (s.code() == want && want != StatusCode::kOk && s.message() == message) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "got " << s << "\n expected " << StatusCodeName(want) << ": " << message;
}

}  // namespace dynaflow::test
