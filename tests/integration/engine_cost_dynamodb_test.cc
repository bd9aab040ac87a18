// What a run costs on DynamoDB Local in write request units (WRU), as DynamoDB Local reports
// them with ReturnConsumedCapacity INDEXES (index writes included; the table asks for it by
// default): a linear 10-step run with 1 KB outputs (hand-over and remote worker) and the order
// saga's two fates (completed, compensated), with a business key as the example uses; an event
// delivery; a schedule tick; a code workflow's linear run and its resume after a wait, against
// the builder's.
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start).
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "dynaflow/engine/durable.h"
#include "dynaflow/engine/engine.h"
#include "tests/integration/engine_dynamodb_fixture.h"
#include "tests/support/fake_clock.h"
#include "tests/support/kilobyte_text.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine {
namespace {

using namespace std::chrono_literals;

constexpr int kSteps = 10;
constexpr double kEventSendWru = 6;       // transaction: run check + event put (2), wake (4)
constexpr double kEventDeliveryWru = 15;  // send 6, claim 4, await record 1, last step + finish 4
// A fired schedule tick: one transaction of the schedule update (table + GSI2 key moved), the
// run put (table, GSI1, GSI2) and the run link, 2 WRU per KB each. A dropped tick: 3.
constexpr double kScheduleTickWru = 14;
constexpr double kScheduleSkipWru = 3;

using test::KilobyteOf;  // 1 KB outputs zstd cannot shrink much

// What the table did between two stats snapshots, e.g. "3 requests (1 queries, 2 writes,
// 0 reads), 28 WRU".
std::string SpentText(const table::TableStats& before, const table::TableStats& after) {
  std::ostringstream text;
  text << after.requests - before.requests << " requests (" << after.queries - before.queries
       << " queries, " << after.writes - before.writes << " writes, " << after.reads - before.reads
       << " reads), " << after.write_units - before.write_units << " WRU";
  return text.str();
}

class EngineCostTest : public EngineOnDynamoDbLocal {
 protected:
  // A worker that polls once at start, then only when woken (no idle poll writes anything
  // anyway: polls are reads).
  static WorkerOptions QuietWorker() {
    WorkerOptions o;
    o.threads = 2;
    o.poll_interval = o.max_poll_interval = std::chrono::hours(1);
    o.schedule_poll_interval = Duration(0);  // schedule polls are reads anyway
    return o;
  }

  // A started QuietWorker of `engine`.
  static Result<std::unique_ptr<Worker>> StartQuietWorker(Engine& engine) {
    DYNAFLOW_ASSIGN_OR_RETURN(std::unique_ptr<Worker> worker, engine.NewWorker(QuietWorker()));
    DYNAFLOW_RETURN_IF_ERROR(worker->Start());
    return worker;
  }

  static Workflow Linear() {
    WorkflowBuilder b("cost-linear", 1);
    for (int i = 0; i < kSteps; ++i) {
      b.Step<std::string, std::string>(
          "step-" + std::to_string(i),
          [i](StepContext&, const std::string&) { return KilobyteOf(i); });
    }
    return b.Build().value();
  }

  static double Wru() { return table_->stats().write_units; }
};

TEST_F(EngineCostTest, LinearTenStepRunWithKilobyteOutputsCostsAtMost35Wru) {
  auto wf = Linear();
  // Hand-over: created leased to the local worker (3 WRU), ten steps (9 puts of <= 2 WRU, the
  // last one inside the finish), the finish moving the run to COMPLETED.
  {
    auto engine = Open();
    ASSERT_OK(engine->Register(wf));
    ASSERT_OK_AND_ASSIGN(auto worker, StartQuietWorker(*engine));
    const double before = Wru();
    auto started = engine->Start(wf, std::string("go")).value();
    ASSERT_OK_AND_ASSIGN(auto done, engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1)));
    ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
    const double spent = Wru() - before;
    std::cout << "10-step run, 1 KB outputs, hand-over: " << spent << " WRU\n";
    EXPECT_LE(spent, 35);
    EXPECT_EQ(spent, 3 + 9 * 2 + 7);  // create, nine step puts, last step + finish
    EXPECT_EQ(engine->GetResult<std::string>(started.run_id).value(), KilobyteOf(kSteps - 1));
    worker->Stop();
  }
  // Remote worker: created PENDING (3), claimed (4), steps, finish.
  {
    auto starter = Open();
    auto runner = Open();
    ASSERT_OK(runner->Register(wf));
    const double before = Wru();
    auto started = starter->Start(wf, std::string("go")).value();
    ASSERT_OK_AND_ASSIGN(auto worker, StartQuietWorker(*runner));
    ASSERT_OK_AND_ASSIGN(auto done, runner->WaitForRun(started.run_id, 60s, std::chrono::hours(1)));
    ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
    const double spent = Wru() - before;
    std::cout << "10-step run, 1 KB outputs, remote worker: " << spent << " WRU\n";
    EXPECT_LE(spent, 35);
    EXPECT_EQ(spent, 3 + 4 + 9 * 2 + 7);
    auto details = runner->GetRun(started.run_id, /*with_outputs=*/true).value();
    ASSERT_EQ(details.steps.size(), static_cast<size_t>(kSteps));
    for (int i = 0; i < kSteps; ++i) {
      EXPECT_NE(details.outputs.at("step-" + std::to_string(i)).find(KilobyteOf(i)),
                std::string::npos);
    }
    worker->Stop();
  }
}

// The order saga's shape (examples/order_saga.cc): reserve -> charge -> ship with business
// keys, releasing and refunding on failure.
TEST_F(EngineCostTest, OrderSagaRunsCostWhatTheDocsState) {
  StepOptions once;
  once.retry = RetryPolicy::None();
  auto noop = [](StepContext&, const int&, const std::string&) {};
  auto reserve = [](StepContext&, const int& order) {
    return "{\"reservation\":" + std::to_string(order) + "}";
  };
  auto charge = [](StepContext&, const std::string& r) -> Result<std::string> {
    if (r.find("7}") != std::string::npos) return Status::InvalidArgument("declined");
    return std::string("{\"payment\":\"p-1\"}");
  };
  auto ship = [](StepContext&, const std::string&) { return std::string("{\"parcel\":1}"); };
  auto wf = WorkflowBuilder("cost-order", 1)
                .Step(MakeStep<int, std::string>("reserve", reserve).Compensate(noop))
                .Step(MakeStep<std::string, std::string>("charge", charge)
                          .Options(once)
                          .Compensate([](StepContext&, const std::string&, const std::string&) {}))
                .Step<std::string, std::string>("ship", ship)
                .Build()
                .value();
  auto engine = Open();
  ASSERT_OK(engine->Register(wf));
  ASSERT_OK_AND_ASSIGN(auto worker, StartQuietWorker(*engine));
  auto run_once = [&](int order, RunStatus want) {
    StartOptions so;
    so.business_key = "order-" + std::to_string(order);
    const double before = Wru();
    auto started = engine->Start(wf, order, so).value();
    auto done = engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    EXPECT_OK(done);
    EXPECT_EQ(done->status, want) << done->error;
    return Wru() - before;
  };
  const double completed = run_once(1, RunStatus::kCompleted);
  const double compensated = run_once(7, RunStatus::kCompensated);
  std::cout << "order saga: completed run " << completed << " WRU, compensated run " << compensated
            << " WRU\n";
  // Completed: create with the business key (one transaction of 2 items: 8), reserve and
  // charge (1 each), ship + finish (4).
  EXPECT_EQ(completed, 8 + 1 + 1 + 4);
  // Compensated: create 8, reserve 1, the failed charge recorded with the turn to COMPENSATING
  // (a transaction, 2 WRU per write: run 2 + GSI1 2 + GSI2 key moved 4, step 2), the
  // reservation's release + finish (4).
  EXPECT_EQ(compensated, 8 + 1 + 10 + 4);
  worker->Stop();
}

// An event delivered to a run parked at an AwaitEvent node: the send (2 requests: the checked
// transactional put of the event item, the conditional wake of the run item), then what the
// worker does with it: claim, load, read the events, record the await node, and the rest.
TEST_F(EngineCostTest, EventDeliveryToAParkedRun) {
  auto wf = WorkflowBuilder("cost-event", 1)
                .Step<std::string, std::string>(
                    "open", [](StepContext&, const std::string& s) { return s; })
                .AwaitEvent<std::string>("paid", std::chrono::hours(1))
                .Step<std::string, std::string>(
                    "close", [](StepContext&, const std::string& s) { return s + "!"; })
                .Build()
                .value();
  auto engine = Open();
  ASSERT_OK(engine->Register(wf));
  ASSERT_OK_AND_ASSIGN(auto worker, StartQuietWorker(*engine));
  auto started = engine->Start(wf, std::string("order")).value();
  for (int i = 0; i < 500; ++i) {
    auto run = engine->store().GetRun(started.run_id);
    if (run.ok() && run->status == RunStatus::kSleeping && worker->active_runs() == 0) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(engine->store().GetRun(started.run_id)->status, RunStatus::kSleeping);
  // No worker polls while the send is counted; a new one delivers the event.
  worker->Stop();
  const table::TableStats before = table_->stats();
  ASSERT_OK_AND_ASSIGN(auto sent, engine->SendEvent(started.run_id, "paid", std::string("card")));
  ASSERT_TRUE(sent.woke);
  const table::TableStats after_send = table_->stats();
  ASSERT_OK_AND_ASSIGN(worker, StartQuietWorker(*engine));
  ASSERT_OK_AND_ASSIGN(auto done, engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1)));
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  const table::TableStats after = table_->stats();
  const int64_t send_requests = after_send.requests - before.requests;
  const double send_wru = after_send.write_units - before.write_units;
  std::cout << "SendEvent to a parked run: " << send_requests << " requests, " << send_wru
            << " WRU; delivery until the run finished: " << after.requests - before.requests
            << " requests (" << after.writes - before.writes << " writes), "
            << after.write_units - before.write_units << " WRU\n";
  // Two requests: the transaction and the wake-up (`requests` also counts the HTTP client's
  // own retries, e.g. of a transaction conflict with DynamoDB Local's bookkeeping).
  EXPECT_EQ(after_send.writes - before.writes, 2);
  EXPECT_EQ(after_send.reads + after_send.queries - before.reads - before.queries, 0);
  EXPECT_EQ(send_wru, kEventSendWru);
  EXPECT_EQ(after.write_units - before.write_units, kEventDeliveryWru);
  worker->Stop();
}

// A schedule tick: the due Query, the overlap check (1 GetItem of the last run, not with ALLOW)
// and ONE TransactWriteItems of the schedule update (GSI2 key moved), the run put (both GSIs)
// and the run link. A dropped tick (SKIP while the last run is not finished) is one
// conditional UpdateItem of the schedule instead of the transaction.
TEST_F(EngineCostTest, ScheduleTick) {
  ::dynaflow::test::FakeClock clock(
      FromUnixMillis(ToUnixMillis(Clock::Real()->Now()) / 60000 * 60000));
  EngineOptions o;
  o.table = table_;
  o.clock = &clock;
  auto engine = Engine::Open(o).value();
  auto wf =
      WorkflowBuilder("cost-scheduled", 1)
          .Step<std::string, std::string>("s", [](StepContext&, const std::string& x) { return x; })
          .Build()
          .value();
  for (OverlapPolicy policy : {OverlapPolicy::kAllow, OverlapPolicy::kSkip}) {
    ScheduleOptions so;
    so.schedule_id = std::string("cost-") + std::string(store::OverlapPolicyName(policy));
    so.cron = "* * * * *";
    so.overlap = policy;
    ASSERT_OK(engine->CreateSchedule(wf, std::string("nightly report"), so));
  }
  clock.Advance(60s);
  // First ticks of both (no last run yet): 1 Query + 2 transactions.
  table::TableStats before = table_->stats();
  ASSERT_EQ(engine->FireDueSchedules().value(), 2);
  table::TableStats after = table_->stats();
  std::cout << "schedule ticks fired: 2 -> " << SpentText(before, after) << "\n";
  EXPECT_EQ(after.queries - before.queries, 1);
  EXPECT_EQ(after.writes - before.writes, 2);
  EXPECT_EQ(after.write_units - before.write_units, 2 * kScheduleTickWru);
  // Second ticks: ALLOW fires again (no read); SKIP reads the last run (PENDING) and drops it.
  clock.Advance(60s);
  before = table_->stats();
  ASSERT_EQ(engine->FireDueSchedules().value(), 1);
  after = table_->stats();
  std::cout << "fired 1 + skipped 1 -> " << SpentText(before, after) << "\n";
  EXPECT_EQ(after.queries - before.queries, 1);
  EXPECT_EQ(after.reads - before.reads, 1);
  EXPECT_EQ(after.writes - before.writes, 2);
  EXPECT_EQ(after.write_units - before.write_units, kScheduleTickWru + kScheduleSkipWru);
}

// A code workflow's linear run costs exactly what the builder's costs (requests of each kind
// and WRU), handed over and on a remote worker: one put per step, the last one with the finish.
TEST_F(EngineCostTest, LinearTenStepCodeRunCostsWhatTheBuilderRunCosts) {
  auto code = DurableWorkflow<std::string, std::string>(
                  "cost-code-1", 1,
                  [](WorkflowContext& ctx, const std::string&) -> Result<std::string> {
                    std::string last;
                    for (int i = 0; i < kSteps; ++i) {
                      DYNAFLOW_ASSIGN_OR_RETURN(
                          last, ctx.Step("step-" + std::to_string(i),
                                         [i](StepContext&) { return KilobyteOf(i); }));
                    }
                    return last;
                  })
                  .value();
  auto builder = Linear();  // "cost-linear": an id of the same length
  auto hand_over = [&](const Workflow& wf) {
    auto engine = Open();
    EXPECT_OK(engine->Register(wf));
    auto worker = StartQuietWorker(*engine).value();
    // Its start-up poll (a few queries) is done before the count starts.
    for (int i = 0; i < 10000 && engine->metrics().polls < 1; ++i) std::this_thread::sleep_for(1ms);
    const table::TableStats before = table_->stats();
    auto started = engine->Start(wf, std::string("go")).value();
    auto done = engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    EXPECT_EQ(done->status, RunStatus::kCompleted) << done->error;
    EXPECT_EQ(engine->GetResult<std::string>(started.run_id).value(), KilobyteOf(kSteps - 1));
    worker->Stop();
    return SpentText(before, table_->stats());
  };
  auto remote = [&](const Workflow& wf) {
    auto starter = Open();
    auto runner = Open();
    EXPECT_OK(runner->Register(wf));
    const table::TableStats before = table_->stats();
    auto started = starter->Start(wf, std::string("go")).value();
    auto worker = StartQuietWorker(*runner).value();
    auto done = runner->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    EXPECT_EQ(done->status, RunStatus::kCompleted) << done->error;
    worker->Stop();
    return SpentText(before, table_->stats());
  };
  const std::string builder_hand_over = hand_over(builder);
  const std::string code_hand_over = hand_over(code);
  std::cout << "10-step code run, hand-over: " << code_hand_over << "\n";
  EXPECT_EQ(code_hand_over, builder_hand_over);
  EXPECT_NE(code_hand_over.find(", 28 WRU"), std::string::npos) << code_hand_over;
  const std::string builder_remote = remote(builder);
  const std::string code_remote = remote(code);
  std::cout << "10-step code run, remote worker: " << code_remote << "\n";
  EXPECT_EQ(code_remote, builder_remote);
  EXPECT_NE(code_remote.find(", 32 WRU"), std::string::npos) << code_remote;
}

// The resume of a run parked at an event after ten 1 KB steps: the replay reads the records
// with one Query (11 KB < 1 MB), and the whole delivery costs what the builder's costs.
TEST_F(EngineCostTest, CodeRunResumedAfterAnEventCostsWhatTheBuilderRunCosts) {
  auto code = DurableWorkflow<std::string, std::string>(
                  "cost-code-2", 1,
                  [](WorkflowContext& ctx, const std::string&) -> Result<std::string> {
                    for (int i = 0; i < kSteps; ++i) {
                      DYNAFLOW_RETURN_IF_ERROR(ctx.Step("step-" + std::to_string(i),
                                                        [i](StepContext&) { return KilobyteOf(i); })
                                                   .status());
                    }
                    DYNAFLOW_ASSIGN_OR_RETURN(std::string paid, ctx.AwaitEvent<std::string>(
                                                                    "paid", std::chrono::hours(1)));
                    return ctx.Step("close", [paid](StepContext&) { return paid + "!"; });
                  })
                  .value();
  WorkflowBuilder b("cost-build-2", 1);
  for (int i = 0; i < kSteps; ++i) {
    b.Step<std::string, std::string>(
        "step-" + std::to_string(i),
        [i](StepContext&, const std::string&) { return KilobyteOf(i); });
  }
  auto builder = b.AwaitEvent<std::string>("paid", std::chrono::hours(1))
                     .Step<std::string, std::string>(
                         "close", [](StepContext&, const std::string& s) { return s + "!"; })
                     .Build()
                     .value();
  auto delivery = [&](const Workflow& wf) {
    auto engine = Open();
    EXPECT_OK(engine->Register(wf));
    auto worker = StartQuietWorker(*engine).value();
    auto started = engine->Start(wf, std::string("order")).value();
    for (int i = 0; i < 500; ++i) {
      auto run = engine->store().GetRun(started.run_id);
      if (run.ok() && run->status == RunStatus::kSleeping && worker->active_runs() == 0) break;
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(engine->store().GetRun(started.run_id)->status, RunStatus::kSleeping);
    worker->Stop();
    EXPECT_OK(engine->SendEvent(started.run_id, "paid", std::string("card")));
    const table::TableStats before = table_->stats();
    worker = StartQuietWorker(*engine).value();
    auto done = engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    EXPECT_EQ(done->status, RunStatus::kCompleted) << done->error;
    EXPECT_EQ(engine->GetResult<std::string>(started.run_id).value(), "card!");
    worker->Stop();
    return SpentText(before, table_->stats());
  };
  const std::string builder_cost = delivery(builder);
  const std::string code_cost = delivery(code);
  std::cout << "resume after an event, 10 recorded 1 KB steps: code " << code_cost << "; builder "
            << builder_cost << "\n";
  EXPECT_EQ(code_cost, builder_cost);
}

}  // namespace
}  // namespace dynaflow::engine
