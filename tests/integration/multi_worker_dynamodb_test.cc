// Multi-worker test: 4 worker processes x 8 threads complete 500 runs against DynamoDB Local
// (DYNAFLOW_TEST_DYNAMODB_ENDPOINT; the test fails when it is not set), each exactly once:
// every run COMPLETED with one record per step, every step executed exactly once across all
// processes (from their execution logs), every recorded output naming that execution, every run
// claimed exactly once in total, no lease lost, and the work spread over several processes.
#include <algorithm>

#include "dynaflow/store/table/dynamodb_table.h"
#include "tests/integration/multiprocess_support.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::mptest {
namespace {

using namespace std::chrono_literals;

constexpr int kRuns = 500;
constexpr int kSteps = 3;
constexpr int kProcesses = 4;
constexpr int kThreads = 8;

TEST(MultiWorkerDynamoDbTest, FourProcessesOfEightThreadsCompleteFiveHundredRunsEachExactlyOnce) {
  std::shared_ptr<dynamodb::Client> client = test::NewDynamoDbLocalClient();
  ASSERT_NE(client, nullptr);
  const std::string table_name = test::UniqueTableName("multi_worker");
  ASSERT_TRUE(test::CreateSeedLayoutTable(*client, table_name));
  auto opened = table::OpenDynamoDbTable(client, table_name);
  ASSERT_OK(opened);
  engine::EngineOptions eo;
  eo.table = std::shared_ptr<table::Table>(std::move(opened).value());
  auto engine = engine::Engine::Open(eo).value();
  StepEnv unused_env;
  auto wf = ChainWorkflow(kSteps, &unused_env).value();

  TempDir dir("multi_worker_dynamodb");
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < kProcesses; ++i) {
    workers.push_back(std::make_unique<WorkerProcess>(
        std::vector<std::string>{"--dynamodb", table_name, "--dir", dir.path(), "--steps",
                                 std::to_string(kSteps), "--threads", std::to_string(kThreads),
                                 "--lease-ms", "30000", "--poll-ms", "50", "--step-ms-min", "1",
                                 "--step-ms-max", "3"},
        dir.path() + "/worker-" + std::to_string(i) + ".out"));
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (auto& w : workers) {
          auto lines = ReadLines(dir.path() + "/report-" + std::to_string(w->pid()) + ".log");
          if (std::find(lines.begin(), lines.end(), "ready") == lines.end()) return false;
        }
        return true;
      },
      30s))
      << "the workers did not start";

  // Start the runs from 4 threads (the workers pick them up as they appear).
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> starters;
  std::atomic<int> start_errors{0};
  for (int t = 0; t < 4; ++t) {
    starters.emplace_back([&, t] {
      for (int i = t; i < kRuns; i += 4) {
        auto s = engine->Start(wf, "input-" + std::to_string(i));
        if (s.ok()) {
          ids[static_cast<size_t>(t)].push_back(s->run_id);
        } else {
          ++start_errors;
        }
      }
    });
  }
  for (auto& t : starters) t.join();
  ASSERT_EQ(start_errors.load(), 0);
  std::vector<std::string> run_ids;
  for (auto& v : ids) run_ids.insert(run_ids.end(), v.begin(), v.end());
  const double start_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  ASSERT_TRUE(WaitUntil(
      [&] { return engine->store().CountRunsByStatus(RunStatus::kCompleted).value() == kRuns; },
      120s, 250ms))
      << "not every run completed";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::map<long, std::map<std::string, int64_t>> metrics;
  for (auto& w : workers) {
    ASSERT_TRUE(w->StopGracefully()) << "worker " << w->pid();
    metrics[static_cast<long>(w->pid())] =
        ReadMetrics(dir.path() + "/metrics-" + std::to_string(w->pid()) + ".txt");
  }

  // Every step executed exactly once across the processes.
  std::map<std::pair<std::string, std::string>, std::vector<Execution>> executions;
  std::map<long, std::set<std::string>> runs_by_pid;
  for (const Execution& e : ReadExecutions(dir.path())) {
    executions[{e.run_id, e.step}].push_back(e);
    runs_by_pid[e.pid].insert(e.run_id);
  }
  EXPECT_EQ(executions.size(), static_cast<size_t>(kRuns * kSteps));
  for (const auto& [key, list] : executions) {
    EXPECT_EQ(list.size(), 1u) << key.first << " " << key.second << " executed " << list.size()
                               << " times";
  }

  // Every run COMPLETED, every step recorded once with the output of its only execution; read
  // back from 4 threads.
  std::mutex mu;
  std::vector<std::string> problems;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < run_ids.size(); i += 4) {
        const std::string& id = run_ids[i];
        auto d = engine->GetRun(id, /*with_outputs=*/true);
        std::string problem;
        if (!d.ok()) {
          problem = d.error().ToString();
        } else if (d->run.status != RunStatus::kCompleted) {
          problem = "status " + std::string(RunStatusName(d->run.status));
        } else if (d->steps.size() != kSteps) {
          problem = std::to_string(d->steps.size()) + " step records";
        } else {
          for (int s = 1; s <= kSteps; ++s) {
            auto key = std::make_pair(id, StepName(s));
            auto it = executions.find(key);
            auto out = d->outputs.find(StepName(s));
            if (it == executions.end() || out == d->outputs.end() ||
                DecodeOutput(out->second) != it->second.front().id()) {
              problem = StepName(s) + ": recorded output does not match its execution";
            }
          }
        }
        if (!problem.empty()) {
          std::lock_guard<std::mutex> lock(mu);
          problems.push_back(id + ": " + problem);
        }
      }
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_TRUE(problems.empty()) << problems.size() << " runs wrong, e.g. " << problems.front();

  int64_t claimed = 0, lost = 0, completed = 0;
  for (auto& [pid, m] : metrics) {
    claimed += m["runs_claimed"];
    lost += m["leases_lost"];
    completed += m["runs_completed"];
  }
  EXPECT_EQ(claimed, kRuns) << "every run is claimed exactly once";
  EXPECT_EQ(completed, kRuns);
  EXPECT_EQ(lost, 0);
  int busy = 0;
  for (auto& [pid, runs] : runs_by_pid) busy += runs.empty() ? 0 : 1;
  EXPECT_GE(busy, 2) << "the work was not shared between processes";
  std::string spread;
  for (auto& [pid, runs] : runs_by_pid) spread += " " + std::to_string(runs.size());
  std::printf(
      "4 x 8 workers on DynamoDB Local: %d runs in %.1f s (all started after %.1f s); runs "
      "per process:%s\n",
      kRuns, seconds, start_seconds, spread.c_str());
}

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
