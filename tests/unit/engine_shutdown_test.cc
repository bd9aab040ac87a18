// Worker::Stop's shutdown grace: attempts that return within it are recorded and their runs
// handed back; attempts still running when it passes are abandoned (they see cancellation,
// their results are never recorded, the released lease fences off late writes) and another
// worker runs the step again; grace 0; timed-out attempts do not hold Stop past the grace;
// option validation; the [worker] shutdown-grace key mapped to WorkerOptions.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dynaflow/app/open_store.h"
#include "dynaflow/config/config.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

// What a step that ignores cancellation shares with its test. Held by shared_ptr in the step's
// function, so an abandoned attempt that outlives the test body still finds it.
struct Stubborn {
  Gate entered;   // the attempt on worker "a" started
  Gate release;   // lets that attempt return
  Gate returned;  // that attempt returned
  std::atomic<bool> cancelled_at_entry{true};
  std::atomic<bool> cancelled_at_return{false};
  std::atomic<int> executions{0};  // on every worker
};

// On worker "a": blocks until `s->release` opens, whatever ctx.cancelled() says, then returns
// i * 1000. On any other worker: returns i * 2 at once.
auto StubbornStep(std::shared_ptr<Stubborn> s) {
  return [s](StepContext& ctx, const int& i) -> int {
    ++s->executions;
    if (ctx.worker_id() != "a") return i * 2;
    s->cancelled_at_entry = ctx.cancelled();
    s->entered.Open();
    s->release.Wait(60s);
    s->cancelled_at_return = ctx.cancelled();
    s->returned.Open();
    return i * 1000;
  };
}

using SteadyClock = std::chrono::steady_clock;

class EngineShutdownTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    probe_ = WorkflowBuilder("probe", 1)
                 .Step<int, int>("noop", [](StepContext&, const int& i) { return i; })
                 .Build()
                 .value();
  }

  // Worker "a": one run thread, hand-overs never refused for lack of room (so only Stop makes
  // it refuse them, see StopBegan), and the given grace.
  static WorkerOptions WorkerA(Duration grace) {
    WorkerOptions o = FastWorker(1, "a");
    o.handoff_backlog = 1000;
    o.shutdown_grace = grace;
    return o;
  }

  // After registering `wf` and the probe on engines `a` and `b`: worker "a" of engine `a`
  // (WorkerA(grace)), started.
  Result<std::unique_ptr<Worker>> ServeWorkerA(Engine& a, Engine& b, const Workflow& wf,
                                               Duration grace) {
    DYNAFLOW_RETURN_IF_ERROR(b.Register(wf));
    DYNAFLOW_RETURN_IF_ERROR(b.Register(probe_));
    return Serve(a, {&wf, &probe_}, WorkerA(grace));
  }

  // Whether Stop began on `engine`'s only worker: Engine::Start no longer hands a new run over
  // to it (the run is created PENDING; the worker started later executes it).
  bool StopBegan(Engine& engine) {
    int64_t before = engine.metrics().runs_handed_over;
    auto started = engine.Start(probe_, 0);
    EXPECT_OK(started);
    return started.ok() && engine.metrics().runs_handed_over == before;
  }

  ::dynaflow::Run RunOf(Engine& engine, const std::string& run_id) {
    return engine.GetRun(run_id, false).value().run;
  }

  // Calls worker.Stop() and returns how long it took.
  static std::chrono::milliseconds TimedStop(Worker& worker) {
    auto t0 = SteadyClock::now();
    worker.Stop();
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t0);
  }

  Workflow probe_;
  Calls calls_;
};

TEST_P(EngineShutdownTest, AttemptReturningWithinTheGraceIsRecordedAndTheRunGoesOnElsewhere) {
  auto engine_a = OpenEngine();
  auto engine_b = OpenEngine();
  Gate in_slow;
  Gate finish_slow;
  std::atomic<bool> cancelled_in_slow{true};
  auto wf = WorkflowBuilder("graceful", 1)
                .Step<int, int>("slow",
                                [&](StepContext& ctx, const int& i) {
                                  calls_.Hit("slow");
                                  in_slow.Open();
                                  finish_slow.Wait();
                                  cancelled_in_slow = ctx.cancelled();
                                  return i + 1;
                                })
                .Step<int, int>("after",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("after");
                                  return i * 10;
                                })
                .Build()
                .value();
  const Duration grace = 20s;
  ASSERT_OK_AND_ASSIGN(auto a, ServeWorkerA(*engine_a, *engine_b, wf, grace));
  auto started = engine_a->Start(wf, 4).value();  // handed over to a
  ASSERT_TRUE(in_slow.Wait());

  std::atomic<bool> stopped{false};
  std::chrono::milliseconds stop_took{0};
  std::thread stopper([&] {
    stop_took = TimedStop(*a);
    stopped = true;
  });
  ASSERT_TRUE(Eventually([&] { return StopBegan(*engine_a); }));
  EXPECT_FALSE(stopped.load());  // "slow" is in flight: Stop waits for it
  finish_slow.Open();
  stopper.join();

  EXPECT_LT(stop_took, grace / 2);  // returned once "slow" did, not after the grace
  EXPECT_FALSE(cancelled_in_slow.load());
  EXPECT_EQ(a->active_runs(), 0u);
  ::dynaflow::Run run = RunOf(*engine_a, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kPending);
  EXPECT_EQ(run.lease.owner, "");
  auto steps = Steps(*engine_a, started.run_id);
  EXPECT_EQ(steps["slow"].status, StepStatus::kCompleted);
  EXPECT_EQ(steps.count("after"), 0u);
  EXPECT_EQ(engine_a->metrics().runs_abandoned, 0);
  EXPECT_EQ(engine_a->metrics().leases_lost, 0);

  auto b = StartWorker(*engine_b, FastWorker(2, "b"));
  run = Wait(*engine_b, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 50);
  EXPECT_EQ(calls_.Count("slow"), 1);  // recorded on a, not run again on b
  EXPECT_EQ(calls_.Count("after"), 1);
}

TEST_P(EngineShutdownTest, AttemptIgnoringCancellationIsAbandonedAfterTheGraceAndRunsAgain) {
  auto engine_a = OpenEngine();
  auto engine_b = OpenEngine();
  auto s = std::make_shared<Stubborn>();
  auto wf = WorkflowBuilder("stubborn", 1)
                .Step<int, int>("one", [](StepContext&, const int& i) { return i + 1; })
                .Step<int, int>("two", StubbornStep(s))
                .Step<int, int>("three", [](StepContext&, const int& i) { return i + 3; })
                .Build()
                .value();
  const Duration grace = 300ms;
  // The default 30 s lease: b can take the run over within the test only if a handed it back.
  ASSERT_OK_AND_ASSIGN(auto a, ServeWorkerA(*engine_a, *engine_b, wf, grace));
  auto started = engine_a->Start(wf, 1).value();
  ASSERT_TRUE(s->entered.Wait());
  EXPECT_FALSE(s->cancelled_at_entry.load());
  ::dynaflow::Run held = RunOf(*engine_a, started.run_id);
  ASSERT_EQ(held.lease.owner, "a");
  const store::Fence fence{started.run_id, "a", held.lease.epoch};

  std::chrono::milliseconds took = TimedStop(*a);
  EXPECT_GE(took, grace);
  EXPECT_LT(took, grace + 5s);
  EXPECT_FALSE(s->returned.is_open());        // Stop did not wait for the abandoned code
  EXPECT_FALSE(WaitForAbandonedSteps(20ms));  // ... which still runs
  EXPECT_EQ(a->active_runs(), 0u);

  // Handed back: PENDING, due now, unowned; "two" not recorded.
  ::dynaflow::Run run = RunOf(*engine_a, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kPending);
  EXPECT_EQ(run.lease.owner, "");
  EXPECT_LE(run.due_at, Clock::Real()->Now());
  auto steps = Steps(*engine_a, started.run_id);
  EXPECT_EQ(steps["one"].status, StepStatus::kCompleted);
  EXPECT_EQ(steps.count("two"), 0u);
  EngineMetrics m = engine_a->metrics();
  EXPECT_EQ(m.runs_abandoned, 1);
  EXPECT_EQ(m.runs_released, 1);
  EXPECT_EQ(m.leases_lost, 0);
  EXPECT_EQ(m.steps_completed, 1);

  // The store itself rejects what a's fence would still write.
  store::StepRecord late;
  late.step_id = "two";
  late.output = Codec<int>::Encode(7777);
  auto written = engine_a->store().RecordStep(fence, late);
  ASSERT_FALSE(written.ok());
  EXPECT_TRUE(written.error().Is(StatusCode::kFenced)) << written.error();
  auto extended = engine_a->store().ExtendLease(fence, 30s);
  ASSERT_FALSE(extended.ok());
  EXPECT_TRUE(extended.error().Is(StatusCode::kFenced)) << extended.error();

  // The abandoned attempt sees the cancellation when it gets to look, and returns a result
  // that is thrown away.
  s->release.Open();
  ASSERT_TRUE(s->returned.Wait());
  EXPECT_TRUE(WaitForAbandonedSteps(10s));  // returned and released what it held
  EXPECT_TRUE(s->cancelled_at_return.load());
  ASSERT_TRUE(Eventually([&] { return engine_a->metrics().step_latency.count == 2; }));
  EXPECT_EQ(Steps(*engine_a, started.run_id).count("two"), 0u);
  EXPECT_EQ(RunOf(*engine_a, started.run_id).status, RunStatus::kPending);
  EXPECT_EQ(engine_a->metrics().steps_completed, 1);

  // Another worker resumes from "one" and runs "two" again; one record of it, b's.
  auto b = StartWorker(*engine_b, FastWorker(2, "b"));
  run = Wait(*engine_b, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), (1 + 1) * 2 + 3);
  auto details = engine_b->GetRun(started.run_id).value();
  EXPECT_EQ(details.outputs.at("two"), Codec<int>::Encode(4));
  EXPECT_EQ(details.steps.size(), 3u);
  EXPECT_EQ(s->executions.load(), 2);
  // two, three. The worker counts the last step just after the write that finishes the run,
  // which Wait may see first.
  EXPECT_TRUE(Eventually([&] { return engine_b->metrics().steps_completed == 2; }))
      << engine_b->metrics().steps_completed;
  EXPECT_EQ(engine_b->metrics().runs_claimed, 1);
}

TEST_P(EngineShutdownTest, ZeroGraceAbandonsAtOnceAndHandsQueuedRunsBack) {
  auto engine_a = OpenEngine();
  auto engine_b = OpenEngine();
  auto s = std::make_shared<Stubborn>();
  auto wf = WorkflowBuilder("impatient", 1)
                .Step<int, int>("one", [](StepContext&, const int& i) { return i + 1; })
                .Step<int, int>("two", StubbornStep(s))
                .Build()
                .value();
  ASSERT_OK(engine_a->Register(wf));
  ASSERT_OK(engine_b->Register(wf));
  WorkerOptions oa = FastWorker(1, "a");
  oa.shutdown_grace = Duration(0);
  auto a = StartWorker(*engine_a, oa);
  auto stuck = engine_a->Start(wf, 1).value();
  ASSERT_TRUE(s->entered.Wait());
  auto queued = engine_a->Start(wf, 5).value();  // handed over; waits for a's only thread
  EXPECT_EQ(a->active_runs(), 2u);

  std::chrono::milliseconds took = TimedStop(*a);
  EXPECT_LT(took, 5s);
  EXPECT_FALSE(s->returned.is_open());
  EXPECT_EQ(a->active_runs(), 0u);
  for (const auto& id : {stuck.run_id, queued.run_id}) {
    ::dynaflow::Run run = RunOf(*engine_a, id);
    EXPECT_EQ(run.status, RunStatus::kPending) << id;
    EXPECT_EQ(run.lease.owner, "") << id;
  }
  EXPECT_EQ(Steps(*engine_a, stuck.run_id).count("two"), 0u);
  EXPECT_TRUE(Steps(*engine_a, queued.run_id).empty());
  EngineMetrics m = engine_a->metrics();
  EXPECT_EQ(m.runs_abandoned, 1);
  EXPECT_EQ(m.runs_released, 2);

  s->release.Open();
  ASSERT_TRUE(s->returned.Wait());
  EXPECT_TRUE(WaitForAbandonedSteps(10s));  // returned and released what it held
  EXPECT_TRUE(s->cancelled_at_return.load());

  auto b = StartWorker(*engine_b, FastWorker(2, "b"));
  EXPECT_EQ(Wait(*engine_b, stuck.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(Wait(*engine_b, queued.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(engine_b->GetResult<int>(stuck.run_id).value(), 4);
  EXPECT_EQ(engine_b->GetResult<int>(queued.run_id).value(), 12);
  EXPECT_EQ(s->executions.load(), 3);  // stuck's "two" on a and on b, queued's on b
}

TEST_P(EngineShutdownTest, ParallelBranchReturningWithinTheGraceIsKeptTheOtherRunsAgain) {
  auto engine_a = OpenEngine();
  auto engine_b = OpenEngine();
  auto s = std::make_shared<Stubborn>();
  auto quick_in = std::make_shared<Gate>();
  auto quick_go = std::make_shared<Gate>();
  auto wf =
      WorkflowBuilder("fan-stop", 1)
          .Parallel("group",
                    MakeStep<int, int>("quick",
                                       [this, quick_in, quick_go](StepContext&, const int& i) {
                                         calls_.Hit("quick");
                                         quick_in->Open();
                                         quick_go->Wait();
                                         return i + 1;
                                       }),
                    MakeStep<int, int>("stubborn", StubbornStep(s)))
          .Step<std::vector<int>, int>(
              "sum", [](StepContext&, const std::vector<int>& v) { return v.at(0) + v.at(1); })
          .Build()
          .value();
  const Duration grace = 3s;
  ASSERT_OK_AND_ASSIGN(auto a, ServeWorkerA(*engine_a, *engine_b, wf, grace));
  auto started = engine_a->Start(wf, 10).value();
  ASSERT_TRUE(quick_in->Wait());
  ASSERT_TRUE(s->entered.Wait());

  std::atomic<bool> stopped{false};
  std::chrono::milliseconds took{0};
  std::thread stopper([&] {
    took = TimedStop(*a);
    stopped = true;
  });
  ASSERT_TRUE(Eventually([&] { return StopBegan(*engine_a); }));
  quick_go->Open();  // "quick" returns within the grace: recorded as usual
  ASSERT_TRUE(Eventually([&] {
    auto steps = Steps(*engine_a, started.run_id);
    return steps.count("quick") == 1 && steps["quick"].status == StepStatus::kCompleted;
  }));
  EXPECT_FALSE(stopped.load());  // recorded while Stop still waited for "stubborn"
  stopper.join();
  EXPECT_GE(took, grace);
  EXPECT_LT(took, grace + 5s);

  auto steps = Steps(*engine_a, started.run_id);
  EXPECT_EQ(steps.count("stubborn"), 0u);
  EXPECT_EQ(steps.count("sum"), 0u);
  EXPECT_EQ(RunOf(*engine_a, started.run_id).status, RunStatus::kPending);
  EXPECT_EQ(engine_a->metrics().runs_abandoned, 1);
  EXPECT_FALSE(s->returned.is_open());
  s->release.Open();
  ASSERT_TRUE(s->returned.Wait());
  EXPECT_TRUE(WaitForAbandonedSteps(10s));  // returned and released what it held
  EXPECT_TRUE(s->cancelled_at_return.load());

  auto b = StartWorker(*engine_b, FastWorker(2, "b"));
  ::dynaflow::Run run = Wait(*engine_b, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 11 + 20);
  EXPECT_EQ(calls_.Count("quick"), 1);
  EXPECT_EQ(s->executions.load(), 2);
}

TEST_P(EngineShutdownTest, TimedOutAttemptStillRunningHoldsStopNoLongerThanTheGrace) {
  auto engine = OpenEngine();
  auto entered = std::make_shared<Gate>();
  auto release = std::make_shared<Gate>();
  auto returned = std::make_shared<Gate>();
  auto wf = WorkflowBuilder("overrun", 1)
                .Step(MakeStep<int, int>("slow",
                                         [entered, release, returned](StepContext&, const int& i) {
                                           entered->Open();
                                           release->Wait(60s);
                                           returned->Open();
                                           return i;
                                         })
                          .Timeout(50ms)
                          .Retry(RetryPolicy::None()))
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  const Duration grace = 200ms;
  auto worker = StartWorker(*engine, WorkerA(grace));
  auto started = engine->Start(wf, 1).value();
  ::dynaflow::Run run = Wait(*engine, started.run_id);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "timed out"));
  ASSERT_TRUE(entered->is_open());

  std::chrono::milliseconds took = TimedStop(*worker);
  EXPECT_GE(took, grace);  // waited for the timed-out code until the grace passed
  EXPECT_LT(took, grace + 5s);
  EXPECT_FALSE(returned->is_open());
  EXPECT_FALSE(WaitForAbandonedSteps(20ms));
  release->Open();
  EXPECT_TRUE(returned->Wait());
  EXPECT_TRUE(WaitForAbandonedSteps(10s));
}

TEST_P(EngineShutdownTest, ShutdownGraceIsValidated) {
  auto engine = OpenEngine();
  EXPECT_EQ(WorkerOptions{}.shutdown_grace, Duration(30000));
  WorkerOptions o = FastWorker();
  o.shutdown_grace = Duration(-1);
  auto bad = engine->NewWorker(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.error().Is(StatusCode::kInvalidArgument)) << bad.error();
  EXPECT_NE(bad.error().message().find("shutdown_grace"), std::string::npos) << bad.error();
  for (Duration ok : {Duration(0), Duration(1), Duration::max()}) {
    o.shutdown_grace = ok;
    auto w = engine->NewWorker(o);
    EXPECT_OK(w) << ok.count();
  }
}

DYNAFLOW_ENGINE_BACKENDS(EngineShutdownTest);

// The examples' [worker] -> WorkerOptions mapping carries shutdown-grace over.
TEST(WorkerOptionsForTest, ShutdownGraceComesFromTheWorkerSection) {
  config::WorkerConfig defaults;
  EXPECT_EQ(app::WorkerOptionsFor(defaults).shutdown_grace, WorkerOptions{}.shutdown_grace);
  for (auto [text, ms] : {std::pair<const char*, int64_t>{"1500ms", 1500},
                          {"0s", 0},
                          {"2m", 120000},
                          {"1h", 3600000}}) {
    config::Config c;
    Status s = config::ApplyConfigText(std::string("[worker]\nshutdown-grace = \"") + text + "\"\n",
                                       "dynaflow.toml", &c);
    ASSERT_OK(s) << text;
    WorkerOptions o = app::WorkerOptionsFor(c.worker);
    EXPECT_EQ(o.shutdown_grace, Duration(ms)) << text;
    EXPECT_EQ(o.threads, c.worker.threads);
  }
}

// One name and one default per setting: each [worker] key maps to the WorkerOptions field of
// the same name, and a configuration left at its defaults gives WorkerOptions' defaults.
TEST(WorkerOptionsForTest, EveryWorkerKeyIsItsFieldWithItsDefault) {
  const WorkerOptions from_defaults = app::WorkerOptionsFor(config::WorkerConfig{});
  const WorkerOptions engine_defaults;
  EXPECT_EQ(from_defaults.threads, engine_defaults.threads);
  EXPECT_EQ(from_defaults.lease_duration, engine_defaults.lease_duration);
  EXPECT_EQ(from_defaults.heartbeat_interval, engine_defaults.heartbeat_interval);
  EXPECT_EQ(from_defaults.poll_interval, engine_defaults.poll_interval);
  EXPECT_EQ(from_defaults.max_poll_interval, engine_defaults.max_poll_interval);
  EXPECT_EQ(from_defaults.shutdown_grace, engine_defaults.shutdown_grace);

  config::Config c;
  ASSERT_OK(config::ApplyConfigText(
      "[worker]\nthreads = 3\nlease-duration = \"40s\"\nheartbeat-interval = \"7s\"\n"
      "poll-interval = \"15ms\"\nmax-poll-interval = \"3s\"\n",
      "dynaflow.toml", &c));
  const WorkerOptions o = app::WorkerOptionsFor(c.worker);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.lease_duration, Duration(40000));
  EXPECT_EQ(o.heartbeat_interval, Duration(7000));
  EXPECT_EQ(o.poll_interval, Duration(15));
  EXPECT_EQ(o.max_poll_interval, Duration(3000));
}

// The same for [store]: key-prefix, gsi1-shards and gsi2-shards keep WorkflowStoreOptions'
// defaults when not set.
TEST(WorkerOptionsForTest, StoreKeysHaveTheDefaultsOfTheirFields) {
  const store::WorkflowStoreOptions from_defaults = app::StoreOptionsFor(config::StoreConfig{});
  const store::WorkflowStoreOptions store_defaults;
  EXPECT_EQ(from_defaults.key_prefix, store_defaults.key_prefix);
  EXPECT_EQ(from_defaults.gsi1_shards, store_defaults.gsi1_shards);
  EXPECT_EQ(from_defaults.gsi2_shards, store_defaults.gsi2_shards);
}

}  // namespace
}  // namespace dynaflow::engine::test
