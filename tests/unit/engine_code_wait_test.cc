// Code workflows that wait and fan out: sleeps and events inside loops (parked, resumed by a
// replay), an event timeout handled by the code, a child run, Map with observed and bounded
// concurrency, a Map resumed after its worker stopped mid-fan-out, All over different types;
// on the memory, SQLite and DynamoDB Local backends.
#include <algorithm>
#include <atomic>
#include <string>
#include <tuple>
#include <vector>

#include "dynaflow/engine/durable.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineCodeWaitTest : public EngineTest {
 protected:
  static RunStatus StatusOf(Engine& engine, const std::string& run_id) {
    return engine.GetRun(run_id, false).value().run.status;
  }
  // Waits until the run is parked SLEEPING with `recorded` records.
  static bool ParkedWith(Engine& engine, const std::string& run_id, size_t recorded) {
    return Eventually([&] {
      auto d = engine.GetRun(run_id, false);
      return d.ok() && d->run.status == RunStatus::kSleeping && d->steps.size() == recorded;
    });
  }
  Calls calls_;
};

TEST_P(EngineCodeWaitTest, SleepInsideALoopParksEachTimeAndReplaysOnWaking) {
  FakeClock clock(Clock::Real()->Now());
  auto engine = OpenEngine(&clock);
  auto wf = DurableWorkflow<int, int>(
                "napper", 1,
                [this](WorkflowContext& ctx, const int& n) -> Result<int> {
                  int sum = 0;
                  for (int i = 0; i < n; ++i) {
                    DYNAFLOW_ASSIGN_OR_RETURN(int v, ctx.Step("tick", [this, i](StepContext&) {
                      calls_.Hit("tick");
                      return i;
                    }));
                    sum += v;
                    DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("nap", std::chrono::hours(1)));
                  }
                  return sum;
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 3).value();
  for (size_t round = 1; round <= 3; ++round) {
    ASSERT_TRUE(ParkedWith(*engine, started.run_id, 2 * round)) << "round " << round;
    EXPECT_EQ(calls_.Count("tick"), static_cast<int>(round));
    clock.Advance(std::chrono::hours(1) + std::chrono::seconds(1));
  }
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(started.run_id).value(), 3);
  EXPECT_EQ(calls_.Count("tick"), 3);
  EXPECT_EQ(engine->metrics().runs_slept, 3);
  EXPECT_EQ(Steps(*engine, started.run_id).at("nap@3").kind, "sleep");
}

TEST_P(EngineCodeWaitTest, DeadlinePassingDuringASleepFailsTheRun) {
  FakeClock clock(Clock::Real()->Now());
  auto engine = OpenEngine(&clock);
  auto wf =
      DurableWorkflow<int, int>("late", 1, [](WorkflowContext& ctx, const int& n) -> Result<int> {
        DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("nap", std::chrono::hours(1)));
        return ctx.Step("after", [n](StepContext&) { return n; });
      }).value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions options;
  options.deadline = clock.Now() + std::chrono::minutes(1);
  auto started = engine->Start(wf, 1, options).value();
  ASSERT_TRUE(ParkedWith(*engine, started.run_id, 1));
  clock.Advance(std::chrono::minutes(2));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(
      EndedAs(run, RunStatus::kFailed, "Timeout: run " + started.run_id + ": deadline passed"));
  EXPECT_EQ(Steps(*engine, started.run_id).count("after"), 0u);
}

TEST_P(EngineCodeWaitTest, EventsInsideALoopAreConsumedOneByOneInOrder) {
  auto engine = OpenEngine();
  auto wf =
      DurableWorkflow<int, std::vector<int>>(
          "listener", 1,
          [this](WorkflowContext& ctx, const int& n) -> Result<std::vector<int>> {
            std::vector<int> seen;
            for (int i = 0; i < n; ++i) {
              DYNAFLOW_ASSIGN_OR_RETURN(int v, ctx.AwaitEvent<int>("order", std::chrono::hours(1)));
              DYNAFLOW_ASSIGN_OR_RETURN(int doubled, ctx.Step("handle", [this, v](StepContext&) {
                calls_.Hit("handle");
                return v * 2;
              }));
              seen.push_back(doubled);
            }
            return seen;
          })
          .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 3).value();
  ASSERT_TRUE(ParkedWith(*engine, started.run_id, 0));
  ASSERT_OK(engine->SendEvent(started.run_id, "order", 5));
  ASSERT_TRUE(ParkedWith(*engine, started.run_id, 2));  // event + handle, parked again
  ASSERT_OK(engine->SendEvent(started.run_id, "order", 7));
  ASSERT_TRUE(ParkedWith(*engine, started.run_id, 4));
  ASSERT_OK(engine->SendEvent(started.run_id, "order", 9));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<std::vector<int>>(started.run_id).value(),
            (std::vector<int>{10, 14, 18}));
  EXPECT_EQ(calls_.Count("handle"), 3);
}

TEST_P(EngineCodeWaitTest, EventTimeoutIsAnErrorTheCodeCanHandle) {
  FakeClock clock(Clock::Real()->Now());
  auto engine = OpenEngine(&clock);
  auto wf = DurableWorkflow<int, std::string>(
                "impatient", 1,
                [](WorkflowContext& ctx, const int&) -> Result<std::string> {
                  auto ok = ctx.AwaitEvent<bool>("confirm", std::chrono::minutes(5));
                  if (ctx.stopped()) return ok.status();
                  if (!ok.ok() && ok.error().Is(StatusCode::kTimeout)) {
                    return ctx.Step("escalate", [](StepContext&) { return std::string("late"); });
                  }
                  return std::string("confirmed");
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 0).value();
  ASSERT_TRUE(ParkedWith(*engine, started.run_id, 0));
  clock.Advance(std::chrono::minutes(6));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<std::string>(started.run_id).value(), "late");
  auto steps = Steps(*engine, started.run_id);
  EXPECT_EQ(steps.at("confirm").status, StepStatus::kFailed);
  EXPECT_NE(steps.at("confirm").error.find("Timeout: no event \"confirm\""), std::string::npos);
  EXPECT_EQ(engine->metrics().wait_timeouts, 1);
}

TEST_P(EngineCodeWaitTest, ChildRunResultIsReturnedToTheParent) {
  auto engine = OpenEngine();
  auto child =
      DurableWorkflow<int, int>("doubler", 1,
                                [](WorkflowContext& ctx, const int& n) -> Result<int> {
                                  return ctx.Step("double", [n](StepContext&) { return n * 2; });
                                })
          .value();
  auto parent = DurableWorkflow<int, int>(
                    "parent", 1,
                    [&child](WorkflowContext& ctx, const int& n) -> Result<int> {
                      DYNAFLOW_ASSIGN_OR_RETURN(int a, ctx.Child<int>("first", child, n));
                      DYNAFLOW_ASSIGN_OR_RETURN(int b, ctx.Child<int>("first", child, a));
                      return a + b;
                    })
                    .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&parent, &child}));
  dynaflow::Run run = StartAndWait(*engine, parent, 5);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(run.run_id).value(), 30);
  EXPECT_EQ(engine->GetResult<int>(run.run_id + ".first@2").value(), 20);
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps.at("first").kind, "child");
  EXPECT_EQ(steps.at("first@2").position, 2);
}

TEST_P(EngineCodeWaitTest, MapOverFiftyItemsOverlapsUpToItsBoundAndNeverBeyond) {
  auto engine = OpenEngine();
  std::atomic<int> active{0}, peak{0};
  auto wf = DurableWorkflow<int, std::vector<int>>(
                "packer", 1,
                [&](WorkflowContext& ctx, const int& n) -> Result<std::vector<int>> {
                  std::vector<int> items(n);
                  for (int i = 0; i < n; ++i) items[i] = i;
                  return ctx.Map("pack", items,
                                 [&](StepContext&, const int& item) {
                                   int now = ++active;
                                   int seen = peak.load();
                                   while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                                   }
                                   // The first four items wait for each other: they must overlap.
                                   if (item < 4) Eventually([&] { return peak.load() >= 4; });
                                   --active;
                                   return item * item;
                                 },
                                 {.max_concurrency = 4});
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 50);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  std::vector<int> out = engine->GetResult<std::vector<int>>(run.run_id).value();
  ASSERT_EQ(out.size(), 50u);
  EXPECT_EQ(out[7], 49);
  EXPECT_EQ(peak.load(), 4);  // overlapping, and bounded by max_concurrency
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps.size(), 50u);
  EXPECT_EQ(steps.at("pack[49]").position, 50);
}

TEST_P(EngineCodeWaitTest, MapResumedAfterItsWorkerStoppedRunsOnlyTheMissingItems) {
  auto engine_a = OpenEngine();
  auto engine_b = OpenEngine();
  Gate stuck, release;
  std::atomic<bool> first_time{true};
  auto wf =
      DurableWorkflow<int, int>("fan", 1, [&](WorkflowContext& ctx, const int& n) -> Result<int> {
        std::vector<int> items(n);
        for (int i = 0; i < n; ++i) items[i] = i;
        DYNAFLOW_ASSIGN_OR_RETURN(auto out, ctx.Map("item", items,
                                                    [&](StepContext&, const int& item) {
                                                      calls_.Hit("item " + std::to_string(item));
                                                      if (item == 6 && first_time.exchange(false)) {
                                                        stuck.Open();
                                                        release.Wait(30s);
                                                      }
                                                      return item;
                                                    },
                                                    {.max_concurrency = 2}));
        int sum = 0;
        for (int v : out) sum += v;
        return sum;
      }).value();
  WorkerOptions quick_stop = FastWorker(2, "a");
  quick_stop.shutdown_grace = 50ms;
  ASSERT_OK_AND_ASSIGN(auto a, Serve(*engine_a, {&wf}, quick_stop));
  auto started = engine_a->Start(wf, 12).value();
  ASSERT_TRUE(stuck.Wait());
  a->Stop();
  auto recorded_by_a = Steps(*engine_a, started.run_id);
  EXPECT_EQ(recorded_by_a.count("item[6]"), 0u);
  ASSERT_OK_AND_ASSIGN(auto b, Serve(*engine_b, {&wf}, FastWorker(2, "b")));
  dynaflow::Run run = Wait(*engine_b, started.run_id);
  release.Open();
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 66);
  for (const auto& [id, step] : recorded_by_a) {
    std::string item = id.substr(5, id.size() - 6);  // "item[<i>]"
    EXPECT_EQ(calls_.Count("item " + item), 1) << id << " was recorded and ran again";
  }
  EXPECT_EQ(Steps(*engine_b, started.run_id).size(), 12u);
}

TEST_P(EngineCodeWaitTest, AllRunsDifferentlyTypedBranchesAndReturnsATuple) {
  auto engine = OpenEngine();
  auto wf = DurableWorkflow<int, std::string>(
                "notify", 1,
                [](WorkflowContext& ctx, const int& n) -> Result<std::string> {
                  DYNAFLOW_ASSIGN_OR_RETURN(auto both,
                                            ctx.All(
                                                "send", [n](StepContext&) { return n + 1; },
                                                [](StepContext&) { return std::string("sms"); }));
                  return std::get<1>(both) + ":" + std::to_string(std::get<0>(both));
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 41);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<std::string>(run.run_id).value(), "sms:42");
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps.at("send[0]").kind, "map");
  EXPECT_EQ(steps.at("send[1]").position, 2);
}

}  // namespace

DYNAFLOW_ENGINE_BACKENDS(EngineCodeWaitTest);

}  // namespace dynaflow::engine::test
