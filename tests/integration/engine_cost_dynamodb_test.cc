// What a run costs on DynamoDB Local in write request units (WRU), as DynamoDB Local reports
// them with ReturnConsumedCapacity INDEXES (index writes included; the table asks for it by
// default): a linear 10-step run with 1 KB outputs (hand-over and remote worker) and the order
// saga's two fates (completed, compensated), with a business key as the example uses.
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start).
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "tests/integration/engine_dynamodb_fixture.h"

namespace dynaflow::engine {
namespace {

using namespace std::chrono_literals;

constexpr int kSteps = 10;

// 1000 bytes of pseudo-random hex-free text: what zstd cannot shrink much (a JSON string).
std::string KilobyteOf(int seed) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out(1000, ' ');
  uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = kAlphabet[x & 63];
  }
  return out;
}

class EngineCostTest : public EngineOnDynamoDbLocal {
 protected:
  // A worker that polls once at start, then only when woken (no idle poll writes anything
  // anyway: polls are reads).
  static WorkerOptions QuietWorker() {
    WorkerOptions o;
    o.threads = 2;
    o.poll_interval = o.max_poll_interval = std::chrono::hours(1);
    return o;
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
    ASSERT_TRUE(engine->Register(wf).ok());
    auto worker = engine->NewWorker(QuietWorker()).value();
    ASSERT_TRUE(worker->Start().ok());
    const double before = Wru();
    auto started = engine->Start(wf, std::string("go")).value();
    auto done = engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    ASSERT_TRUE(done.ok()) << done.error();
    ASSERT_EQ(done->status, RunStatus::kCompleted) << done->error;
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
    ASSERT_TRUE(runner->Register(wf).ok());
    const double before = Wru();
    auto started = starter->Start(wf, std::string("go")).value();
    auto worker = runner->NewWorker(QuietWorker()).value();
    ASSERT_TRUE(worker->Start().ok());
    auto done = runner->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    ASSERT_TRUE(done.ok()) << done.error();
    ASSERT_EQ(done->status, RunStatus::kCompleted) << done->error;
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
TEST_F(EngineCostTest, OrderSagaRunsCostWhatTheREADMEStates) {
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
  ASSERT_TRUE(engine->Register(wf).ok());
  auto worker = engine->NewWorker(QuietWorker()).value();
  ASSERT_TRUE(worker->Start().ok());
  auto run_once = [&](int order, RunStatus want) {
    StartOptions so;
    so.business_key = "order-" + std::to_string(order);
    const double before = Wru();
    auto started = engine->Start(wf, order, so).value();
    auto done = engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    EXPECT_TRUE(done.ok()) << done.error();
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

}  // namespace
}  // namespace dynaflow::engine
