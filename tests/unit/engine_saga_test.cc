// Sagas: compensation order and outcomes, cancellation (local and through the store), and
// retrying a failed run; on the memory, SQLite and DynamoDB Local backends.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineSagaTest : public EngineTest {
 protected:
  // Cancels the run `run_id` on `engine` and waits for its end; errors: the cancel's.
  static Result<dynaflow::Run> CancelAndWait(Engine& engine, const std::string& run_id) {
    DYNAFLOW_RETURN_IF_ERROR(engine.Cancel(run_id));
    return Wait(engine, run_id);
  }

  // reserve -> charge -> (notify: email | sms) -> ship; compensations journal "undo <step>".
  // `ship` fails (non-retryably) when fail_ship; the compensation of `charge` fails when
  // fail_refund.
  Workflow OrderSaga() {
    auto step = [this](const std::string& name) {
      return MakeStep<int, int>(name,
                                [this, name](StepContext&, const int& i) -> Result<int> {
                                  calls_.Hit(name);
                                  return i + 1;
                                })
          .Retry(RetryPolicy::None())
          .Compensate([this, name](StepContext& ctx, const int&, const int& out) -> Status {
            EXPECT_EQ(ctx.step_name(), "compensate:" + name);
            if (name == "charge" && fail_refund_) return Status::Unavailable("bank down");
            journal_.Add("undo " + name + " " + std::to_string(out));
            return Status::OK();
          });
    };
    auto charge = step("charge");
    RetryPolicy refund;
    refund.max_attempts = 2;
    refund.initial_backoff = Duration(1);
    StepOptions o;
    o.retry = RetryPolicy::None();
    o.compensation_retry = refund;
    charge.Options(o);
    return WorkflowBuilder("order-saga", 1)
        .Step(step("reserve"))
        .Step(charge)
        .Parallel("notify", step("email"), step("sms"))
        .Step<std::vector<int>, int>(
            "ship",
            [this](StepContext&, const std::vector<int>& v) -> Result<int> {
              calls_.Hit("ship");
              if (fail_ship_) return Status::InvalidArgument("no address");
              return v.at(0);
            },
            NoRetries())
        .Build()
        .value();
  }

  // A step that counts its calls in calls_ and returns its input.
  StepSpec<int, int> Counted(const std::string& name) {
    return MakeStep<int, int>(name, [this, name](StepContext&, const int& i) {
      calls_.Hit(name);
      return i;
    });
  }

  Calls calls_;
  Journal journal_;
  std::atomic<bool> fail_ship_{false};
  std::atomic<bool> fail_refund_{false};
};

TEST_P(EngineSagaTest, HappyPathRunsNoCompensation) {
  auto engine = OpenEngine();
  auto wf = OrderSaga();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 10).value();
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(engine->GetResult<int>(started.run_id).value(), 13);
  EXPECT_TRUE(journal_.entries().empty());
}

TEST_P(EngineSagaTest, FailureCompensatesCompletedStepsInReverseOrder) {
  fail_ship_ = true;
  auto engine = OpenEngine();
  auto wf = OrderSaga();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 10);
  EXPECT_TRUE(EndedAs(run, RunStatus::kCompensated, "no address"));
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo sms 13", "undo email 13",
                                                          "undo charge 12", "undo reserve 11"}));
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps["ship"].status, StepStatus::kFailed);
  for (const char* s : {"reserve", "charge", "email", "sms"}) {
    EXPECT_EQ(steps[std::string("compensate:") + s].status, StepStatus::kCompensated) << s;
  }
  EXPECT_EQ(engine->metrics().compensations, 4);
  EXPECT_EQ(engine->metrics().runs_compensated, 1);
}

TEST_P(EngineSagaTest, FailedCompensationFailsTheRunWithBothErrors) {
  fail_ship_ = true;
  fail_refund_ = true;
  auto engine = OpenEngine();
  auto wf = OrderSaga();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 10);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "no address"));
  EXPECT_NE(run.error.find("bank down"), std::string::npos) << run.error;
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps["compensate:charge"].status, StepStatus::kFailed);
  EXPECT_EQ(steps["compensate:charge"].attempt, 2);
  EXPECT_EQ(steps.count("compensate:reserve"), 0u);
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo sms 13", "undo email 13"}));

  // Retrying resumes the compensation that failed; compensated steps are not undone twice.
  fail_refund_ = false;
  auto retry = engine->RetryFailedRun(run.run_id).value();
  dynaflow::Run second = Wait(*engine, retry.run_id);
  EXPECT_EQ(second.status, RunStatus::kCompensated) << second.error;
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"undo sms 13", "undo email 13",
                                                          "undo charge 12", "undo reserve 11"}));
  EXPECT_EQ(calls_.Count("reserve"), 1);
}

TEST_P(EngineSagaTest, CancelStopsTheRunningStepAndCompensates) {
  auto engine = OpenEngine();
  Gate running;
  std::atomic<bool> saw_cancel{false};
  auto wf = WorkflowBuilder("cancellable", 1)
                .Step(MakeStep<int, int>("book", [](StepContext&, const int& i) { return i; })
                          .Compensate([this](StepContext&, const int&, const int&) {
                            journal_.Add("unbook");
                          }))
                .Step<int, int>("wait",
                                [&](StepContext& ctx, const int& i) -> Result<int> {
                                  running.Open();
                                  for (int k = 0; k < 10000 && !ctx.cancelled(); ++k) {
                                    std::this_thread::sleep_for(1ms);
                                  }
                                  if (!ctx.cancelled()) return i;
                                  saw_cancel = true;
                                  return Status::Cancelled("stopped early");
                                })
                .Step(Counted("never"))
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 1).value();
  ASSERT_TRUE(running.Wait());
  ASSERT_OK_AND_ASSIGN(dynaflow::Run run, CancelAndWait(*engine, started.run_id));
  EXPECT_EQ(run.status, RunStatus::kCancelled);
  EXPECT_TRUE(saw_cancel.load());
  EXPECT_EQ(calls_.Count("never"), 0);
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"unbook"}));
  auto steps = Steps(*engine, started.run_id);
  EXPECT_EQ(steps["compensate:book"].status, StepStatus::kCompensated);
  EXPECT_EQ(steps.count("wait"), 0u);
  auto again = engine->Cancel(started.run_id);
  EXPECT_TRUE(again.Is(StatusCode::kConditionFailed)) << again;
}

TEST_P(EngineSagaTest, CancelFromAnotherProcessIsSeenThroughTheHeartbeat) {
  auto engine = OpenEngine();
  auto other = OpenEngine();  // no worker: like a CLI in another process
  Gate running;
  auto wf = WorkflowBuilder("remote-cancel", 1)
                .Step<int, int>("wait",
                                [&](StepContext& ctx, const int& i) -> Result<int> {
                                  running.Open();
                                  for (int k = 0; k < 10000 && !ctx.cancelled(); ++k) {
                                    std::this_thread::sleep_for(1ms);
                                  }
                                  return i;
                                })
                .Step(Counted("never"))
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  WorkerOptions o = FastWorker();
  o.lease_duration = 300ms;  // heartbeats every 100 ms
  auto worker = StartWorker(*engine, o);
  auto started = engine->Start(wf, 1).value();
  ASSERT_TRUE(running.Wait());
  ASSERT_OK(other->Cancel(started.run_id));
  dynaflow::Run run = Wait(*engine, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCancelled);
  EXPECT_EQ(calls_.Count("never"), 0);
  // The step returned normally: it ran, so it is recorded.
  EXPECT_EQ(Steps(*engine, started.run_id)["wait"].status, StepStatus::kCompleted);
}

TEST_P(EngineSagaTest, CancelOfASleepingSagaCompensatesAndOfAnUnstartedRunIsImmediate) {
  auto engine = OpenEngine();
  auto wf = WorkflowBuilder("sleepy-saga", 1)
                .Step(MakeStep<int, int>("book", [](StepContext&, const int& i) { return i; })
                          .Compensate([this](StepContext&, const int&, const int&) {
                            journal_.Add("unbook");
                          }))
                .Sleep("wait", std::chrono::hours(1))
                .Step(Counted("never"))
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto sleeper = engine->Start(wf, 1).value();
  ASSERT_TRUE(Eventually([&] {
    return engine->GetRun(sleeper.run_id, false).value().run.status == RunStatus::kSleeping;
  }));
  ASSERT_OK_AND_ASSIGN(dynaflow::Run run, CancelAndWait(*engine, sleeper.run_id));
  EXPECT_EQ(run.status, RunStatus::kCancelled);
  EXPECT_EQ(journal_.entries(), (std::vector<std::string>{"unbook"}));
  EXPECT_EQ(Steps(*engine, sleeper.run_id)["compensate:book"].status, StepStatus::kCompensated);
  EXPECT_EQ(calls_.Count("never"), 0);

  StartOptions later;
  later.start_at = Clock::Real()->Now() + std::chrono::hours(1);
  auto unstarted = engine->Start(wf, 1, later).value();
  ASSERT_OK(engine->Cancel(unstarted.run_id));
  EXPECT_EQ(engine->GetRun(unstarted.run_id).value().run.status, RunStatus::kCancelled);
}

TEST_P(EngineSagaTest, RetryFailedRunResumesAtTheFailedStep) {
  auto engine = OpenEngine();
  std::atomic<bool> broken{true};
  auto wf = WorkflowBuilder("retryable", 1)
                .Step<int, int>("one",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("one");
                                  return i + 1;
                                })
                .Step<int, int>(
                    "two",
                    [&, this](StepContext&, const int& i) -> Result<int> {
                      calls_.Hit("two");
                      if (broken) return Status::InvalidArgument("bug");
                      return i * 10;
                    },
                    NoRetries())
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 1).value();
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kFailed);
  auto not_failed = engine->RetryFailedRun("no-such-run");
  EXPECT_TRUE(not_failed.error().Is(StatusCode::kNotFound));
  broken = false;
  auto retry = engine->RetryFailedRun(started.run_id).value();
  EXPECT_NE(retry.run_id, started.run_id);
  dynaflow::Run run = Wait(*engine, retry.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine->GetResult<int>(retry.run_id).value(), 20);
  EXPECT_EQ(calls_.Count("one"), 1);
  EXPECT_EQ(calls_.Count("two"), 2);
  EXPECT_EQ(run.tags.at("dynaflow.retry_of"), started.run_id);
  EXPECT_EQ(engine->GetRun(started.run_id).value().run.status, RunStatus::kFailed);
  auto completed = engine->RetryFailedRun(retry.run_id);
  EXPECT_TRUE(completed.error().Is(StatusCode::kConditionFailed));
}

DYNAFLOW_ENGINE_BACKENDS(EngineSagaTest);

}  // namespace
}  // namespace dynaflow::engine::test
