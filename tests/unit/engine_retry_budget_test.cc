// RunControl's retry budget for one store operation of a held run: transient errors are retried
// up to kStoreRetries times with waits doubling from kFirstRetryWait to kMaxRetryWait, never past
// the lease expiry; other errors are returned at once. A write still without an answer after that
// budget is settled: tried again, with the same write id, every kMaxRetryWait for kSettleFor.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dynaflow/engine/internal/counters.h"
#include "dynaflow/engine/internal/run_control.h"
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

// What RetryTransient returned for an operation that always fails with one error, and how many
// times it called that operation.
struct RetriedFailure {
  Status status;
  int calls = 0;
};
RetriedFailure RetryAlwaysFailing(RunControl& control, const Status& error) {
  RetriedFailure out;
  out.status = control.RetryTransient([&] {
    ++out.calls;
    return error;
  });
  return out;
}

TEST_F(RetryBudgetTest, AnOutageCostsNineTriesAndAtMost3260MsOfWaiting) {
  auto control = Held(milliseconds(30000));
  const TimePoint start = clock_.Now();
  auto [s, calls] = RetryAlwaysFailing(*control, Status::Unavailable("connection refused"));
  EXPECT_TRUE(s.Is(StatusCode::kUnavailable)) << s;
  EXPECT_EQ(calls, 1 + RunControl::kStoreRetries);
  // 20 + 40 + 80 + 160 + 320 + 640 + 1000 + 1000 ms.
  EXPECT_EQ(clock_.Now() - start, milliseconds(3260));
}

TEST_F(RetryBudgetTest, NeverWaitsPastTheLeaseExpiry) {
  auto control = Held(milliseconds(100));
  auto [s, calls] = RetryAlwaysFailing(*control, Status::Throttled("slow down"));
  EXPECT_TRUE(s.Is(StatusCode::kThrottled)) << s;
  EXPECT_EQ(calls, 3);  // waits 20 and 40 ms; the next wait (80 ms) would pass the expiry
}

TEST_F(RetryBudgetTest, OtherErrorsAndSuccessEndTheBudget) {
  auto control = Held(milliseconds(30000));
  auto [s, calls] = RetryAlwaysFailing(*control, Status::NotFound("gone"));
  EXPECT_TRUE(s.Is(StatusCode::kNotFound));
  EXPECT_EQ(calls, 1);
  int calls_until_ok = 0;
  Status ok = control->RetryTransient(
      [&] { return ++calls_until_ok < 3 ? Status::Timeout("slow") : Status::OK(); });
  EXPECT_OK(ok);
  EXPECT_EQ(calls_until_ok, 3);
}

// Calls of a write `op` and the write ids they carried.
struct WriteTries {
  int calls = 0;
  std::set<std::string> write_ids;
};

TEST_F(RetryBudgetTest, AWriteWithoutAnAnswerIsSettledPastTheLeaseExpiry) {
  auto control = Held(milliseconds(100));
  WriteTries tries;
  Result<::dynaflow::Run> r = control->Write([&](const store::Fence& f) -> Result<::dynaflow::Run> {
    ++tries.calls;
    tries.write_ids.insert(f.write_id);
    if (tries.calls < 6) return Status::Serialization("x-amz-crc32 mismatch");
    return ::dynaflow::Run{};
  });
  EXPECT_OK(r);
  EXPECT_EQ(tries.calls, 6);  // 3 within the lease, then one per kMaxRetryWait
  EXPECT_EQ(tries.write_ids.size(), 1u) << "every try is the same write";
  EXPECT_FALSE(control->lost());
}

TEST_F(RetryBudgetTest, AWriteThatNeverGetsAnAnswerIsGivenUpAfterTheSettleTime) {
  auto control = Held(milliseconds(30000));
  const TimePoint start = clock_.Now();
  int calls = 0;
  Result<::dynaflow::Run> r = control->Write([&](const store::Fence&) -> Result<::dynaflow::Run> {
    ++calls;
    return Status::Unavailable("connection reset");
  });
  EXPECT_TRUE(r.error().Is(StatusCode::kUnavailable)) << r.error();
  EXPECT_EQ(calls, 1 + RunControl::kStoreRetries + 30);
  EXPECT_EQ(clock_.Now() - start, milliseconds(3260) + RunControl::kSettleFor);
}

TEST_F(RetryBudgetTest, OnlyUnansweredWritesAreSettled) {
  auto control = Held(milliseconds(100));
  int calls = 0;
  Result<::dynaflow::Run> r = control->Write([&](const store::Fence&) -> Result<::dynaflow::Run> {
    ++calls;
    return Status::Throttled("slow down");  // refused: nothing was written
  });
  EXPECT_TRUE(r.error().Is(StatusCode::kThrottled)) << r.error();
  EXPECT_EQ(calls, 3);
}

TEST_F(RetryBudgetTest, ARunTakenOverWhileSettlingIsLost) {
  auto control = Held(milliseconds(100));
  int calls = 0;
  Result<::dynaflow::Run> r = control->Write([&](const store::Fence&) -> Result<::dynaflow::Run> {
    return ++calls < 5 ? Status::Timeout("no answer") : Status::Fenced("claimed by w2");
  });
  EXPECT_TRUE(r.error().Is(StatusCode::kFenced)) << r.error();
  EXPECT_EQ(calls, 5);
  EXPECT_TRUE(control->lost());
}

}  // namespace
}  // namespace dynaflow::engine::internal
