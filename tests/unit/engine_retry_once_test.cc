// Retry once: retrying a FAILED run creates at most one retry of it, whoever asks and however
// often (in a row, concurrently, from another engine), on the memory, SQLite and DynamoDB Local
// backends; a fork is a deliberate further copy.
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineRetryOnceTest : public EngineTest {
 protected:
  // "reserve" then "charge", which fails while *fail holds.
  Workflow Order(Calls* calls, std::atomic<bool>* fail) {
    return WorkflowBuilder("retry-once", 1)
        .Step<int, int>("reserve",
                        [calls](StepContext&, const int& n) {
                          calls->Hit("reserve");
                          return n + 1;
                        })
        .Step<int, int>(
            "charge",
            [calls, fail](StepContext&, const int& n) -> Result<int> {
              calls->Hit("charge");
              if (fail->load()) return Status::Unavailable("bank down");
              return n + 10;
            },
            NoRetries())
        .Build()
        .value();
  }
};

TEST_P(EngineRetryOnceTest, RetriesInARowAndConcurrentlyAndFromAnotherEngineMakeOneRetry) {
  Calls calls;
  std::atomic<bool> fail{true};
  auto wf = Order(&calls, &fail);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions so;
  so.business_key = "order-1";
  auto failed = StartAndWait(*engine, wf, 0, so);
  ASSERT_TRUE(EndedAs(failed, RunStatus::kFailed, "bank down"));
  fail.store(false);

  ASSERT_OK_AND_ASSIGN(auto first, engine->RetryFailedRun(failed.run_id));
  EXPECT_TRUE(first.created);
  ASSERT_OK_AND_ASSIGN(auto second, engine->RetryFailedRun(failed.run_id));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.run_id, first.run_id);

  // Four concurrent callers, two of them on another engine over the same stored data.
  auto other = OpenEngine(nullptr, nullptr, NewTable());
  ASSERT_NE(other, nullptr);
  std::vector<Result<StartResult>> results(4, Status::Internal("not run"));
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] {
      Engine& e = (i % 2 == 0 || GetParam() == Backend::kMemory) ? *engine : *other;
      results[i] = e.RetryFailedRun(failed.run_id);
    });
  }
  for (auto& c : callers) c.join();
  for (const auto& r : results) {
    ASSERT_OK(r);
    EXPECT_FALSE(r->created);
    EXPECT_EQ(r->run_id, first.run_id);
  }

  ASSERT_TRUE(EndedAs(Wait(*engine, first.run_id), RunStatus::kCompleted));
  EXPECT_EQ(calls.Count("reserve"), 1);  // copied into the retry, not executed again
  EXPECT_EQ(calls.Count("charge"), 2);   // the failed attempt and the retry's
  ASSERT_OK_AND_ASSIGN(auto original, engine->store().GetRun(failed.run_id));
  EXPECT_EQ(original.status, RunStatus::kFailed);
  EXPECT_EQ(original.retried_by, first.run_id);
  // The business key names the retry now; the retry carries it.
  ASSERT_OK_AND_ASSIGN(auto by_key, engine->store().FindRunByBusinessKey(wf.id(), "order-1"));
  EXPECT_EQ(by_key.run_id, first.run_id);
  EXPECT_EQ(by_key.business_key, "order-1");
  store::ListRunsRequest all;
  all.workflow_id = wf.id();
  ASSERT_OK_AND_ASSIGN(auto page, engine->ListRunsByWorkflow(all));
  EXPECT_EQ(page.runs.size(), 2u);  // the original and its one retry
}

TEST_P(EngineRetryOnceTest, AForkIsAFurtherCopyThatLeavesTheRetryAndTheKeyAlone) {
  Calls calls;
  std::atomic<bool> fail{true};
  auto wf = Order(&calls, &fail);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions so;
  so.business_key = "order-2";
  auto failed = StartAndWait(*engine, wf, 0, so);
  ASSERT_TRUE(EndedAs(failed, RunStatus::kFailed, "bank down"));
  fail.store(false);
  ASSERT_OK_AND_ASSIGN(auto retry, engine->RetryFailedRun(failed.run_id));
  RetryOptions fork;
  fork.fork = true;
  ASSERT_OK_AND_ASSIGN(auto copy, engine->RetryFailedRun(failed.run_id, fork));
  EXPECT_TRUE(copy.created);
  EXPECT_NE(copy.run_id, retry.run_id);
  ASSERT_TRUE(EndedAs(Wait(*engine, retry.run_id), RunStatus::kCompleted));
  ASSERT_TRUE(EndedAs(Wait(*engine, copy.run_id), RunStatus::kCompleted));
  ASSERT_OK_AND_ASSIGN(auto original, engine->store().GetRun(failed.run_id));
  EXPECT_EQ(original.retried_by, retry.run_id);
  ASSERT_OK_AND_ASSIGN(auto by_key, engine->store().FindRunByBusinessKey(wf.id(), "order-2"));
  EXPECT_EQ(by_key.run_id, retry.run_id);
  ASSERT_OK_AND_ASSIGN(auto forked, engine->store().GetRun(copy.run_id));
  EXPECT_TRUE(forked.business_key.empty());
}

TEST_P(EngineRetryOnceTest, OnlyFailedRunsAreRetried) {
  Calls calls;
  std::atomic<bool> fail{false};
  auto wf = Order(&calls, &fail);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = StartAndWait(*engine, wf, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  EXPECT_ERROR(engine->RetryFailedRun(done.run_id), StatusCode::kConditionFailed,
               "run " + done.run_id + " is COMPLETED; only FAILED runs can be retried");
}

DYNAFLOW_ENGINE_BACKENDS(EngineRetryOnceTest);

}  // namespace
}  // namespace dynaflow::engine::test
