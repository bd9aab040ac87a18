// Executing workflows on one worker: sequence, outputs by name, conditions, parallel groups,
// retries, timeouts, deadlines, exceptions, retention; on the memory, SQLite and DynamoDB Local
// backends.
#include <atomic>
#include <latch>
#include <set>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineRunTest : public EngineTest {
 protected:
  // The workflow `id` (version 1) whose only node is the int-to-int step `step`.
  template <class F>
  static Result<Workflow> OneStepWorkflow(std::string id, std::string step, F fn,
                                          StepOptions options = {}) {
    return WorkflowBuilder(std::move(id), 1)
        .Step<int, int>(std::move(step), std::move(fn), std::move(options))
        .Build();
  }
};

TEST_P(EngineRunTest, SequencePassesOutputsAndRecordsEveryStep) {
  auto engine = OpenEngine();
  Calls calls;
  auto wf =
      WorkflowBuilder("seq", 1)
          .Step<std::string, int>("len",
                                  [&](StepContext& ctx, const std::string& s) {
                                    calls.Hit("len");
                                    EXPECT_EQ(ctx.step_name(), "len");
                                    EXPECT_EQ(ctx.attempt(), 1);
                                    EXPECT_EQ(ctx.idempotency_key(), ctx.run_id() + "/len");
                                    return static_cast<int>(s.size());
                                  })
          .Step<int, int>("square",
                          [&](StepContext&, const int& i) {
                            calls.Hit("square");
                            return i * i;
                          })
          .Step<int, std::string>("describe",
                                  [&](StepContext& ctx, const int& sq) -> Result<std::string> {
                                    calls.Hit("describe");
                                    auto len = ctx.Output<int>("len");
                                    if (!len.ok()) return len.error();
                                    return std::to_string(*len) + "^2=" + std::to_string(sq);
                                  })
          .Build()
          .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, std::string("hello")));
  EXPECT_TRUE(started.created);
  dynaflow::Run run = Wait(*engine, started.run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine->GetResult<std::string>(started.run_id).value(), "5^2=25");
  auto details = engine->GetRun(started.run_id).value();
  ASSERT_EQ(details.steps.size(), 3u);
  for (const auto& s : details.steps) EXPECT_EQ(s.status, StepStatus::kCompleted) << s.step_id;
  EXPECT_EQ(details.outputs.at("len"), "5");
  EXPECT_EQ(details.outputs.at("square"), "25");
  EXPECT_EQ(details.input, "\"hello\"");
  EXPECT_EQ(calls.Count("len") + calls.Count("square") + calls.Count("describe"), 3);
  EngineMetrics m = engine->metrics();
  EXPECT_EQ(m.runs_completed, 1);
  EXPECT_EQ(m.steps_completed, 3);
  EXPECT_EQ(m.step_attempts, 3);
  EXPECT_EQ(m.step_latency.count, 3);
  EXPECT_GT(m.store.requests, 0);
}

TEST_P(EngineRunTest, StepsShareWorkflowStateAndLogWithRunAndStep) {
  auto engine = OpenEngine();
  std::string logger_name;
  auto wf = WorkflowBuilder("stateful", 1)
                .Step<int, int>("count",
                                [&](StepContext& ctx, const int& i) -> Result<int> {
                                  logger_name = ctx.logger().name();
                                  ctx.logger().info("counting from {}", i);
                                  DYNAFLOW_ASSIGN_OR_RETURN(int64_t v,
                                                            ctx.CompareAndSwapState("n", "1", 0));
                                  EXPECT_EQ(v, 1);
                                  auto taken = ctx.CompareAndSwapState("n", "9", 0);
                                  EXPECT_TRUE(taken.error().Is(StatusCode::kConditionFailed));
                                  return i;
                                })
                .Step<int, std::string>(
                    "read",
                    [](StepContext& ctx, const int&) -> Result<std::string> {
                      DYNAFLOW_ASSIGN_OR_RETURN(StateEntry e, ctx.GetState("n"));
                      DYNAFLOW_ASSIGN_OR_RETURN(int64_t v, ctx.PutState("n", e.value + "+1"));
                      EXPECT_EQ(v, e.version + 1);
                      auto missing = ctx.GetState("other");
                      EXPECT_TRUE(missing.error().Is(StatusCode::kNotFound));
                      return ctx.GetState("n").value().value;
                    })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 3);
  EXPECT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine->GetResult<std::string>(run.run_id).value(), "1+1");
  EXPECT_EQ(logger_name, "dynaflow run=" + run.run_id + " step=count");
  auto state = engine->store().GetState(run.run_id, "n").value();
  EXPECT_EQ(state.value, "1+1");
}

TEST_P(EngineRunTest, LocalStartIsHandedOverWithoutClaimAndCostsOneWritePerStep) {
  auto engine = OpenEngine();
  auto wf = WorkflowBuilder("handoff", 1)
                .Step<int, int>("a", [](StepContext&, const int& i) { return i + 1; })
                .Step<int, int>("b", [](StepContext&, const int& i) { return i + 1; })
                .Step<int, int>("c", [](StepContext&, const int& i) { return i + 1; })
                .Build()
                .value();
  ASSERT_OK(engine->Register(wf));
  WorkerOptions slow_polls = FastWorker();
  slow_polls.poll_interval = slow_polls.max_poll_interval = std::chrono::hours(1);
  auto worker = StartWorker(*engine, slow_polls);
  // polls counts a poll once its queries returned; the next poll is an hour away.
  ASSERT_TRUE(Eventually([&] { return engine->metrics().polls == 1; }));
  const int64_t writes_before = table_->stats().writes;
  const int64_t reads_before = table_->stats().reads + table_->stats().queries;
  auto started = engine->Start(wf, 1).value();
  // Finishes by local workers are seen without reading the store.
  auto run = engine->WaitForRun(started.run_id, 10s, std::chrono::hours(1));
  ASSERT_OK(run);
  EXPECT_EQ(run->status, RunStatus::kCompleted) << run->error;
  EngineMetrics m = engine->metrics();
  EXPECT_EQ(m.runs_handed_over, 1);
  EXPECT_EQ(m.runs_claimed, 0);
  // CreateRun (leased to the worker) + one write per step, the last one finishing the run.
  EXPECT_EQ(m.store.writes - writes_before, 1 + 3);
  EXPECT_EQ(m.store.reads + m.store.queries - reads_before, 0);
  EXPECT_EQ(engine->GetResult<int>(started.run_id).value(), 4);
}

TEST_P(EngineRunTest, ConditionalStepIsRecordedSkippedAndPassesItsInputOn) {
  auto engine = OpenEngine();
  Calls calls;
  auto wf = WorkflowBuilder("cond", 1)
                .Step<int, int>("first", [](StepContext&, const int& i) { return i; })
                .Step(MakeStep<int, int>("double",
                                         [&](StepContext&, const int& i) {
                                           calls.Hit("double");
                                           return i * 2;
                                         })
                          .When([](StepContext& ctx, const int&) -> Result<bool> {
                            DYNAFLOW_ASSIGN_OR_RETURN(int first, ctx.Output<int>("first"));
                            return first > 10;
                          }))
                .Step<int, int>("plus1", [](StepContext&, const int& i) { return i + 1; })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto small = engine->Start(wf, 3).value();
  auto big = engine->Start(wf, 30).value();
  EXPECT_EQ(Wait(*engine, small.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(Wait(*engine, big.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(engine->GetResult<int>(small.run_id).value(), 4);
  EXPECT_EQ(engine->GetResult<int>(big.run_id).value(), 61);
  EXPECT_EQ(Steps(*engine, small.run_id)["double"].status, StepStatus::kSkipped);
  EXPECT_EQ(Steps(*engine, big.run_id)["double"].status, StepStatus::kCompleted);
  EXPECT_EQ(calls.Count("double"), 1);
  EXPECT_EQ(engine->metrics().steps_skipped, 1);
}

TEST_P(EngineRunTest, ParallelBranchesReallyRunConcurrently) {
  auto engine = OpenEngine();
  // Each branch waits for the other one to arrive: only concurrent branches can finish.
  auto latch = std::make_shared<std::latch>(2);
  auto branch = [latch](int add) {
    return [latch, add](StepContext&, const int& i) -> Result<int> {
      latch->count_down();
      for (int k = 0; k < 5000 && !latch->try_wait(); ++k) std::this_thread::sleep_for(1ms);
      if (!latch->try_wait()) return Status::Timeout("the other branch never arrived");
      return i + add;
    };
  };
  auto wf = WorkflowBuilder("fan", 1)
                .Step<int, int>("start", [](StepContext&, const int& i) { return i; })
                .Parallel("both", MakeStep<int, int>("left", branch(1)).Retry(RetryPolicy::None()),
                          MakeStep<int, int>("right", branch(2)).Retry(RetryPolicy::None()))
                .Step<std::vector<int>, int>("sum",
                                             [](StepContext& ctx, const std::vector<int>& v) {
                                               EXPECT_EQ(ctx.Output<int>("right").value(), 12);
                                               return v.at(0) * 100 + v.at(1);
                                             })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(
      auto worker,
      Serve(*engine, {&wf}, FastWorker(1)));  // one run thread: branches need their own
  dynaflow::Run run = StartAndWait(*engine, wf, 10);
  ASSERT_EQ(run.status, RunStatus::kCompleted) << run.error;
  EXPECT_EQ(engine->GetResult<int>(run.run_id).value(), 11 * 100 + 12);
}

TEST_P(EngineRunTest, ParallelGroupAsLastNodeFinishesWithItsLastBranch) {
  auto engine = OpenEngine();
  auto wf =
      WorkflowBuilder("fan-last", 1)
          .Step<int, int>("start", [](StepContext&, const int& i) { return i; })
          .Parallel("all", MakeStep<int, int>("a", [](StepContext&, const int& i) { return i; }),
                    MakeStep<int, int>("b", [](StepContext&, const int& i) { return i; }),
                    MakeStep<int, int>("c", [](StepContext&, const int& i) { return i; })
                        .When([](StepContext&, const int&) { return false; }))
          .Build()
          .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 1).value();
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
  auto steps = Steps(*engine, started.run_id);
  EXPECT_EQ(steps["a"].status, StepStatus::kCompleted);
  EXPECT_EQ(steps["b"].status, StepStatus::kCompleted);
  EXPECT_EQ(steps["c"].status, StepStatus::kSkipped);
}

TEST_P(EngineRunTest, RetriesWithBackoffThenSucceeds) {
  FakeClock clock(Clock::Real()->Now());
  FakeRandom random(0.5);  // jitter factor exactly 1
  auto engine = OpenEngine(&clock, &random);
  std::atomic<int> attempts{0};
  StepOptions o;
  o.retry.max_attempts = 4;
  o.retry.initial_backoff = Duration(100);
  o.retry.multiplier = 3;
  ASSERT_OK_AND_ASSIGN(Workflow wf, OneStepWorkflow(
                                        "flaky", "flaky",
                                        [&](StepContext& ctx, const int& i) -> Result<int> {
                                          EXPECT_EQ(ctx.attempt(), attempts.load() + 1);
                                          if (++attempts < 3)
                                            return Status::Unavailable("try again");
                                          return i;
                                        },
                                        o));
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  auto started = engine->Start(wf, 5).value();
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_EQ(clock.sleeps(), (std::vector<std::chrono::nanoseconds>{100ms, 300ms}));
  EXPECT_EQ(Steps(*engine, started.run_id)["flaky"].attempt, 3);
  EXPECT_EQ(engine->metrics().retries, 2);
}

TEST_P(EngineRunTest, NonRetryableErrorFailsAtOnce) {
  auto engine = OpenEngine();
  std::atomic<int> attempts{0};
  ASSERT_OK_AND_ASSIGN(
      Workflow wf, OneStepWorkflow("strict", "check", [&](StepContext&, const int&) -> Result<int> {
        ++attempts;
        return Status::InvalidArgument("card declined");
      }));
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 1);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "card declined"));
  EXPECT_EQ(attempts.load(), 1);
  auto step = Steps(*engine, run.run_id)["check"];
  EXPECT_EQ(step.status, StepStatus::kFailed);
  EXPECT_NE(step.error.find("card declined"), std::string::npos);
  auto result = engine->GetResult<int>(run.run_id);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().Is(StatusCode::kConditionFailed));
}

TEST_P(EngineRunTest, AttemptTimeoutCancelsTheAttemptAndRetries) {
  auto engine = OpenEngine();
  std::atomic<int> attempts{0};
  std::atomic<int> saw_cancel{0};
  StepOptions o;
  o.attempt_timeout = Duration(30);
  o.retry.max_attempts = 2;
  o.retry.initial_backoff = Duration(1);
  ASSERT_OK_AND_ASSIGN(Workflow wf, OneStepWorkflow(
                                        "slow", "slow",
                                        [&](StepContext& ctx, const int& i) -> Result<int> {
                                          ++attempts;
                                          for (int k = 0; k < 5000 && !ctx.cancelled(); ++k) {
                                            std::this_thread::sleep_for(1ms);
                                          }
                                          if (ctx.cancelled()) ++saw_cancel;
                                          return i;
                                        },
                                        o));
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 1);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "Timeout"));
  EXPECT_EQ(attempts.load(), 2);
  worker->Stop();  // waits for the abandoned attempts' code to return
  EXPECT_EQ(saw_cancel.load(), 2);
}

TEST_P(EngineRunTest, ExceptionsBecomeStepFailures) {
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(
      Workflow wf,
      OneStepWorkflow(
          "throws", "boom",
          [](StepContext&, const int&) -> int { throw std::runtime_error("kaput"); }, NoRetries()));
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 1);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "kaput"));
}

// A huge error text (here 1 MB, beyond DynamoDB's 400 KB item limit) is recorded cut down to
// its beginning and end, so the run still records its failure, on every backend.
TEST_P(EngineRunTest, HugeErrorTextsAreRecordedCut) {
  auto engine = OpenEngine();
  const std::string huge = "START" + std::string(1 << 20, 'e') + "FINISH";
  ASSERT_OK_AND_ASSIGN(Workflow wf, OneStepWorkflow(
                                        "verbose", "shout",
                                        [&](StepContext&, const int&) -> Result<int> {
                                          return Status::Unavailable(huge);
                                        },
                                        NoRetries()));
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  dynaflow::Run run = StartAndWait(*engine, wf, 1);
  ASSERT_EQ(run.status, RunStatus::kFailed);
  EXPECT_LE(run.error.size(), 16384u);
  EXPECT_NE(run.error.find("START"), std::string::npos);
  EXPECT_NE(run.error.find("FINISH"), std::string::npos);
  EXPECT_NE(run.error.find("bytes cut"), std::string::npos);
  auto step = Steps(*engine, run.run_id)["shout"];
  EXPECT_EQ(step.status, StepStatus::kFailed);
  EXPECT_LE(step.error.size(), 4096u);
  EXPECT_NE(step.error.find("FINISH"), std::string::npos);
}

TEST_P(EngineRunTest, RunDeadlineBoundsAttemptsAndFailsTheRun) {
  auto engine = OpenEngine();
  std::atomic<bool> second_ran{false};
  auto wf = WorkflowBuilder("deadline", 1)
                .Step<int, int>("wait",
                                [](StepContext& ctx, const int& i) -> Result<int> {
                                  while (!ctx.cancelled()) std::this_thread::sleep_for(1ms);
                                  return i;
                                })
                .Step<int, int>("next",
                                [&](StepContext&, const int& i) {
                                  second_ran = true;
                                  return i;
                                })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions so;
  so.deadline = Clock::Real()->Now() + 100ms;
  dynaflow::Run run = StartAndWait(*engine, wf, 1, so);
  EXPECT_TRUE(EndedAs(run, RunStatus::kFailed, "Timeout"));
  EXPECT_FALSE(second_ran.load());
}

TEST_P(EngineRunTest, StartConflictPolicyAndWrongInputType) {
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(
      Workflow wf, OneStepWorkflow("keyed", "id", [](StepContext&, const int& i) { return i; }));
  StartOptions so;
  so.business_key = "order-42";
  so.tags = {{"team", "payments"}};
  auto first = engine->Start(wf, 1, so).value();
  EXPECT_TRUE(first.created);
  auto again = engine->Start(wf, 2, so).value();
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.run_id, first.run_id);
  so.on_conflict = StartOptions::OnConflict::kFail;
  auto fail = engine->Start(wf, 3, so);
  ASSERT_FALSE(fail.ok());
  EXPECT_TRUE(fail.error().Is(StatusCode::kAlreadyExists));
  StartOptions by_id;
  by_id.run_id = "my-run-1";
  EXPECT_TRUE(engine->Start(wf, 1, by_id).value().created);
  EXPECT_EQ(engine->Start(wf, 1, by_id).value().run_id, "my-run-1");
  auto wrong = engine->Start(wf, std::string("not an int"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(wrong.error().Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(wrong.error().message(),
            "workflow keyed takes int, not std::__cxx11::basic_string<char, "
            "std::char_traits<char>, std::allocator<char> >");
  auto details = engine->GetRun(first.run_id).value();
  EXPECT_EQ(details.run.tags.at("team"), "payments");
  EXPECT_EQ(details.run.business_key, "order-42");
  EXPECT_EQ(details.input, "1");
}

// Retention: finishing a run stamps ttl = finish time + retention on every item of the run
// (run, steps, state); retention 0 keeps them forever (no ttl).
TEST_P(EngineRunTest, RetentionStampsEveryItemOfAFinishedRun) {
  // A whole second, so the expected ttl needs no rounding; "now", so nothing is expired yet.
  FakeClock clock(FromUnixMillis(ToUnixMillis(Clock::Real()->Now()) / 1000 * 1000));
  auto engine = OpenEngine(&clock);
  auto wf = WorkflowBuilder("retained", 1)
                .Step<int, int>("remember",
                                [](StepContext& ctx, const int& i) -> Result<int> {
                                  DYNAFLOW_RETURN_IF_ERROR(ctx.PutState("seen", "yes").status());
                                  return i;
                                })
                .Step<int, int>("double", [](StepContext&, const int& i) { return 2 * i; })
                .Build()
                .value();
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  // The ttl attribute of every item under the run's partition key.
  auto ttls = [&](const std::string& run_id) {
    std::vector<std::optional<std::string>> out;
    table::QueryRequest q;
    q.partition = "RUN#" + run_id;
    q.consistent = true;
    auto page = table_->Query(q);
    EXPECT_OK(page);
    if (!page.ok()) return out;
    for (const Item& item : page->items) {
      auto it = item.find("ttl");
      if (it == item.end()) {
        out.push_back(std::nullopt);
      } else {
        out.push_back(it->second.is_n() ? *it->second.AsN() : "(not a number)");
      }
    }
    return out;
  };
  StartOptions kept;
  kept.retention = std::chrono::hours(2);
  auto a = engine->Start(wf, 4, kept).value();
  dynaflow::Run run = Wait(*engine, a.run_id);
  ASSERT_EQ(run.status, RunStatus::kCompleted) << run.error;
  ASSERT_TRUE(run.finished_at.has_value());
  const int64_t expected = ToUnixMillis(*run.finished_at) / 1000 + 2 * 3600;
  // The run item carries the run's ttl; its other items expire no earlier (they carry the
  // run's itemsTtl, up to item_ttl_margin later) and are unreadable once the run is gone.
  EXPECT_EQ(engine->GetRun(a.run_id).value().run.retention_seconds, 2 * 3600);
  auto stamped = ttls(a.run_id);
  EXPECT_EQ(stamped.size(), 3u);  // run (with "double" as its final step), "remember", state
  ASSERT_TRUE(stamped.front().has_value());
  EXPECT_EQ(*stamped.front(), std::to_string(expected));  // RUN# sorts first
  for (const auto& ttl : stamped) {
    ASSERT_TRUE(ttl.has_value()) << "an item without ttl would be orphaned";
    EXPECT_GE(std::stoll(*ttl), expected);
    EXPECT_LE(std::stoll(*ttl), expected + 31 * 24 * 3600);
  }

  StartOptions forever;
  forever.retention = std::chrono::seconds(0);
  auto b = engine->Start(wf, 4, forever).value();
  ASSERT_EQ(Wait(*engine, b.run_id).status, RunStatus::kCompleted);
  auto unstamped = ttls(b.run_id);
  EXPECT_EQ(unstamped.size(), 3u);
  for (const auto& ttl : unstamped) EXPECT_EQ(ttl, std::nullopt);
}

TEST_P(EngineRunTest, DelayedStartWaitsForItsTime) {
  FakeClock clock(Clock::Real()->Now());
  auto engine = OpenEngine(&clock);
  ASSERT_OK_AND_ASSIGN(
      Workflow wf, OneStepWorkflow("later", "id", [](StepContext&, const int& i) { return i; }));
  ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf}));
  StartOptions so;
  so.start_at = clock.Now() + std::chrono::minutes(10);
  auto started = engine->Start(wf, 1, so).value();
  ASSERT_TRUE(AwaitPolls(*engine));  // polls that see the run: not due yet
  EXPECT_EQ(engine->GetRun(started.run_id).value().run.status, RunStatus::kPending);
  clock.Advance(std::chrono::minutes(11));
  EXPECT_EQ(Wait(*engine, started.run_id).status, RunStatus::kCompleted);
}

TEST_P(EngineRunTest, ListsRunsByWorkflowAndStatusWithCursors) {
  auto engine = OpenEngine();
  ASSERT_OK_AND_ASSIGN(
      Workflow wf, OneStepWorkflow("listed", "id", [](StepContext&, const int& i) { return i; }));
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(engine->Start(wf, i).value().run_id);
  store::ListRunsRequest req;
  req.workflow_id = "listed";
  req.limit = 2;
  std::set<std::string> seen;
  int pages = 0;
  do {
    auto page = engine->ListRunsByWorkflow(req).value();
    ++pages;
    for (const auto& r : page.runs) seen.insert(r.run_id);
    req.cursor = page.next_cursor;
  } while (!req.cursor.empty() && pages < 10);
  EXPECT_EQ(seen, ids);
  EXPECT_GE(pages, 3);
  store::ListRunsRequest by_status;
  by_status.status = RunStatus::kPending;
  by_status.limit = 1000;
  std::set<std::string> pending;
  auto page = engine->ListRunsByStatus(by_status).value();
  for (const auto& r : page.runs) pending.insert(r.run_id);
  EXPECT_EQ(pending, ids);
}

DYNAFLOW_ENGINE_BACKENDS(EngineRunTest);

}  // namespace
}  // namespace dynaflow::engine::test
