// Workers: durable sleep resumed by another worker, unknown workflows left alone, runs resumed
// after their holder vanished (no recorded step runs again), a partitioned zombie fenced off,
// idle backoff, graceful stop; on the memory, SQLite and DynamoDB Local backends.
#include <atomic>
#include <string>
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

// A Table that forwards to another one, or fails every call with kUnavailable while
// partitioned (a worker cut off from the database).
class PartitionTable final : public table::Table {
 public:
  explicit PartitionTable(std::shared_ptr<table::Table> base) : base_(std::move(base)) {}
  void SetPartitioned(bool p) { partitioned_.store(p); }
  // Only updates and transactions fail (run-level writes, heartbeats included); puts (step
  // records) and reads go through.
  void SetRunWritesCut(bool c) { run_writes_cut_.store(c); }

  Result<Item> Get(const table::Key& key) override {
    if (partitioned_) return Cut();
    return base_->Get(key);
  }
  Status Put(const Item& item, const table::WriteOptions& o) override {
    if (partitioned_) return Cut();
    return base_->Put(item, o);
  }
  Result<Item> Update(const table::Key& key, const table::Update& u,
                      const table::WriteOptions& o) override {
    if (partitioned_ || run_writes_cut_) return Cut();
    return base_->Update(key, u, o);
  }
  Status Delete(const table::Key& key, const table::WriteOptions& o) override {
    if (partitioned_) return Cut();
    return base_->Delete(key, o);
  }
  Status TransactWrite(std::span<const table::WriteOp> ops,
                       table::TransactionFailure* failure) override {
    if (partitioned_ || run_writes_cut_) return Cut();
    return base_->TransactWrite(ops, failure);
  }
  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const table::Key> keys) override {
    if (partitioned_) return Cut();
    return base_->BatchGet(keys);
  }
  Status BatchDelete(std::span<const table::Key> keys) override {
    if (partitioned_) return Cut();
    return base_->BatchDelete(keys);
  }
  Result<table::QueryPage> Query(const table::QueryRequest& r) override {
    if (partitioned_) return Cut();
    return base_->Query(r);
  }
  table::TableStats stats() const override { return base_->stats(); }
  std::string name() const override { return "partition:" + base_->name(); }

 private:
  static Status Cut() { return Status::Unavailable("partitioned"); }
  std::shared_ptr<table::Table> base_;
  std::atomic<bool> partitioned_{false};
  std::atomic<bool> run_writes_cut_{false};
};

class EngineWorkerTest : public EngineTest {
 protected:
  RunStatus RunStatusOf(Engine& engine, const std::string& run_id) {
    return engine.GetRun(run_id, false).value().run.status;
  }
  // After registering `wf` on `engine` and `other`: a started worker "a" of `engine` with a
  // 300 ms lease, so that cut off from the table it loses its runs fast.
  Result<std::unique_ptr<Worker>> ServeAsZombieCandidate(Engine& engine, Engine& other,
                                                         const Workflow& wf) {
    DYNAFLOW_RETURN_IF_ERROR(other.Register(wf));
    WorkerOptions options = FastWorker(1, "a");
    options.lease_duration = 300ms;
    return Serve(engine, {&wf}, options);
  }

  Calls calls_;
};

TEST_P(EngineWorkerTest, DurableSleepIsResumedByAnotherWorkerAfterTheWakeTime) {
  FakeClock clock(Clock::Real()->Now());
  auto engine_a = OpenEngine(&clock);
  auto engine_b = OpenEngine(&clock);
  std::string after_worker;
  std::mutex mu;
  auto wf = WorkflowBuilder("napper", 1)
                .Step<int, int>("before",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("before");
                                  return i + 1;
                                })
                .Sleep("nap", std::chrono::hours(1))
                .Step<int, int>("after",
                                [&](StepContext& ctx, const int& i) {
                                  calls_.Hit("after");
                                  std::lock_guard<std::mutex> lock(mu);
                                  after_worker = ctx.worker_id();
                                  return i * 2;
                                })
                .Build()
                .value();
  ASSERT_OK(engine_a->Register(wf));
  ASSERT_OK(engine_b->Register(wf));
  auto a = StartWorker(*engine_a, FastWorker(2, "worker-a"));
  auto started = engine_a->Start(wf, 1).value();
  ASSERT_TRUE(
      Eventually([&] { return RunStatusOf(*engine_a, started.run_id) == RunStatus::kSleeping; }));
  a->Stop();
  auto b = StartWorker(*engine_b, FastWorker(2, "worker-b"));
  ASSERT_TRUE(AwaitPolls(*engine_b));  // b polls: the sleep is not due yet
  EXPECT_EQ(RunStatusOf(*engine_b, started.run_id), RunStatus::kSleeping);
  EXPECT_EQ(calls_.Count("after"), 0);
  clock.Advance(std::chrono::hours(1) + std::chrono::seconds(1));
  dynaflow::Run run = Wait(*engine_b, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 4);
  EXPECT_EQ(calls_.Count("before"), 1);
  EXPECT_EQ(calls_.Count("after"), 1);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(after_worker, "worker-b");
  }
  EXPECT_EQ(Steps(*engine_b, started.run_id)["nap"].status, StepStatus::kCompleted);
  EXPECT_EQ(engine_a->metrics().runs_slept, 1);
}

TEST_P(EngineWorkerTest, StepContextSleepUntilReleasesAndReRunsTheStepAfterWaking) {
  FakeClock clock(Clock::Real()->Now());
  auto engine = OpenEngine(&clock);
  auto wf = WorkflowBuilder("poller", 1)
                .Step<int64_t, int64_t>(
                    "settle",
                    [this](StepContext& ctx, const int64_t& wake_ms) -> Result<int64_t> {
                      calls_.Hit("settle");
                      Status s = ctx.SleepUntil(FromUnixMillis(wake_ms));
                      if (!s.ok()) return s;
                      return wake_ms;
                    })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  int64_t wake = ToUnixMillis(clock.Now() + std::chrono::minutes(30));
  auto started = engine->Start(wf, wake).value();
  ASSERT_TRUE(
      Eventually([&] { return RunStatusOf(*engine, started.run_id) == RunStatus::kSleeping; }));
  EXPECT_EQ(engine->GetRun(started.run_id).value().run.due_at, FromUnixMillis(wake));
  EXPECT_TRUE(Steps(*engine, started.run_id).empty());
  clock.Advance(std::chrono::minutes(31));
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(calls_.Count("settle"), 2);
  EXPECT_EQ(engine->GetResult<int64_t>(started.run_id).value(), wake);
}

TEST_P(EngineWorkerTest, UnknownWorkflowIsLeftAloneAndReported) {
  auto knows = OpenEngine();
  auto blind = OpenEngine();
  auto wf = WorkflowBuilder("private", 2)
                .Step<int, int>("id", [](StepContext&, const int& i) { return i; })
                .Build()
                .value();
  ASSERT_OK(knows->Register(wf));
  auto started = knows->Start(wf, 7).value();  // no worker on `knows` yet: PENDING
  auto w = StartWorker(*blind);
  ASSERT_TRUE(Eventually([&] { return blind->metrics().unknown_workflow_runs == 1; }));
  ASSERT_TRUE(Eventually([&] { return blind->metrics().polls >= 5; }));
  EXPECT_EQ(blind->metrics().unknown_workflow_runs, 1);  // counted once per run
  EXPECT_EQ(RunStatusOf(*blind, started.run_id), RunStatus::kPending);
  EXPECT_TRUE(Steps(*blind, started.run_id).empty());
  EXPECT_EQ(blind->metrics().runs_claimed, 0);
  auto k = StartWorker(*knows);
  EXPECT_EQ(Wait(*knows, started.run_id).status, RunStatus::kCompleted);
}

// An idle worker backs off: every poll that finds nothing doubles the wait, from
// poll_interval up to max_poll_interval. It still picks up work started elsewhere.
TEST_P(EngineWorkerTest, IdleWorkerBacksOffBetweenEmptyPolls) {
  auto engine = OpenEngine();
  auto wf = WorkflowBuilder("later-work", 1)
                .Step<int, int>("id", [](StepContext&, const int& i) { return i; })
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  WorkerOptions o = FastWorker(2);
  o.poll_interval = 2ms;
  o.max_poll_interval = 64ms;
  const auto start = std::chrono::steady_clock::now();
  auto w = StartWorker(*engine, o);
  std::this_thread::sleep_for(600ms);
  const int64_t polls = engine->metrics().polls;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  // Polls start at 0 ms and then wait 4, 8, 16, 32, 64, 64, ... ms, so at most
  // 6 + elapsed / 64 ms happen in `elapsed` (without backoff: elapsed / 2 ms, ~300).
  EXPECT_GE(polls, 3);
  EXPECT_LE(polls, 6 + elapsed / 64ms) << "in " << elapsed.count() << " ms";
  // Work started by an engine without a worker (no hand-over) is still found.
  auto other = OpenEngine();
  auto started = other->Start(wf, 5).value();
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(engine->metrics().runs_claimed, 1);
}

TEST_P(EngineWorkerTest, RunWhoseHolderVanishedResumesWithoutRerunningRecordedSteps) {
  auto engine = OpenEngine();
  auto step = [this](const std::string& name, int factor) {
    return MakeStep<int, int>(name, [this, name, factor](StepContext&, const int& i) {
      calls_.Hit(name);
      return i * factor;
    });
  };
  auto wf = WorkflowBuilder("resumable", 1)
                .Step(step("one", 2))
                .Step(step("two", 10))
                .Step(step("three", 3))
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  auto started = engine->Start(wf, 1).value();  // no worker yet: PENDING
  // A "ghost" worker claims the run, records two steps (with outputs unlike what the code
  // would compute, to prove they are read back, not recomputed), then vanishes.
  auto& store = engine->store();
  auto held = store.ClaimRun(started.run_id, "ghost", 200ms).value();
  store::Fence fence{started.run_id, "ghost", held.lease.epoch};
  for (auto [name, out] : {std::pair<std::string, int>{"one", 5}, {"two", 50}}) {
    store::StepRecord rec;
    rec.step_id = name;
    rec.output = Codec<int>::Encode(out);
    store::RunChange change;
    change.cursor_step = name;
    ASSERT_OK(store.RecordStep(fence, rec, change));
  }
  auto worker = StartWorker(*engine);
  dynaflow::Run run = Wait(*engine, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine->GetResult<int>(started.run_id).value(), 150);
  EXPECT_EQ(calls_.Count("one"), 0);
  EXPECT_EQ(calls_.Count("two"), 0);
  EXPECT_EQ(calls_.Count("three"), 1);
  EXPECT_EQ(engine->metrics().runs_claimed, 1);
  // The ghost's late writes are rejected and change nothing.
  store::StepRecord late;
  late.step_id = "three";
  late.output = Codec<int>::Encode(-1);
  EXPECT_FALSE(store.RecordStep(fence, late).ok());
  EXPECT_EQ(engine->GetRun(started.run_id).value().outputs.at("three"), "150");
}

TEST_P(EngineWorkerTest, PartitionedZombieIsFencedOffAndTheResultStands) {
  auto cut = std::make_shared<PartitionTable>(table_);
  auto engine_a = OpenEngine(nullptr, nullptr, cut);
  auto engine_b = OpenEngine();
  Gate in_two;
  Gate release_a;
  auto wf = WorkflowBuilder("zombie", 1)
                .Step<int, int>("one",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("one");
                                  return i + 1;
                                })
                .Step<int, int>("two",
                                [&](StepContext& ctx, const int& i) {
                                  calls_.Hit("two");
                                  if (ctx.worker_id() == "a") {
                                    in_two.Open();
                                    release_a.Wait();
                                    return i * 1000;
                                  }
                                  return i * 2000;
                                })
                .Step<int, int>("three",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("three");
                                  return i + 3;
                                })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto a, ServeAsZombieCandidate(*engine_a, *engine_b, wf));
  auto started = engine_a->Start(wf, 1).value();  // handed over to a
  ASSERT_TRUE(in_two.Wait());
  cut->SetPartitioned(true);  // a can no longer heartbeat: its lease runs out
  auto b = StartWorker(*engine_b, FastWorker(1, "b"));
  dynaflow::Run run = Wait(*engine_b, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  cut->SetPartitioned(false);
  release_a.Open();  // a finishes its attempt; whatever it writes now is rejected
  ASSERT_TRUE(Eventually([&] { return engine_a->metrics().leases_lost == 1; }));
  a->Stop();
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 2 * 2000 + 3);
  auto details = engine_b->GetRun(started.run_id).value();
  EXPECT_EQ(details.outputs.at("two"), "4000");
  EXPECT_EQ(details.run.status, RunStatus::kCompleted);
  EXPECT_EQ(calls_.Count("one"), 1);
  EXPECT_EQ(calls_.Count("two"), 2);  // at-least-once execution, exactly-once record
  EXPECT_EQ(calls_.Count("three"), 1);
}

// The other order: the zombie is let go while the new owner is still inside step "two". The
// zombie's record of "two" lands first (a step record is one put that no run condition guards),
// so the new owner's record of "two" is rejected and it adopts the zombie's record (first writer
// wins). What holds: nothing recorded is ever changed, the result is one consistent execution
// (every recorded output follows from the recorded outputs before it), and the zombie's
// run-level writes (its finish) are rejected.
TEST_P(EngineWorkerTest, ZombieRecordLandingFirstIsAdoptedAndTheResultIsConsistent) {
  auto cut = std::make_shared<PartitionTable>(table_);
  auto engine_a = OpenEngine(nullptr, nullptr, cut);
  auto engine_b = OpenEngine();
  Gate a_in_two, release_a, b_in_two, release_b, a_in_three, release_a_three;
  auto wf = WorkflowBuilder("zombie-first", 1)
                .Step<int, int>("one", [](StepContext&, const int& i) { return i + 1; })
                .Step<int, int>("two",
                                [&](StepContext& ctx, const int& i) {
                                  calls_.Hit("two");
                                  if (ctx.worker_id() == "a") {
                                    a_in_two.Open();
                                    release_a.Wait();
                                    return i * 1000;
                                  }
                                  b_in_two.Open();
                                  release_b.Wait();
                                  return i * 2000;
                                })
                .Step<int, int>("three",
                                [&](StepContext& ctx, const int& i) {
                                  if (ctx.worker_id() == "a") {
                                    a_in_three.Open();
                                    release_a_three.Wait();
                                  }
                                  return i + 3;
                                })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto a, ServeAsZombieCandidate(*engine_a, *engine_b, wf));
  auto started = engine_a->Start(wf, 1).value();  // handed over to a
  ASSERT_TRUE(a_in_two.Wait());
  cut->SetPartitioned(true);  // a's lease runs out
  auto b = StartWorker(*engine_b, FastWorker(1, "b"));
  ASSERT_TRUE(b_in_two.Wait());  // b claimed the run and executes "two"
  // a's step record reaches the table, its heartbeats still do not (so a cannot learn of b's
  // claim before it records): a records "two" (2000) first.
  cut->SetPartitioned(false);
  cut->SetRunWritesCut(true);
  release_a.Open();
  ASSERT_TRUE(a_in_three.Wait());
  cut->SetRunWritesCut(false);
  release_a_three.Open();  // a's finish with "three" is rejected: b holds the run
  ASSERT_TRUE(Eventually([&] { return engine_a->metrics().leases_lost == 1; }));
  release_b.Open();  // b's record of "two" is rejected: it adopts a's records and finishes
  dynaflow::Run run = Wait(*engine_b, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  a->Stop();
  auto details = engine_b->GetRun(started.run_id).value();
  EXPECT_EQ(details.outputs.at("two"), "2000");  // a's execution, recorded first
  EXPECT_EQ(details.outputs.at("three"), "2003");
  EXPECT_EQ(engine_b->GetResult<int>(started.run_id).value(), 2003);
  EXPECT_EQ(calls_.Count("two"), 2);                 // executed by both, recorded once
  EXPECT_EQ(engine_a->metrics().runs_completed, 0);  // the zombie finished nothing
  EXPECT_EQ(engine_b->metrics().runs_completed, 1);
}

TEST_P(EngineWorkerTest, HeartbeatsKeepTheLeaseThroughALongStep) {
  auto engine = OpenEngine();
  auto wf = WorkflowBuilder("long", 1)
                .Step<int, int>("long",
                                [this](StepContext& ctx, const int& i) -> Result<int> {
                                  calls_.Hit("long");
                                  for (int k = 0; k < 100; ++k) {  // 5 lease durations
                                    std::this_thread::sleep_for(10ms);
                                    if (k % 10 == 0) {
                                      Status s = ctx.Heartbeat();
                                      if (!s.ok()) return s;
                                    }
                                  }
                                  return i;
                                })
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  WorkerOptions o = FastWorker(2, "first");
  o.lease_duration = 200ms;
  auto first = StartWorker(*engine, o);
  auto started = engine->Start(wf, 1).value();  // handed over to `first`
  o.owner_id = "second";
  auto second = StartWorker(*engine, o);  // polls all along: would take an expired lease
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(calls_.Count("long"), 1);
  EngineMetrics m = engine->metrics();
  EXPECT_GE(m.heartbeats, 3);
  EXPECT_EQ(m.runs_claimed, 0);
  EXPECT_EQ(m.leases_lost, 0);
}

TEST_P(EngineWorkerTest, GracefulStopFinishesInFlightStepsAndHandsEveryRunBack) {
  auto engine = OpenEngine();
  std::atomic<int> in_two{0};
  Gate release;
  auto wf = WorkflowBuilder("stoppable", 1)
                .Step<int, int>("one",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("one");
                                  return i;
                                })
                .Step<int, int>("two",
                                [&](StepContext&, const int& i) {
                                  calls_.Hit("two");
                                  ++in_two;
                                  release.Wait();
                                  return i;
                                })
                .Step<int, int>("three",
                                [this](StepContext&, const int& i) {
                                  calls_.Hit("three");
                                  return i;
                                })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}, FastWorker(2)));
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(engine->Start(wf, i).value().run_id);
  ASSERT_TRUE(Eventually([&] { return in_two.load() == 2; }));
  ids.push_back(engine->Start(wf, 2).value().run_id);  // handed over, waits for a thread
  EXPECT_EQ(worker->active_runs(), 3u);
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    worker->Stop();
    stopped = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(stopped.load());  // waits for the steps in flight
  release.Open();
  stopper.join();
  EXPECT_EQ(worker->active_runs(), 0u);
  for (int i = 0; i < 2; ++i) {
    auto steps = Steps(*engine, ids[i]);
    EXPECT_EQ(RunStatusOf(*engine, ids[i]), RunStatus::kPending);
    EXPECT_EQ(steps["two"].status, StepStatus::kCompleted);
    EXPECT_EQ(steps.count("three"), 0u);
  }
  EXPECT_EQ(RunStatusOf(*engine, ids[2]), RunStatus::kPending);
  EXPECT_TRUE(Steps(*engine, ids[2]).empty());
  EXPECT_EQ(engine->metrics().runs_released, 3);
  auto second = StartWorker(*engine, FastWorker(2));
  for (const auto& id : ids) EXPECT_EQ(Wait(*engine, id).status, RunStatus::kCompleted);
  EXPECT_EQ(calls_.Count("one"), 3);
  EXPECT_EQ(calls_.Count("two"), 3);
  EXPECT_EQ(calls_.Count("three"), 3);
}

DYNAFLOW_ENGINE_BACKENDS(EngineWorkerTest);

}  // namespace
}  // namespace dynaflow::engine::test
