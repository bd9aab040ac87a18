// The engine on DynamoDB Local: the request budget of a linear workflow (at most N + 3 DynamoDB
// requests from start to COMPLETED for N steps), on the local hand-over path and on the
// remote-worker path (FindDueRuns amortised over the runs one poll finds), and a saga smoke
// run. Requests are counted with the dynamodb::Client's counters (HTTP requests sent, retries
// included).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dynaflow/engine/engine.h"
#include "tests/integration/engine_dynamodb_fixture.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine {
namespace {

using namespace std::chrono_literals;

constexpr int kSteps = 10;
constexpr int64_t kBudgetPerRun = kSteps + 3;

class EngineDynamoDbTest : public EngineOnDynamoDbLocal {
 protected:
  static Workflow Linear() {
    WorkflowBuilder b("linear-10", 1);
    for (int i = 0; i < kSteps; ++i) {
      b.Step<int, int>("step-" + std::to_string(i),
                       [](StepContext&, const int& v) { return v + 1; });
    }
    return b.Build().value();
  }

  static std::string Breakdown(
      const std::map<std::string, dynamodb::RequestCounters::OperationStats>& before) {
    std::string out;
    for (const auto& [op, stats] : client_->counters().Snapshot()) {
      auto it = before.find(op);
      int64_t d = stats.attempts - (it == before.end() ? 0 : it->second.attempts);
      if (d != 0) out += op + "=" + std::to_string(d) + " ";
    }
    return out;
  }
};

TEST_F(EngineDynamoDbTest, LocalHandOverStaysWithinBudget) {
  auto engine = Open();
  auto wf = Linear();
  ASSERT_OK(engine->Register(wf));
  WorkerOptions o;
  o.threads = 2;
  o.poll_interval = o.max_poll_interval = std::chrono::hours(1);  // only the first poll
  // Schedule polls (1 Query per second per worker) are a cost of the worker, not of the run.
  o.schedule_poll_interval = Duration(0);
  auto worker = engine->NewWorker(o).value();
  const int64_t queries_before = client_->counters().Get("Query").attempts;
  ASSERT_OK(worker->Start());
  // The first poll (FindDueRuns: one Query per status it looks at, 4 with one shard) is done
  // before counting starts.
  for (int i = 0; i < 5000 && client_->counters().Get("Query").attempts < queries_before + 4; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_EQ(client_->counters().Get("Query").attempts, queries_before + 4);
  for (int run = 0; run < 3; ++run) {
    auto before = client_->counters().Snapshot();
    int64_t start = client_->counters().TotalAttempts();
    auto started = engine->Start(wf, 0).value();
    auto done = engine->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
    int64_t spent = client_->counters().TotalAttempts() - start;
    ASSERT_OK(done);
    EXPECT_EQ(done->status, RunStatus::kCompleted) << done->error;
    EXPECT_LE(spent, kBudgetPerRun) << Breakdown(before);
    std::cout << "local hand-over run " << run << ": " << spent << " requests ("
              << Breakdown(before) << ")\n";
  }
  EXPECT_EQ(engine->metrics().runs_handed_over, 3);
  EXPECT_EQ(engine->metrics().runs_claimed, 0);
  worker->Stop();
}

TEST_F(EngineDynamoDbTest, RemoteWorkerStaysWithinBudget) {
  constexpr int kRuns = 30;
  auto starter = Open();  // starts runs, executes nothing (like a web frontend)
  auto runner = Open();   // another process's worker
  auto wf = Linear();
  ASSERT_OK(runner->Register(wf));
  auto before = client_->counters().Snapshot();
  int64_t start = client_->counters().TotalAttempts();
  std::vector<std::string> ids;
  for (int i = 0; i < kRuns; ++i) ids.push_back(starter->Start(wf, i).value().run_id);
  WorkerOptions o;  // default poll intervals: 200 ms, backing off to 5 s while idle
  o.threads = kRuns;
  auto worker = runner->NewWorker(o).value();
  ASSERT_OK(worker->Start());
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_OK_AND_ASSIGN(auto done, runner->WaitForRun(ids[i], 60s, std::chrono::hours(1)));
    EXPECT_EQ(done.status, RunStatus::kCompleted) << done.error;
  }
  int64_t spent = client_->counters().TotalAttempts() - start;
  std::cout << "remote worker: " << kRuns << " runs, " << spent << " requests ("
            << Breakdown(before) << "), " << runner->metrics().polls << " polls\n";
  EXPECT_LE(spent, kRuns * kBudgetPerRun) << Breakdown(before);
  EXPECT_EQ(runner->metrics().runs_claimed, kRuns);
  worker->Stop();
  for (const auto& id : ids) EXPECT_EQ(runner->GetResult<int>(id).ok(), true);
}

// One run picked up by a worker of another process: Start (1 PutItem), the poll that finds it
// (1 Query: the rotating scan looks at PENDING first), the claim (1 UpdateItem, which returns
// the inline input) and one write per step: N + 3.
TEST_F(EngineDynamoDbTest, SingleRunOnRemoteWorkerStaysWithinBudget) {
  auto starter = Open();
  auto runner = Open();
  auto wf = Linear();
  ASSERT_OK(runner->Register(wf));
  auto before = client_->counters().Snapshot();
  int64_t start = client_->counters().TotalAttempts();
  auto started = starter->Start(wf, 0).value();
  WorkerOptions o;
  o.threads = 2;
  o.poll_interval = o.max_poll_interval = std::chrono::hours(1);  // the first poll only
  o.schedule_poll_interval = Duration(0);  // a worker cost, not the run's (see above)
  auto worker = runner->NewWorker(o).value();
  ASSERT_OK(worker->Start());
  auto done = runner->WaitForRun(started.run_id, 60s, std::chrono::hours(1));
  int64_t spent = client_->counters().TotalAttempts() - start;
  ASSERT_OK(done);
  EXPECT_EQ(done->status, RunStatus::kCompleted) << done->error;
  std::cout << "single run on a remote worker: " << spent << " requests (" << Breakdown(before)
            << ")\n";
  EXPECT_LE(spent, kBudgetPerRun) << Breakdown(before);
  EXPECT_EQ(client_->counters().Get("Query").attempts - before["Query"].attempts, 1);
  EXPECT_EQ(runner->metrics().runs_claimed, 1);
  worker->Stop();
}

TEST_F(EngineDynamoDbTest, SagaCompensatesOnDynamoDb) {
  auto engine = Open();
  std::mutex mu;
  std::vector<std::string> undone;
  auto undo = [&](const std::string& name) {
    return [&, name](StepContext&, const int&, const int&) {
      std::lock_guard<std::mutex> lock(mu);
      undone.push_back(name);
    };
  };
  StepOptions once;
  once.retry = RetryPolicy::None();
  auto wf =
      WorkflowBuilder("dynamo-saga", 1)
          .Step(MakeStep<int, int>("reserve", [](StepContext&, const int& i) { return i + 1; })
                    .Compensate(undo("reserve")))
          .Step(MakeStep<int, int>("charge", [](StepContext&, const int& i) { return i + 1; })
                    .Compensate(undo("charge")))
          .Step<int, int>(
              "ship",
              [](StepContext&, const int& i) -> Result<int> {
                if (i % 2 == 1) return Status::InvalidArgument("declined");
                return i;
              },
              once)
          .Build()
          .value();
  ASSERT_OK(engine->Register(wf));
  auto worker = engine->NewWorker().value();
  ASSERT_OK(worker->Start());
  auto ok = engine->Start(wf, 0).value();
  auto bad = engine->Start(wf, 1).value();
  EXPECT_EQ(engine->WaitForRun(ok.run_id, 60s).value().status, RunStatus::kCompleted);
  auto failed = engine->WaitForRun(bad.run_id, 60s).value();
  EXPECT_EQ(failed.status, RunStatus::kCompensated);
  EXPECT_NE(failed.error.find("declined"), std::string::npos);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(undone, (std::vector<std::string>{"charge", "reserve"}));
  }
  auto details = engine->GetRun(bad.run_id).value();
  std::map<std::string, StepStatus> steps;
  for (const auto& s : details.steps) steps[s.step_id] = s.status;
  EXPECT_EQ(steps["ship"], StepStatus::kFailed);
  EXPECT_EQ(steps["compensate:charge"], StepStatus::kCompensated);
  EXPECT_EQ(steps["compensate:reserve"], StepStatus::kCompensated);
  worker->Stop();
}

}  // namespace
}  // namespace dynaflow::engine
