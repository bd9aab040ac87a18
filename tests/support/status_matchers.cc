#include "tests/support/status_matchers.h"

namespace dynaflow::test {

::testing::AssertionResult StatusIs(const Status& s, StatusCode want) {
  if (s.code() == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << StatusCodeName(want) << ", got " << s;
}

}  // namespace dynaflow::test
