// RunControl's retry budget for one store operation of a held run: transient errors are retried
// up to kStoreRetries times with waits doubling from kFirstRetryWait to kMaxRetryWait, never past
// the lease expiry; other errors are returned at once.
#include <gtest/gtest.h>

#include "engine/internal/counters.h"
#include "engine/internal/run_control.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine::internal {
namespace {

using std::chrono::milliseconds;

class RetryBudgetTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunControl> Held(milliseconds lease_left) {
    ::dynaflow::Run held;
    held.run_id = "r";
    held.lease.owner = "w";
    held.lease.epoch = 1;
    held.lease.expires_at = clock_.Now() + lease_left;
    return std::make_unique<RunControl>(nullptr, &clock_, std::make_shared<Counters>(), held,
                                        milliseconds(30000), milliseconds(10000));
  }
  test::FakeClock clock_;
};

TEST_F(RetryBudgetTest, AnOutageCostsNineTriesAndAtMost3260MsOfWaiting) {
  auto control = Held(milliseconds(30000));
  int calls = 0;
  const TimePoint start = clock_.Now();
  Status s = control->RetryTransient([&] {
    ++calls;
    return Status::Unavailable("connection refused");
  });
  EXPECT_TRUE(s.Is(StatusCode::kUnavailable)) << s;
  EXPECT_EQ(calls, 1 + RunControl::kStoreRetries);
  // 20 + 40 + 80 + 160 + 320 + 640 + 1000 + 1000 ms.
  EXPECT_EQ(clock_.Now() - start, milliseconds(3260));
}

TEST_F(RetryBudgetTest, NeverWaitsPastTheLeaseExpiry) {
  auto control = Held(milliseconds(100));
  int calls = 0;
  Status s = control->RetryTransient([&] {
    ++calls;
    return Status::Throttled("slow down");
  });
  EXPECT_TRUE(s.Is(StatusCode::kThrottled)) << s;
  EXPECT_EQ(calls, 3);  // waits 20 and 40 ms; the next wait (80 ms) would pass the expiry
}

TEST_F(RetryBudgetTest, OtherErrorsAndSuccessEndTheBudget) {
  auto control = Held(milliseconds(30000));
  int calls = 0;
  Status s = control->RetryTransient([&] {
    ++calls;
    return Status::NotFound("gone");
  });
  EXPECT_TRUE(s.Is(StatusCode::kNotFound));
  EXPECT_EQ(calls, 1);
  calls = 0;
  s = control->RetryTransient([&] { return ++calls < 3 ? Status::Timeout("slow") : Status::OK(); });
  EXPECT_OK(s);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace dynaflow::engine::internal
