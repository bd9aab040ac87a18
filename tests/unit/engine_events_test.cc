// Events (AwaitEvent + Engine::SendEvent) and child runs (WorkflowBuilder::Child), on the
// memory, SQLite and DynamoDB Local backends: an event sent before or after the run waits, a
// timeout that compensates, duplicate event ids, events to unknown and finished runs, a run
// resumed by another engine after its first one went away while it waited; child success,
// failure and cancel propagation, and no second child after the parent's worker went away.
#include "dynaflow/engine/internal/definition.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

SendEventOptions EventId(std::string id) {
  SendEventOptions o;
  o.event_id = std::move(id);
  return o;
}

// A step `name` that passes its input on and records a call as `name` in *calls; its
// compensation records a call as `undo`.
auto CountedStep(const std::string& name, const std::string& undo, Calls* calls) {
  return MakeStep<int, int>(name,
                            [calls, name](StepContext&, const int& n) {
                              calls->Hit(name);
                              return n;
                            })
      .Compensate([calls, undo](StepContext&, const int&, const int&) { calls->Hit(undo); });
}

class EngineEventsTest : public EngineTest {
 protected:
  // "reserve" (compensated) -> await "paid" -> "ship" (returns "shipped:<payment>").
  Workflow Saga(Duration timeout, Calls* calls) {
    return WorkflowBuilder("event-saga", 1)
        .Step(CountedStep("reserve", "release", calls))
        .AwaitEvent<std::string>("paid", timeout)
        .Step<std::string, std::string>("ship",
                                        [calls](StepContext&, const std::string& payment) {
                                          calls->Hit("ship");
                                          return "shipped:" + payment;
                                        })
        .Build()
        .value();
  }

  // Waits until the run is parked waiting for `what`.
  static bool ParkedOn(Engine& engine, const std::string& run_id, const std::string& what) {
    return Eventually([&] {
      auto run = engine.store().GetRun(run_id);
      return run.ok() && run->status == RunStatus::kSleeping && run->waiting_for == what;
    });
  }
};

TEST_P(EngineEventsTest, EventSentBeforeTheRunWaitsIsKeptAndDelivered) {
  Calls calls;
  auto wf = Saga(30s, &calls);
  auto engine = OpenEngine();
  ASSERT_OK(engine->Register(wf));
  auto run = engine->Start(wf, 7).value();  // no worker yet: PENDING
  ASSERT_OK_AND_ASSIGN(auto sent, engine->SendEvent(run.run_id, "paid", std::string("card-1")));
  EXPECT_FALSE(sent.duplicate);
  EXPECT_FALSE(sent.woke);  // not waiting yet
  auto worker = StartWorker(*engine);
  auto done = Wait(*engine, run.run_id);
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(engine->GetResult<std::string>(run.run_id).value(), "shipped:card-1");
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps["paid"].event_id, sent.event_id);
  EXPECT_EQ(engine->metrics().runs_slept, 0);  // never parked
}

TEST_P(EngineEventsTest, EventSentWhileTheRunWaitsWakesIt) {
  Calls calls;
  auto wf = Saga(30s, &calls);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto run = engine->Start(wf, 7).value();
  ASSERT_TRUE(ParkedOn(*engine, run.run_id, store::EventWaitKey("paid")));
  EXPECT_TRUE(Eventually([&] { return worker->active_runs() == 0; }));  // no thread holds it
  auto parked = engine->store().GetRun(run.run_id).value();
  EXPECT_TRUE(parked.lease.owner.empty());
  EXPECT_GT(parked.due_at, Clock::Real()->Now() + 20s);  // due at the timeout
  ASSERT_OK_AND_ASSIGN(auto sent, engine->SendEvent(run.run_id, "paid", std::string("card-2")));
  EXPECT_TRUE(sent.woke);
  auto done = Wait(*engine, run.run_id);
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(engine->GetResult<std::string>(run.run_id).value(), "shipped:card-2");
  EXPECT_EQ(calls.Count("reserve"), 1);
  EXPECT_EQ(calls.Count("ship"), 1);
}

TEST_P(EngineEventsTest, TimeoutFailsTheWaitAndCompensates) {
  Calls calls;
  auto wf = Saga(300ms, &calls);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto run = engine->Start(wf, 7).value();
  auto done = Wait(*engine, run.run_id);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompensated, "no event \"paid\""));
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps["paid"].status, StepStatus::kFailed);
  EXPECT_EQ(steps["compensate:reserve"].status, StepStatus::kCompensated);
  EXPECT_EQ(calls.Count("release"), 1);
  EXPECT_EQ(calls.Count("ship"), 0);
  EXPECT_EQ(engine->metrics().wait_timeouts, 1);
  // A late event is refused: the run is finished.
  auto late = engine->SendEvent(run.run_id, "paid", std::string("late"));
  ASSERT_FALSE(late.ok());
  EXPECT_TRUE(late.error().Is(StatusCode::kConditionFailed)) << late.error();
  EXPECT_NE(late.error().message().find("COMPENSATED"), std::string::npos) << late.error();
}

TEST_P(EngineEventsTest, EventsOfOneNameAreDeliveredInOrderOnceAndDuplicatesAreIgnored) {
  auto wf = WorkflowBuilder("three-items", 1)
                .Step<int, int>("begin", [](StepContext&, const int& n) { return n; })
                .AwaitEvent<std::string>("first", "item", 30s)
                .AwaitEvent<std::string>("second", "item", 30s)
                .AwaitEvent<std::string>("third", "item", 30s)
                .Step<Unit, std::string>("join",
                                         [](StepContext& ctx, const Unit&) -> Result<std::string> {
                                           return ctx.Output<std::string>("first").value() +
                                                  ctx.Output<std::string>("second").value() +
                                                  ctx.Output<std::string>("third").value();
                                         })
                .Build()
                .value();
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto run = engine->Start(wf, 1).value();
  ASSERT_TRUE(ParkedOn(*engine, run.run_id, store::EventWaitKey("item")));
  auto a = engine->SendEvent(run.run_id, "item", std::string("a"), EventId("e1"));
  ASSERT_OK(a);
  ASSERT_OK_AND_ASSIGN(auto again,
                       engine->SendEvent(run.run_id, "item", std::string("x"), EventId("e1")));
  EXPECT_TRUE(again.duplicate);
  ASSERT_OK(engine->SendEvent(run.run_id, "item", std::string("b"), EventId("e2")));
  ASSERT_OK(engine->SendEvent(run.run_id, "item", std::string("c"), EventId("e3")));
  auto done = Wait(*engine, run.run_id);
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(engine->GetResult<std::string>(run.run_id).value(), "abc");
  auto steps = Steps(*engine, run.run_id);
  EXPECT_EQ(steps["first"].event_id, "e1");
  EXPECT_EQ(steps["second"].event_id, "e2");
  EXPECT_EQ(steps["third"].event_id, "e3");
  EXPECT_EQ(engine->store().ListEvents(run.run_id, "item").value().size(), 3u);
}

TEST_P(EngineEventsTest, EventToAnUnknownOrFinishedRunIsAnError) {
  Calls calls;
  auto wf = Saga(30s, &calls);
  auto engine = OpenEngine();
  ASSERT_OK(engine->Register(wf));
  auto unknown = engine->SendEvent("no-such-run", "paid", std::string("x"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(unknown.error().Is(StatusCode::kNotFound)) << unknown.error();
  auto bad = engine->SendEvent("no-such-run", "pa#id", std::string("x"));
  EXPECT_TRUE(bad.error().Is(StatusCode::kInvalidArgument)) << bad.error();
  auto by_key = engine->SendEventByKey("event-saga", "order-9", "paid", std::string("x"));
  EXPECT_TRUE(by_key.error().Is(StatusCode::kNotFound)) << by_key.error();

  StartOptions keyed;
  keyed.business_key = "order-9";
  auto run = engine->Start(wf, 7, keyed).value();
  auto worker = StartWorker(*engine);
  auto sent = engine->SendEventByKey("event-saga", "order-9", "paid", std::string("k"));
  ASSERT_OK(sent);
  ASSERT_EQ(Wait(*engine, run.run_id).status, RunStatus::kCompleted);
  auto finished = engine->SendEvent(run.run_id, "paid", std::string("again"));
  ASSERT_FALSE(finished.ok());
  EXPECT_TRUE(finished.error().Is(StatusCode::kConditionFailed)) << finished.error();
  EXPECT_NE(finished.error().message().find("COMPLETED"), std::string::npos);
}

TEST_P(EngineEventsTest, AnotherEngineResumesARunWhoseWorkerWentAwayWhileItWaited) {
  Calls calls;
  auto wf = Saga(30s, &calls);
  std::string run_id;
  {
    auto first = OpenEngine();
    ASSERT_OK_AND_ASSIGN(auto worker, Serve(*first, {&wf}, FastWorker(2, "first")));
    run_id = first->Start(wf, 7).value().run_id;
    ASSERT_TRUE(ParkedOn(*first, run_id, store::EventWaitKey("paid")));
  }  // the first engine and its worker are gone (a parked run holds no lease to expire)
  auto table = NewTable();  // a new connection, as another process has
  auto second = OpenEngine(nullptr, nullptr, GetParam() == Backend::kMemory ? table_ : table);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*second, {&wf}, FastWorker(2, "second")));
  ASSERT_OK_AND_ASSIGN(auto sent, second->SendEvent(run_id, "paid", std::string("late-card")));
  EXPECT_TRUE(sent.woke);
  auto done = Wait(*second, run_id);
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(second->GetResult<std::string>(run_id).value(), "shipped:late-card");
  EXPECT_EQ(second->metrics().runs_claimed, 1);
  EXPECT_EQ(calls.Count("reserve"), 1);  // recorded before the wait: not run again
}

// --- child runs

class EngineChildTest : public EngineEventsTest {
 protected:
  static Workflow Doubler(Calls* calls, Gate* hold = nullptr) {
    return WorkflowBuilder("doubler", 1)
        .Step<int, int>(
            "double",
            [calls, hold](StepContext& ctx, const int& n) -> Result<int> {
              calls->Hit("double");
              if (hold) {
                while (!hold->is_open() && !ctx.cancelled()) {
                  std::this_thread::sleep_for(2ms);
                }
                if (ctx.cancelled()) return Status::Cancelled("cancelled");
              }
              if (n < 0) return Status::InvalidArgument("negative");
              return 2 * n;
            },
            NoRetries())
        .Build()
        .value();
  }
  static Workflow Parent(const Workflow& child, Calls* calls,
                         Duration recheck = std::chrono::seconds(60)) {
    return WorkflowBuilder("parent", 1)
        .Step(CountedStep("prepare", "unprepare", calls))
        .Child("sub", child, recheck)
        .Step<int, int>("finish", [](StepContext&, const int& n) { return n + 1; })
        .Build()
        .value();
  }
};

TEST_P(EngineChildTest, ChildResultFlowsIntoTheParentAndBothNameEachOther) {
  Calls calls;
  auto child = Doubler(&calls);
  auto parent = Parent(child, &calls);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&child, &parent}));
  auto run = engine->Start(parent, 20).value();
  auto done = Wait(*engine, run.run_id);
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(engine->GetResult<int>(run.run_id).value(), 41);
  auto details = engine->GetRun(run.run_id).value();
  ASSERT_EQ(details.children.size(), 1u);
  const std::string child_id = internal::ChildRunId(run.run_id, "sub");
  EXPECT_EQ(details.children[0].run_id, child_id);
  EXPECT_EQ(details.children[0].step, "sub");
  EXPECT_EQ(details.children[0].workflow_id, "doubler");
  auto child_run = engine->GetRun(child_id).value();
  EXPECT_EQ(child_run.run.parent_run_id, run.run_id);
  EXPECT_EQ(child_run.run.parent_step, "sub");
  EXPECT_EQ(child_run.run.status, RunStatus::kCompleted);
  EXPECT_EQ(engine->metrics().children_started, 1);
}

TEST_P(EngineChildTest, ChildFailureFailsTheStepAndCompensatesTheParent) {
  Calls calls;
  auto child = Doubler(&calls);
  auto parent = Parent(child, &calls);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&child, &parent}));
  auto run = engine->Start(parent, -1).value();
  auto done = Wait(*engine, run.run_id);
  ASSERT_TRUE(EndedAs(done, RunStatus::kCompensated, "ended FAILED"));
  EXPECT_EQ(calls.Count("unprepare"), 1);
  EXPECT_EQ(engine->store().GetRun(internal::ChildRunId(run.run_id, "sub"))->status,
            RunStatus::kFailed);
}

TEST_P(EngineChildTest, CancellingTheParentCancelsItsRunningChild) {
  Calls calls;
  Gate never;
  auto child = Doubler(&calls, &never);
  auto parent = Parent(child, &calls);
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&child, &parent}));
  auto run = engine->Start(parent, 5).value();
  const std::string child_id = internal::ChildRunId(run.run_id, "sub");
  ASSERT_TRUE(ParkedOn(*engine, run.run_id, store::ChildWaitKey(child_id)));
  ASSERT_TRUE(Eventually([&] { return calls.Count("double") == 1; }));
  ASSERT_OK(engine->Cancel(run.run_id));
  auto child_done = Wait(*engine, child_id);
  EXPECT_EQ(child_done.status, RunStatus::kCancelled) << child_done.error;
  auto done = Wait(*engine, run.run_id);
  EXPECT_EQ(done.status, RunStatus::kCancelled) << done.error;
  EXPECT_EQ(calls.Count("unprepare"), 1);
  never.Open();
}

TEST_P(EngineChildTest, AResumedParentFindsTheChildItStartedInsteadOfAnother) {
  Calls calls;
  auto child = Doubler(&calls);
  // Long recheck: the parent must be woken by the child's end, not by its safety net.
  auto parent = Parent(child, &calls, std::chrono::hours(1));
  std::string run_id;
  {
    // This engine's worker knows the parent only: the child it starts waits for someone else.
    auto first = OpenEngine();
    ASSERT_OK_AND_ASSIGN(auto worker, Serve(*first, {&parent}, FastWorker(2, "first")));
    run_id = first->Start(parent, 4).value().run_id;
    ASSERT_TRUE(ParkedOn(*first, run_id, store::ChildWaitKey(internal::ChildRunId(run_id, "sub"))));
    // The parent run is handed to a later owner as if this one had died mid-node: due now,
    // with the child already started.
    auto held = first->store().ClaimRun(run_id, "ghost", 100ms);
    ASSERT_OK(held);
  }
  std::this_thread::sleep_for(150ms);  // the ghost's lease expires
  auto table = NewTable();
  auto second = OpenEngine(nullptr, nullptr, GetParam() == Backend::kMemory ? table_ : table);
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*second, {&child, &parent}, FastWorker(2, "second")));
  auto done = Wait(*second, run_id);
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(second->GetResult<int>(run_id).value(), 9);
  EXPECT_EQ(calls.Count("double"), 1);
  EXPECT_EQ(calls.Count("prepare"), 1);
  EXPECT_EQ(second->GetRun(run_id)->children.size(), 1u);
  store::ListRunsRequest of_child;
  of_child.workflow_id = "doubler";
  ASSERT_OK_AND_ASSIGN(auto children, second->ListRunsByWorkflow(of_child));
  EXPECT_EQ(children.runs.size(), 1u);
  EXPECT_EQ(second->metrics().children_started, 0);  // the second engine started none
}

DYNAFLOW_ENGINE_BACKENDS(EngineEventsTest);
DYNAFLOW_ENGINE_BACKENDS(EngineChildTest);

}  // namespace
}  // namespace dynaflow::engine::test
