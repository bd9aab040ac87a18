// Code workflows whose code changed under a parked run: non-determinism stops the run with the
// exact error and overwrites nothing; Patched lets old runs replay the old path while new runs
// take the new one; CheckReplay reports both before a deploy; recorded values (Now, Random,
// NewId, state) replay unchanged; continue-as-new; on the memory, SQLite and DynamoDB Local
// backends.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "dynaflow/engine/durable.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineCodeReplayTest : public EngineTest {
 protected:
  // Version 1 of "evolving": step "a", step `second`, sleep "nap" (1 h), step "b". With
  // `patched`, the second step is "new-step" when ctx.Patched("use-new") says so.
  Workflow Evolving(std::string second, bool patched = false, bool stop_after_a = false) {
    return DurableWorkflow<int, std::string>(
               "evolving", 1,
               [this, second, patched, stop_after_a](WorkflowContext& ctx,
                                                     const int&) -> Result<std::string> {
                 DYNAFLOW_ASSIGN_OR_RETURN(std::string a, Named(ctx, "a"));
                 if (stop_after_a) return a;
                 std::string step = second;
                 if (patched && ctx.Patched("use-new")) step = "new-step";
                 DYNAFLOW_ASSIGN_OR_RETURN(std::string mid, Named(ctx, step));
                 DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("nap", std::chrono::hours(1)));
                 DYNAFLOW_ASSIGN_OR_RETURN(std::string b, Named(ctx, "b"));
                 return a + "," + mid + "," + b;
               })
        .value();
  }
  CodeStep<std::string> Named(WorkflowContext& ctx, const std::string& name) {
    return ctx.Step(name, [this, name](StepContext&) {
      calls_.Hit(name);
      return name;
    });
  }
  // Starts a run of `wf` on a fresh engine and worker and waits until it is parked at "nap".
  std::string StartAndPark(const Workflow& wf, Clock* clock) {
    auto engine = OpenEngine(clock);
    auto worker = Serve(*engine, {&wf}).value();
    auto started = engine->Start(wf, 0).value();
    EXPECT_TRUE(Eventually([&] {
      return engine->GetRun(started.run_id, false).value().run.status == RunStatus::kSleeping;
    }));
    worker->Stop();
    return started.run_id;
  }
  Calls calls_;
};

TEST_P(EngineCodeReplayTest, ChangedCallStopsTheRunWithTheExactErrorAndOverwritesNothing) {
  FakeClock clock(Clock::Real()->Now());
  const std::string run_id = StartAndPark(Evolving("old-step"), &clock);
  auto engine = OpenEngine(&clock);
  auto before = engine->GetRun(run_id, true).value();
  Workflow changed = Evolving("other-step");
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&changed}));
  clock.Advance(std::chrono::hours(2));
  dynaflow::Run run = Wait(*engine, run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kFailed,
                      "run " + run_id +
                          ": non-determinism at position 2: recorded step \"old-step\", the code "
                          "asked for step \"other-step\""));
  auto after = engine->GetRun(run_id, true).value();
  EXPECT_EQ(after.steps.size(), before.steps.size());
  EXPECT_EQ(after.outputs, before.outputs);
  EXPECT_EQ(calls_.Count("other-step"), 0);
  EXPECT_EQ(calls_.Count("b"), 0);
}

TEST_P(EngineCodeReplayTest, CodeReturningBeforeTheRecordedCallsIsNonDeterminism) {
  FakeClock clock(Clock::Real()->Now());
  const std::string run_id = StartAndPark(Evolving("old-step"), &clock);
  auto engine = OpenEngine(&clock);
  Workflow shorter = Evolving("old-step", false, /*stop_after_a=*/true);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&shorter}));
  clock.Advance(std::chrono::hours(2));
  dynaflow::Run run = Wait(*engine, run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kFailed,
                      "run " + run_id +
                          ": non-determinism at position 2: recorded step \"old-step\", the code "
                          "returned after 1 calls"));
}

TEST_P(EngineCodeReplayTest, PatchedKeepsOldRunsOnTheOldPathAndSendsNewRunsDownTheNewOne) {
  FakeClock clock(Clock::Real()->Now());
  const std::string old_run = StartAndPark(Evolving("old-step"), &clock);
  Workflow patched = Evolving("old-step", /*patched=*/true);
  auto engine = OpenEngine(&clock);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&patched}));
  auto new_run = engine->Start(patched, 0).value().run_id;
  ASSERT_TRUE(Eventually(
      [&] { return engine->GetRun(new_run, false).value().run.status == RunStatus::kSleeping; }));
  clock.Advance(std::chrono::hours(2));
  dynaflow::Run old_done = Wait(*engine, old_run);
  ASSERT_TRUE(EndedAs(old_done, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<std::string>(old_run).value(), "a,old-step,b");
  dynaflow::Run new_done = Wait(*engine, new_run);
  ASSERT_TRUE(EndedAs(new_done, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<std::string>(new_run).value(), "a,new-step,b");
  EXPECT_EQ(Steps(*engine, new_run).at("@patch:use-new").kind, "patch");
  EXPECT_EQ(Steps(*engine, old_run).count("@patch:use-new"), 0u);
  EXPECT_EQ(calls_.Count("old-step"), 1);  // the old run's, recorded before the patch
  EXPECT_EQ(calls_.Count("new-step"), 1);
}

TEST_P(EngineCodeReplayTest, CheckReplayAcceptsCompatibleCodeAndNamesTheFirstMismatch) {
  FakeClock clock(Clock::Real()->Now());
  const std::string run_id = StartAndPark(Evolving("old-step"), &clock);
  auto engine = OpenEngine(&clock);
  auto history = engine->GetRun(run_id, true).value();
  EXPECT_OK(CheckReplay(Evolving("old-step"), history));
  EXPECT_OK(CheckReplay(Evolving("old-step", /*patched=*/true), history));
  EXPECT_ERROR(CheckReplay(Evolving("other-step"), history), StatusCode::kConditionFailed,
               "run " + run_id +
                   ": non-determinism at position 2: recorded step \"old-step\", the code asked "
                   "for step \"other-step\"");
  EXPECT_EQ(calls_.Count("other-step"), 0);  // CheckReplay executes nothing
  auto builder =
      WorkflowBuilder("b", 1).Step<int, int>("x", [](StepContext&, const int& i) { return i; });
  EXPECT_ERROR(CheckReplay(builder.Build().value(), history), StatusCode::kInvalidArgument,
               "CheckReplay needs a code workflow (DurableWorkflow)");
}

TEST_P(EngineCodeReplayTest, RecordedValuesAndStateReplayUnchanged) {
  FakeClock clock(Clock::Real()->Now());
  auto engine = OpenEngine(&clock);
  std::vector<std::string> seen;
  std::mutex mu;
  auto wf = DurableWorkflow<int, std::string>(
                "values", 1,
                [&](WorkflowContext& ctx, const int&) -> Result<std::string> {
                  TimePoint t = ctx.Now();
                  uint64_t r = ctx.Random();
                  std::string id = ctx.NewId();
                  DYNAFLOW_ASSIGN_OR_RETURN(int64_t v, ctx.PutState("k", "v1"));
                  auto cas = ctx.CompareAndSwapState("k", "v2", v + 5);  // stale: refused
                  if (ctx.stopped()) return cas.status();
                  DYNAFLOW_ASSIGN_OR_RETURN(StateEntry e, ctx.GetState("k"));
                  std::string line = std::to_string(ToUnixMillis(t)) + "/" + std::to_string(r) +
                                     "/" + id + "/" + e.value + "/" +
                                     std::string(StatusCodeName(cas.status().code()));
                  {
                    std::lock_guard<std::mutex> lock(mu);
                    seen.push_back(line);
                  }
                  DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("nap", std::chrono::hours(1)));
                  return line;
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 0).value();
  ASSERT_TRUE(Eventually([&] {
    return engine->GetRun(started.run_id, false).value().run.status == RunStatus::kSleeping;
  }));
  clock.Advance(std::chrono::hours(2));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 2u);  // the first execution and the replay after the sleep
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_NE(seen[0].find("/v1/ConditionFailed"), std::string::npos) << seen[0];
  EXPECT_EQ(engine->GetResult<std::string>(started.run_id).value(), seen[0]);
}

TEST_P(EngineCodeReplayTest, RetriedFailedRunReplaysTheCopiedStepsAndRunsTheFailedOneAgain) {
  auto engine = OpenEngine();
  std::atomic<bool> broken{true};
  auto wf = DurableWorkflow<int, int>("retried", 1,
                                      [&](WorkflowContext& ctx, const int& n) -> Result<int> {
                                        int sum = 0;
                                        for (int i = 0; i < n; ++i) {
                                          DYNAFLOW_ASSIGN_OR_RETURN(
                                              int v, ctx.Step("part", [&, i](StepContext&) {
                                                calls_.Hit("part " + std::to_string(i));
                                                return i;
                                              }));
                                          sum += v;
                                        }
                                        return ctx.Step(
                                            "total",
                                            [&, sum](StepContext&) -> Result<int> {
                                              calls_.Hit("total");
                                              if (broken.load())
                                                return Status::Unavailable("ledger down");
                                              return sum;
                                            },
                                            NoRetries());
                                      })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run failed = StartAndWait(*engine, wf, 3);
  ASSERT_TRUE(EndedAs(failed, RunStatus::kFailed, "Unavailable: ledger down"));
  broken.store(false);
  ASSERT_OK_AND_ASSIGN(auto retry, engine->RetryFailedRun(failed.run_id));
  dynaflow::Run run = Wait(*engine, retry.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(retry.run_id).value(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(calls_.Count("part " + std::to_string(i)), 1) << i;
  EXPECT_EQ(calls_.Count("total"), 2);
  EXPECT_EQ(Steps(*engine, retry.run_id).at("part@3").position, 3);
}

TEST_P(EngineCodeReplayTest, ContinueAsNewEndsTheRunAndStartsItsLinkedSuccessor) {
  auto engine = OpenEngine();
  auto wf =
      DurableWorkflow<int,
                      int>("counter", 1, [](WorkflowContext& ctx, const int& n) -> Result<int> {
        DYNAFLOW_ASSIGN_OR_RETURN(int next, ctx.Step("bump", [n](StepContext&) { return n + 1; }));
        if (next < 3) return ctx.ContinueAsNew(next);
        return next;
      }).value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions options;
  options.run_id = "chain";
  auto started = engine->Start(wf, 0, options).value();
  dynaflow::Run first = Wait(*engine, "chain");
  ASSERT_TRUE(EndedAs(first, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetRun("chain").value().outputs.at("@continued-as"), "chain~1");
  ASSERT_TRUE(Eventually([&] { return engine->GetRun("chain~2", false).ok(); }));
  dynaflow::Run last = Wait(*engine, "chain~2");
  ASSERT_TRUE(EndedAs(last, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>("chain~2").value(), 3);
  EXPECT_EQ(engine->GetRun("chain~2").value().run.tags.at("dynaflow.continued_from"), "chain~1");
  EXPECT_EQ(started.run_id, "chain");
}

}  // namespace

DYNAFLOW_ENGINE_BACKENDS(EngineCodeReplayTest);

}  // namespace dynaflow::engine::test
