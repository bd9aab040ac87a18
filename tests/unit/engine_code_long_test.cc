// A long code workflow: 10,000 steps in one run, parked after them and resumed by a fresh
// worker that replays all 10,000 records (read with paginated Queries: the count is printed and
// bounded) without executing any of them again; on the memory, SQLite and DynamoDB Local
// backends.
#include <atomic>
#include <iostream>
#include <string>

#include "dynaflow/engine/durable.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

constexpr int kSteps = 10000;

class EngineCodeLongTest : public EngineTest {};

TEST_P(EngineCodeLongTest, TenThousandStepsRunAndReplayWithoutExecutingAgain) {
  FakeClock clock(Clock::Real()->Now());
  std::atomic<int> executed{0};
  auto wf =
      DurableWorkflow<int, int64_t>(
          "long", 1,
          [&](WorkflowContext& ctx, const int& n) -> Result<int64_t> {
            int64_t sum = 0;
            for (int i = 0; i < n; ++i) {
              DYNAFLOW_ASSIGN_OR_RETURN(int v, ctx.Step("add", [&, i](StepContext&) {
                ++executed;
                return i;
              }));
              sum += v;
            }
            DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("rest", std::chrono::hours(1)));
            DYNAFLOW_ASSIGN_OR_RETURN(int last, ctx.Step("last", [](StepContext&) { return 1; }));
            return sum + last;
          })
          .value();
  auto first = OpenEngine(&clock);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*first, {&wf}));
  auto started = first->Start(wf, kSteps).value();
  ASSERT_TRUE(Eventually(
      [&] {
        return first->GetRun(started.run_id, false).value().run.status == RunStatus::kSleeping;
      },
      600s));
  worker->Stop();
  EXPECT_EQ(executed.load(), kSteps);

  // A fresh worker that polls once: claims the due run, replays 10,000 records, finishes it.
  auto second = OpenEngine(&clock);
  WorkerOptions quiet = FastWorker(1, "replayer");
  quiet.poll_interval = quiet.max_poll_interval = std::chrono::hours(1);
  clock.Advance(std::chrono::hours(2));
  const table::TableStats before = table_->stats();
  ASSERT_OK_AND_ASSIGN(auto replayer, Serve(*second, {&wf}, quiet));
  dynaflow::Run run = Wait(*second, started.run_id, 600s);
  const table::TableStats after = table_->stats();
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(second->GetResult<int64_t>(started.run_id).value(),
            static_cast<int64_t>(kSteps) * (kSteps - 1) / 2 + 1);
  EXPECT_EQ(executed.load(), kSteps);  // the replay executed none of them again
  const int64_t queries = after.queries - before.queries;
  std::cout << "resume of a 10,000-step run: " << queries << " queries, "
            << after.requests - before.requests << " requests\n";
  // The poll's queries plus the load of ~20,000 items (steps and outputs) in 1 MB pages.
  EXPECT_LE(queries, 40);
  EXPECT_EQ(Steps(*second, started.run_id).size(), static_cast<size_t>(kSteps + 2));
}

}  // namespace

DYNAFLOW_ENGINE_BACKENDS(EngineCodeLongTest);

}  // namespace dynaflow::engine::test
