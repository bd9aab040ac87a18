// Lost answers: every kind of write the engine makes commits and then loses its answer once,
// on the memory, SQLite and DynamoDB Local backends. On the embedded backends the write is
// applied and then applied again (what a client's retry after a lost answer does); on DynamoDB
// Local its HTTP answer is replaced by a connection reset or a 500 after DynamoDB committed it,
// and the client's own retry meets the commit. Each test checks that the run ends as it would
// have without the fault, that the finish is counted once, that chained effects (the event, the
// parent's wake-up, the schedule's bookkeeping, the retry) happened once, and that no recorded
// step executed again; and that the fault really fired.
#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "tests/support/lost_answer_table.h"
#include "tests/support/lost_answer_transport.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

using ::dynaflow::test::LostAnswer;
using ::dynaflow::test::LostAnswerTable;
using ::dynaflow::test::LostAnswerTransport;
using ::dynaflow::test::TableWrite;
using Kind = TableWrite::Kind;

// A step `name` that adds `add`, counts its executions and, compensated, counts "undo:<name>".
auto Counted(const std::string& name, int add, Calls* calls) {
  return MakeStep<int, int>(name,
                            [=](StepContext&, const int& n) {
                              calls->Hit(name);
                              return n + add;
                            })
      .Compensate([=](StepContext&, const int&, const int&) { calls->Hit("undo:" + name); });
}

class LostAnswerTest : public EngineTest {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kDynamoDb) {
      curl_ = std::make_shared<dynamodb::CurlTransport>();
      wire_ = std::make_shared<LostAnswerTransport>(curl_.get());
      dynamodb_transport_ = wire_;
    }
    EngineTest::SetUp();
    lossy_ = std::make_shared<LostAnswerTable>(table_);
  }

  // The first write `pick` chooses loses its answer; the caller's client retries it (on DynamoDB
  // Local, after a reset or a 500 as `server_error` says).
  void LoseOnce(std::function<bool(const TableWrite&)> pick, bool server_error = false) {
    LostAnswer how = LostAnswer::kRetried;
    if (GetParam() == Backend::kDynamoDb) {
      how = server_error ? LostAnswer::kServerErrorOnTheWire : LostAnswer::kDroppedOnTheWire;
    }
    lossy_->AddRule(std::move(pick), how, 1);
  }

  std::unique_ptr<Engine> Open(Clock* clock = nullptr) {
    return OpenEngine(clock, nullptr, lossy_);
  }

  // reserve (+1) -> charge (+10) -> ship (+100), each compensated.
  Workflow Saga(Calls* calls, const std::string& id = "lost-saga") {
    return WorkflowBuilder(id, 1)
        .Step(Counted("reserve", 1, calls))
        .Step(Counted("charge", 10, calls))
        .Step(Counted("ship", 100, calls))
        .Build()
        .value();
  }

  // Every step of Saga ran exactly once.
  static void ExpectEachStepOnce(Calls& calls) {
    for (const char* s : {"reserve", "charge", "ship"}) EXPECT_EQ(calls.Count(s), 1) << s;
  }

  // The fault fired and the engine lost no lease over it.
  void ExpectRecognised(Engine& engine) {
    EXPECT_GE(lossy_->lost(), 1) << "the picked write never happened";
    EXPECT_EQ(engine.metrics().leases_lost, 0);
  }

  std::shared_ptr<dynamodb::CurlTransport> curl_;
  std::shared_ptr<LostAnswerTransport> wire_;
  std::shared_ptr<LostAnswerTable> lossy_;
};

TEST_P(LostAnswerTest, CreateRun) {
  Calls calls;
  auto wf = Saga(&calls);
  LoseOnce([](const TableWrite& w) { return w.kind == Kind::kPut && w.SetsTo("type", "RUN"); });
  auto engine = Open();
  ASSERT_OK(engine->Register(wf));
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, 0));
  EXPECT_TRUE(started.created);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(started.run_id).value(), 111);
  ExpectEachStepOnce(calls);
  store::ListRunsRequest all;
  all.workflow_id = wf.id();
  ASSERT_OK_AND_ASSIGN(auto page, engine->ListRunsByWorkflow(all));
  EXPECT_EQ(page.runs.size(), 1u);
  EXPECT_EQ(engine->metrics().runs_started, 1);
  EXPECT_EQ(engine->metrics().runs_completed, 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, CreateRunWithBusinessKey) {
  Calls calls;
  auto wf = Saga(&calls);
  LoseOnce([](const TableWrite& w) { return w.kind == Kind::kTransaction && w.TouchesSk("BKEY#"); },
           /*server_error=*/true);
  auto engine = Open();
  ASSERT_OK(engine->Register(wf));
  StartOptions o;
  o.business_key = "order-7";
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, 0, o));
  EXPECT_TRUE(started.created);
  ASSERT_OK_AND_ASSIGN(auto again, engine->Start(wf, 0, o));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.run_id, started.run_id);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  ASSERT_TRUE(EndedAs(Wait(*engine, started.run_id), RunStatus::kCompleted));
  ExpectEachStepOnce(calls);
  EXPECT_EQ(engine->metrics().runs_completed, 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, Claim) {
  Calls calls;
  auto wf = Saga(&calls);
  auto engine = Open();
  ASSERT_OK(engine->Register(wf));
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, 0));  // PENDING: a worker claims it
  LoseOnce([](const TableWrite& w) {
    return w.kind == Kind::kUpdate && w.Sets("leaseOwner") && w.Sets("epoch");
  });
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  ASSERT_TRUE(EndedAs(Wait(*engine, started.run_id), RunStatus::kCompleted));
  ExpectEachStepOnce(calls);
  EXPECT_EQ(engine->metrics().runs_completed, 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, LeaseRenewal) {
  Calls calls;
  auto engine = Open();
  // The step holds the run until its lease was renewed twice.
  Engine* e = engine.get();
  auto wf =
      WorkflowBuilder("lost-renewal", 1)
          .Step<int, int>("long",
                          [&calls, e](StepContext&, const int& n) {
                            calls.Hit("long");
                            EXPECT_TRUE(Eventually([&] { return e->metrics().heartbeats >= 2; }));
                            return n + 1;
                          })
          .Build()
          .value();
  LoseOnce([](const TableWrite& w) {
    return w.kind == Kind::kUpdate && w.Sets("leaseExpiresAt") && !w.Sets("leaseOwner") &&
           !w.Sets("status");
  });
  WorkerOptions o = FastWorker();
  o.lease_duration = 900ms;
  o.heartbeat_interval = 100ms;
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}, o));
  auto done = StartAndWait(*engine, wf, 1);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  EXPECT_EQ(calls.Count("long"), 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, StepRecord) {
  Calls calls;
  auto wf = Saga(&calls);
  LoseOnce([](const TableWrite& w) { return w.kind == Kind::kPut && w.TouchesSk("STEP#"); });
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = StartAndWait(*engine, wf, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(done.run_id).value(), 111);
  ExpectEachStepOnce(calls);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, LastStepAndFinish) {
  Calls calls;
  auto wf = Saga(&calls);
  LoseOnce([](const TableWrite& w) { return w.Sets("finalStep"); }, /*server_error=*/true);
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = StartAndWait(*engine, wf, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  ExpectEachStepOnce(calls);
  EXPECT_EQ(engine->metrics().runs_completed, 1);
  ExpectRecognised(*engine);
}

// The worker's own retry (the client gave up: every try lost its answer) meets the commit too.
TEST_P(LostAnswerTest, FinishWhoseEveryTryLostItsAnswer) {
  Calls calls;
  auto wf = Saga(&calls);
  lossy_->AddRule([](const TableWrite& w) { return w.Sets("finalStep"); }, LostAnswer::kFailed);
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = StartAndWait(*engine, wf, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  ExpectEachStepOnce(calls);
  EXPECT_EQ(engine->metrics().runs_completed, 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, StepRecordWhoseEveryTryLostItsAnswer) {
  Calls calls;
  auto wf = Saga(&calls);
  lossy_->AddRule([](const TableWrite& w) { return w.kind == Kind::kPut && w.TouchesSk("STEP#"); },
                  LostAnswer::kFailed);
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = StartAndWait(*engine, wf, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  ExpectEachStepOnce(calls);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, SleepAndEventSend) {
  Calls calls;
  auto wf = WorkflowBuilder("lost-wait", 1)
                .Step(Counted("reserve", 1, &calls))
                .AwaitEvent<int>("paid", 60s)
                .Step(Counted("ship", 100, &calls))
                .Build()
                .value();
  LoseOnce([](const TableWrite& w) { return w.SetsTo("status", "SLEEPING"); });
  LoseOnce(
      [](const TableWrite& w) { return w.kind == Kind::kTransaction && w.TouchesSk("EVENT#"); },
      /*server_error=*/true);
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, 0));
  ASSERT_TRUE(Eventually([&] {
    auto run = engine->GetRun(started.run_id, false);
    return run.ok() && run->run.status == RunStatus::kSleeping && run->run.lease.owner.empty();
  }));
  // The worker is done with the run (after parking, it wakes the run itself when the event came
  // meanwhile), so the send below is the one that wakes it.
  ASSERT_TRUE(Eventually([&] { return worker->active_runs() == 0; }));
  ASSERT_OK_AND_ASSIGN(auto sent, engine->SendEvent(started.run_id, "paid", 5));
  EXPECT_FALSE(sent.duplicate);
  EXPECT_TRUE(sent.woke);
  auto done = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(started.run_id).value(), 105);
  EXPECT_EQ(calls.Count("reserve"), 1);
  EXPECT_EQ(calls.Count("ship"), 1);
  EXPECT_EQ(engine->metrics().runs_slept, 1);
  EXPECT_GE(lossy_->lost(), 2);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, CompensationDecision) {
  Calls calls;
  auto wf = WorkflowBuilder("lost-compensation", 1)
                .Step(Counted("reserve", 1, &calls))
                .Step<int, int>(
                    "charge",
                    [&calls](StepContext&, const int&) -> Result<int> {
                      calls.Hit("charge");
                      return Status::PermissionDenied("card declined");
                    },
                    NoRetries())
                .Build()
                .value();
  LoseOnce([](const TableWrite& w) { return w.SetsTo("status", "COMPENSATING"); });
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto done = StartAndWait(*engine, wf, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompensated, "card declined"));
  EXPECT_EQ(calls.Count("reserve"), 1);
  EXPECT_EQ(calls.Count("charge"), 1);
  EXPECT_EQ(calls.Count("undo:reserve"), 1);
  EXPECT_EQ(engine->metrics().compensations, 1);
  EXPECT_EQ(engine->metrics().runs_compensated, 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, Cancel) {
  Calls calls;
  auto wf = WorkflowBuilder("lost-cancel", 1)
                .Step(Counted("reserve", 1, &calls))
                .AwaitEvent<int>("paid", 60s)
                .Build()
                .value();
  LoseOnce([](const TableWrite& w) { return w.Sets("cancelRequested"); });
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, 0));
  ASSERT_TRUE(Eventually([&] {
    auto run = engine->GetRun(started.run_id, false);
    return run.ok() && run->run.status == RunStatus::kSleeping && run->run.lease.owner.empty();
  }));
  // The worker is done with the run (after parking, it wakes the run itself when the event came
  // meanwhile), so the send below is the one that wakes it.
  ASSERT_TRUE(Eventually([&] { return worker->active_runs() == 0; }));
  ASSERT_OK(engine->Cancel(started.run_id));
  auto done = Wait(*engine, started.run_id);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCancelled));
  EXPECT_EQ(calls.Count("reserve"), 1);
  EXPECT_LE(calls.Count("undo:reserve"), 1);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, ChildStartAndLink) {
  Calls calls;
  auto child = Saga(&calls, "lost-child");
  auto parent = WorkflowBuilder("lost-parent", 1)
                    .Step(Counted("prepare", 1000, &calls))
                    .Child("sub", child, 10s)
                    .Build()
                    .value();
  LoseOnce(
      [](const TableWrite& w) { return w.kind == Kind::kTransaction && w.Sets("childRunId"); });
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&parent, &child}));
  auto done = StartAndWait(*engine, parent, 0);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompleted));
  EXPECT_EQ(engine->GetResult<int>(done.run_id).value(), 1111);
  EXPECT_EQ(calls.Count("prepare"), 1);
  ExpectEachStepOnce(calls);
  ASSERT_OK_AND_ASSIGN(auto children, engine->store().ListChildren(done.run_id));
  EXPECT_EQ(children.size(), 1u);
  EXPECT_EQ(engine->metrics().runs_completed, 2);
  ExpectRecognised(*engine);
}

TEST_P(LostAnswerTest, ScheduleTick) {
  constexpr int64_t kMidnight = 1893456000000;  // 2030-01-01T00:00:00Z
  FakeClock clock{FromUnixMillis(kMidnight)};
  auto wf = WorkflowBuilder("lost-report", 1)
                .Step<std::string, std::string>(
                    "render", [](StepContext&, const std::string& s) { return "r:" + s; })
                .Build()
                .value();
  auto engine = Open(&clock);
  ASSERT_OK(engine->Register(wf));
  ScheduleOptions so;
  so.schedule_id = "nightly";
  so.cron = "* * * * *";
  ASSERT_OK(engine->CreateSchedule(wf, std::string("x"), so));
  LoseOnce([](const TableWrite& w) {
    return w.kind == Kind::kTransaction && w.SetsTo("type", "SCHEDULE_RUN");
  });
  clock.SetNow(FromUnixMillis(kMidnight + 60000));
  ASSERT_OK_AND_ASSIGN(int fired, engine->FireDueSchedules());
  EXPECT_EQ(fired, 1);
  ASSERT_OK_AND_ASSIGN(int again, engine->FireDueSchedules());
  EXPECT_EQ(again, 0);
  ASSERT_OK_AND_ASSIGN(auto runs, engine->ListScheduleRuns("nightly"));
  EXPECT_EQ(runs.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto schedule, engine->GetSchedule("nightly"));
  EXPECT_EQ(schedule.fired, 1);
  EXPECT_GE(lossy_->lost(), 1);
}

TEST_P(LostAnswerTest, Retry) {
  Calls calls;
  std::atomic<bool> fail{true};
  auto wf = WorkflowBuilder("lost-retry", 1)
                .Step<int, int>("reserve",
                                [&calls](StepContext&, const int& n) {
                                  calls.Hit("reserve");
                                  return n + 1;
                                })
                .Step<int, int>(
                    "charge",
                    [&](StepContext&, const int& n) -> Result<int> {
                      calls.Hit("charge");
                      if (fail.load()) return Status::Unavailable("bank down");
                      return n + 10;
                    },
                    NoRetries())
                .Build()
                .value();
  auto engine = Open();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions so;
  so.business_key = "order-9";
  auto failed = StartAndWait(*engine, wf, 0, so);
  ASSERT_TRUE(EndedAs(failed, RunStatus::kFailed, "bank down"));
  fail.store(false);
  LoseOnce([](const TableWrite& w) { return w.kind == Kind::kTransaction && w.Sets("retriedBy"); });
  ASSERT_OK_AND_ASSIGN(auto retry, engine->RetryFailedRun(failed.run_id));
  EXPECT_TRUE(retry.created);
  ASSERT_OK_AND_ASSIGN(auto again, engine->RetryFailedRun(failed.run_id));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.run_id, retry.run_id);
  ASSERT_TRUE(EndedAs(Wait(*engine, retry.run_id), RunStatus::kCompleted));
  EXPECT_EQ(calls.Count("reserve"), 1);  // copied, not executed again
  EXPECT_EQ(calls.Count("charge"), 2);
  ASSERT_OK_AND_ASSIGN(auto by_key, engine->store().FindRunByBusinessKey(wf.id(), "order-9"));
  EXPECT_EQ(by_key.run_id, retry.run_id);
  ASSERT_OK_AND_ASSIGN(auto original, engine->store().GetRun(failed.run_id));
  EXPECT_EQ(original.retried_by, retry.run_id);
  EXPECT_EQ(original.status, RunStatus::kFailed);
  ExpectRecognised(*engine);
}

DYNAFLOW_ENGINE_BACKENDS(LostAnswerTest);

}  // namespace
}  // namespace dynaflow::engine::test
