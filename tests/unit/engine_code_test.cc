// Code workflows (dynaflow/engine/durable.h): loops of steps, a branch on a step's result,
// compensation in reverse on failure and on cancel, and a run resumed by a second worker after the
// first one stopped mid-loop (no recorded step runs again); on the memory, SQLite and DynamoDB
// Local backends.
#include <mutex>
#include <string>
#include <vector>

#include "dynaflow/engine/durable.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineCodeTest : public EngineTest {
 protected:
  // The ids of the run's records that have a position, in position order.
  static std::vector<std::string> ByPosition(Engine& engine, const std::string& run_id) {
    std::map<int64_t, std::string> ordered;
    for (const auto& [id, step] : Steps(engine, run_id)) {
      if (step.position > 0) ordered[step.position] = id;
    }
    std::vector<std::string> out;
    for (auto& [pos, id] : ordered) out.push_back(id);
    return out;
  }

  // Reserves every line (a step per line, each compensated by "release <line>"), charges the
  // sum, then fails with kPermissionDenied when the charge is over `limit`.
  Workflow Reserver(int limit) {
    return DurableWorkflow<std::vector<int>, int>(
               "reserver", 1,
               [this, limit](WorkflowContext& ctx, const std::vector<int>& lines) -> Result<int> {
                 int total = 0;
                 for (int line : lines) {
                   DYNAFLOW_ASSIGN_OR_RETURN(int held,
                                             ctx.Step("reserve",
                                                      [this, line](StepContext&) {
                                                        calls_.Hit("reserve");
                                                        return line;
                                                      })
                                                 .Compensate([this](StepContext&, const int& h) {
                                                   journal_.Add("release " + std::to_string(h));
                                                 }));
                   total += held;
                 }
                 DYNAFLOW_ASSIGN_OR_RETURN(int charged,
                                           ctx.Step("charge", [this, total](StepContext&) {
                                             calls_.Hit("charge");
                                             return total * 10;
                                           }));
                 if (charged > limit) return Status::PermissionDenied("charge refused");
                 return charged;
               })
        .value();
  }

  Calls calls_;
  Journal journal_;
};

TEST_P(EngineCodeTest, HundredStepLoopRecordsEachOccurrenceInOrder) {
  auto engine = OpenEngine();
  auto wf = DurableWorkflow<int, int>("looper", 1,
                                      [this](WorkflowContext& ctx, const int& n) -> Result<int> {
                                        int sum = 0;
                                        for (int i = 0; i < n; ++i) {
                                          DYNAFLOW_ASSIGN_OR_RETURN(
                                              int v, ctx.Step("add", [this, i](StepContext&) {
                                                calls_.Hit("add");
                                                return i;
                                              }));
                                          sum += v;
                                        }
                                        return sum;
                                      })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 100);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(run.run_id).value(), 4950);
  EXPECT_EQ(calls_.Count("add"), 100);
  std::vector<std::string> order = ByPosition(*engine, run.run_id);
  ASSERT_EQ(order.size(), 100u);
  EXPECT_EQ(order[0], "add");
  EXPECT_EQ(order[1], "add@2");
  EXPECT_EQ(order[99], "add@100");
  EXPECT_EQ(engine->GetRun(run.run_id).value().outputs.at("add@42"), "41");
}

TEST_P(EngineCodeTest, BranchOnAStepResultTakesThePathTheResultSelects) {
  auto engine = OpenEngine();
  auto wf = DurableWorkflow<int, std::string>(
                "brancher", 1,
                [](WorkflowContext& ctx, const int& n) -> Result<std::string> {
                  DYNAFLOW_ASSIGN_OR_RETURN(
                      bool even, ctx.Step("check", [n](StepContext&) { return n % 2 == 0; }));
                  if (even) {
                    return ctx.Step("even-path", [](StepContext&) { return std::string("even"); });
                  }
                  return ctx.Step("odd-path", [](StepContext&) { return std::string("odd"); });
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run even = StartAndWait(*engine, wf, 4);
  dynaflow::Run odd = StartAndWait(*engine, wf, 7);
  ASSERT_TRUE(EndedAs(even, RunStatus::kCompleted));
  ASSERT_TRUE(EndedAs(odd, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<std::string>(even.run_id).value(), "even");
  EXPECT_EQ(engine->GetResult<std::string>(odd.run_id).value(), "odd");
  EXPECT_EQ(ByPosition(*engine, even.run_id), (std::vector<std::string>{"check", "even-path"}));
  EXPECT_EQ(ByPosition(*engine, odd.run_id), (std::vector<std::string>{"check", "odd-path"}));
}

TEST_P(EngineCodeTest, StepStatementWhoseResultIsNotReadRunsOnceAtTheEndOfTheStatement) {
  auto engine = OpenEngine();
  auto wf = DurableWorkflow<int, int>("statements", 1,
                                      [this](WorkflowContext& ctx, const int& n) -> Result<int> {
                                        (void)ctx.Step("notify", [this](StepContext&) {
                                          calls_.Hit("notify");
                                          return Status::OK();
                                        });
                                        EXPECT_EQ(calls_.Count("notify"),
                                                  1);  // ran at the end of the statement
                                        return ctx.Step("echo", [n](StepContext&) { return n; });
                                      })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 7);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(calls_.Count("notify"), 1);
  EXPECT_EQ(ByPosition(*engine, run.run_id), (std::vector<std::string>{"notify", "echo"}));
  EXPECT_EQ(Steps(*engine, run.run_id).at("notify").kind, "");
}

TEST_P(EngineCodeTest, FailureCompensatesExactlyTheReservedLinesInReverse) {
  auto engine = OpenEngine();
  Workflow wf = Reserver(/*limit=*/50);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, std::vector<int>{1, 2, 3});
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompensated, "PermissionDenied: charge refused"));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"release 3", "release 2", "release 1"}));
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps["compensate:reserve@3"].status, StepStatus::kCompensated);
  EXPECT_EQ(steps["compensate:reserve"].status, StepStatus::kCompensated);
  EXPECT_EQ(steps.count("compensate:charge"), 0u);  // charge has no compensation
  EXPECT_EQ(calls_.Count("reserve"), 3);

  dynaflow::Run ok = StartAndWait(*engine, wf, std::vector<int>{1, 2});
  ASSERT_TRUE(EndedAs(ok, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(ok.run_id).value(), 30);
  EXPECT_EQ(journal_.entries().size(), 3u);  // nothing undone for the completed run
}

TEST_P(EngineCodeTest, CancelCompensatesTheCompletedStepsInReverse) {
  auto engine = OpenEngine();
  Gate entered;
  auto wf = DurableWorkflow<int, int>(
                "cancellable", 1,
                [&](WorkflowContext& ctx, const int& n) -> Result<int> {
                  for (int i = 0; i < n; ++i) {
                    DYNAFLOW_RETURN_IF_ERROR(ctx.Step("hold", [i](StepContext&) { return i; })
                                                 .Compensate([this](StepContext&, const int& h) {
                                                   journal_.Add("undo " + std::to_string(h));
                                                 })
                                                 .status());
                  }
                  return ctx.Step("wait", [&](StepContext& s) -> Result<int> {
                    entered.Open();
                    while (!s.cancelled()) std::this_thread::sleep_for(2ms);
                    return Status::Cancelled("saw the cancel");
                  });
                })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 3).value();
  ASSERT_TRUE(entered.Wait());
  ASSERT_OK(engine->Cancel(started.run_id));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCancelled));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo 2", "undo 1", "undo 0"}));
  EXPECT_EQ(Steps(*engine, started.run_id).count("wait"), 0u);
}

TEST_P(EngineCodeTest, CancelOfARunAsleepCompensatesAndEndsCancelled) {
  auto engine = OpenEngine();
  auto wf =
      DurableWorkflow<int,
                      int>("sleeper", 1, [this](WorkflowContext& ctx, const int& n) -> Result<int> {
        DYNAFLOW_ASSIGN_OR_RETURN(int held, ctx.Step("hold", [n](StepContext&) { return n; })
                                                .Compensate([this](StepContext&, const int& h) {
                                                  journal_.Add("undo " + std::to_string(h));
                                                }));
        DYNAFLOW_RETURN_IF_ERROR(ctx.Sleep("nap", std::chrono::hours(24)));
        return held;
      }).value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 5).value();
  ASSERT_TRUE(Eventually([&] {
    return engine->GetRun(started.run_id, false).value().run.status == RunStatus::kSleeping;
  }));
  ASSERT_OK(engine->Cancel(started.run_id));
  dynaflow::Run run = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(run, RunStatus::kCancelled));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo 5"}));
}

TEST_P(EngineCodeTest, SecondWorkerFinishesARunTheFirstStoppedMidLoop) {
  auto engine_a = OpenEngine();
  auto engine_b = OpenEngine();
  Gate blocked, release;
  std::atomic<int> fourth_runs{0};
  auto wf = DurableWorkflow<int, int>(
                "resumed", 1,
                [&](WorkflowContext& ctx, const int& n) -> Result<int> {
                  int sum = 0;
                  for (int i = 0; i < n; ++i) {
                    DYNAFLOW_ASSIGN_OR_RETURN(int v, ctx.Step("line", [&, i](StepContext&) {
                      calls_.Hit("line " + std::to_string(i));
                      if (i == 3 && fourth_runs.fetch_add(1) == 0) {  // first worker: stuck
                        blocked.Open();
                        release.Wait(30s);
                      }
                      return i + 1;
                    }));
                    sum += v;
                  }
                  return sum;
                })
                .value();
  WorkerOptions quick_stop = FastWorker(2, "a");
  quick_stop.shutdown_grace = 50ms;
  ASSERT_OK_AND_ASSIGN(auto a, Serve(*engine_a, {&wf}, quick_stop));
  auto started = engine_a->Start(wf, 6).value();
  ASSERT_TRUE(blocked.Wait());
  a->Stop();  // abandons the stuck attempt and hands the run back
  ASSERT_OK_AND_ASSIGN(auto b, Serve(*engine_b, {&wf}, FastWorker(2, "b")));
  dynaflow::Run run = Wait(*engine_b, started.run_id);
  release.Open();
  ASSERT_TRUE(EndedAs(run, RunStatus::kCompleted));
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 21);
  for (int i : {0, 1, 2, 4, 5}) EXPECT_EQ(calls_.Count("line " + std::to_string(i)), 1) << i;
  EXPECT_EQ(calls_.Count("line 3"), 2);  // not recorded when the first worker stopped
  EXPECT_EQ(ByPosition(*engine_b, started.run_id).size(), 6u);
}

TEST(DurableWorkflowDefinition, BadIdsAndVersionsAreRefusedByName) {
  auto fn = [](WorkflowContext&, const int& n) -> Result<int> { return n; };
  EXPECT_ERROR((DurableWorkflow<int, int>("bad#id", 1, fn)), StatusCode::kInvalidArgument,
               "workflow name \"bad#id\" contains '#' or a control character");
  EXPECT_ERROR((DurableWorkflow<int, int>("ok", 0, fn)), StatusCode::kInvalidArgument,
               "workflow version must be >= 1");
  ASSERT_OK_AND_ASSIGN(Workflow wf, DurableWorkflow<int, int>("ok", 1, fn));
  EXPECT_EQ(wf.input_type(), std::type_index(typeid(int)));
  EXPECT_EQ(wf.result_type(), std::type_index(typeid(int)));
  EXPECT_TRUE(wf.step_names().empty());
}

TEST_P(EngineCodeTest, BadCallNameFailsTheRunNamingTheName) {
  auto engine = OpenEngine();
  auto wf = DurableWorkflow<int, int>("bad-name", 1,
                                      [](WorkflowContext& ctx, const int& n) -> Result<int> {
                                        return ctx.Step("a@b", [n](StepContext&) { return n; });
                                      })
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 1);
  ASSERT_TRUE(EndedAs(run, RunStatus::kFailed,
                      "the workflow returned InvalidArgument: run " + run.run_id +
                          ": call name \"a@b\" contains '#', '@', '[', ']' or a control "
                          "character"));
  EXPECT_TRUE(Steps(*engine, run.run_id).empty());
}

}  // namespace

DYNAFLOW_ENGINE_BACKENDS(EngineCodeTest);

}  // namespace dynaflow::engine::test
