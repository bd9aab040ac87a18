// Crash test of code workflows: worker processes are killed with SIGKILL at random points while
// 40 runs of "code-loop-8" (worker_program.h: 8 steps in a loop, a Map over 4 items, a wait for
// the event "go", a last step) execute on one shared store (a SQLite file; a table on DynamoDB
// Local): mid-loop, mid-fan-out, and while the runs are parked waiting (the events are sent
// half-way through the kills). New worker processes started after each kill finish every run.
// Checked from the store and the per-process execution logs:
//   - every run COMPLETED with exactly the 15 expected records, each step's output naming an
//     execution that really happened, and the last one of that step;
//   - no recorded step ran again: no record seen right after a kill has an execution starting
//     after that moment.
#include <algorithm>
#include <random>

#include "tests/integration/multiprocess_support.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::mptest {
namespace {

using namespace std::chrono_literals;

constexpr int kRuns = 40;
constexpr int kLoop = 8;
constexpr int kWorkers = 3;

// The ids of a code-loop run's records that carry an execution's output.
std::vector<std::string> ExecutedSteps() {
  std::vector<std::string> out;
  for (int i = 1; i <= kLoop; ++i) out.push_back(i == 1 ? "line" : "line@" + std::to_string(i));
  for (int i = 0; i < kCodeLoopItems; ++i) out.push_back("pack[" + std::to_string(i) + "]");
  out.push_back("ship");
  return out;
}

class CodeCrashTest : public ::testing::TestWithParam<Backend> {};

TEST_P(CodeCrashTest, KilledWorkersNeverReExecuteRecordedCallsAndSurvivorsFinishEveryRun) {
  const int kKills = GetParam() == Backend::kSqlite ? 8 : 6;
  TempDir dir("code_crash");
  SharedStore store = OpenSharedStore(GetParam(), dir.path(), "codecrash");
  ASSERT_NE(store.table, nullptr);
  std::vector<std::string> worker_args = store.worker_args;
  const std::vector<std::string> common = {
      "--dir",         dir.path(), "--steps",       std::to_string(kLoop),
      "--threads",     "4",        "--lease-ms",    "1000",
      "--poll-ms",     "10",       "--step-ms-min", "10",
      "--step-ms-max", "30"};
  worker_args.insert(worker_args.end(), common.begin(), common.end());
  engine::EngineOptions eo;
  eo.table = store.table;
  auto engine = engine::Engine::Open(eo).value();
  StepEnv unused_env;  // the test process only starts runs, sends events and reads
  auto wf = CodeLoopWorkflow(kLoop, &unused_env).value();
  std::vector<std::string> run_ids;
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, std::string("in-") + std::to_string(i)));
    run_ids.push_back(started.run_id);
  }
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  int spawned = 0;
  auto spawn = [&] {
    workers.push_back(std::make_unique<WorkerProcess>(
        worker_args, dir.path() + "/worker-" + std::to_string(spawned++) + ".out"));
  };
  for (int i = 0; i < kWorkers; ++i) spawn();

  const std::vector<std::string> executed_steps = ExecutedSteps();
  auto recorded_now = [&] {
    std::map<std::pair<std::string, std::string>, std::string> out;
    std::mutex mu;
    ParallelFor(run_ids.size(), 4, [&](size_t i) {
      auto d = engine->GetRun(run_ids[i], /*with_outputs=*/true);
      if (!d.ok()) return;
      std::lock_guard<std::mutex> lock(mu);
      for (const std::string& step : executed_steps) {
        auto it = d->outputs.find(step);
        if (it != d->outputs.end()) out[{run_ids[i], step}] = DecodeOutput(it->second);
      }
    });
    return out;
  };
  auto completed = [&] { return engine->store().CountRunsByStatus(RunStatus::kCompleted).value(); };
  auto send_events = [&] {
    for (const std::string& id : run_ids) {
      EXPECT_OK(engine->SendEvent(id, "go", std::string("now")));
    }
  };

  std::mt19937 rng(std::random_device{}());
  struct Snapshot {
    int64_t after_us;
    std::map<std::pair<std::string, std::string>, std::string> records;
  };
  std::vector<Snapshot> snapshots;
  bool sent = false;
  int64_t parked_at_send = 0;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 300)(rng)));
    if (k == kKills / 2) {
      parked_at_send = engine->store().CountRunsByStatus(RunStatus::kSleeping).value();
      send_events();
      sent = true;
    }
    if (completed() >= kRuns) break;
    std::vector<WorkerProcess*> live;
    for (auto& w : workers) {
      if (w->alive()) live.push_back(w.get());
    }
    live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng)]->Kill();
    Snapshot snap;
    snap.records = recorded_now();
    snap.after_us = NowMicros();
    snapshots.push_back(std::move(snap));
    spawn();
  }
  if (!sent) send_events();
  ASSERT_TRUE(WaitUntil([&] { return completed() == kRuns; }, 180s, 100ms))
      << completed() << " of " << kRuns << " runs completed";
  for (auto& w : workers) {
    if (!w->alive()) continue;
    const std::string report = dir.path() + "/report-" + std::to_string(w->pid()) + ".log";
    EXPECT_TRUE(WaitUntil([&] { return !ReadLines(report).empty(); }, 30s))  // "ready"
        << "worker " << w->pid() << " never started";
    EXPECT_TRUE(w->StopGracefully()) << "worker " << w->pid();
  }

  std::map<std::pair<std::string, std::string>, std::vector<Execution>> executions;
  for (const Execution& e : ReadExecutions(dir.path())) executions[{e.run_id, e.step}].push_back(e);
  for (auto& [key, list] : executions) {
    std::sort(list.begin(), list.end(),
              [](const Execution& a, const Execution& b) { return a.start_us < b.start_us; });
  }
  std::map<std::pair<std::string, std::string>, std::string> final_outputs;
  int executed_twice = 0;
  for (const std::string& id : run_ids) {
    ASSERT_OK_AND_ASSIGN(auto d, engine->GetRun(id, /*with_outputs=*/true));
    EXPECT_EQ(d.run.status, RunStatus::kCompleted) << id << ": " << d.run.error;
    EXPECT_EQ(d.steps.size(), executed_steps.size() + 1) << id;  // + the event "go"
    for (const std::string& step : executed_steps) {
      ASSERT_EQ(d.outputs.count(step), 1u) << id << " " << step;
      const std::string output = DecodeOutput(d.outputs.at(step));
      final_outputs[{id, step}] = output;
      const auto& list = executions[{id, step}];
      ASSERT_FALSE(list.empty()) << id << " " << step << " has a record but no execution";
      EXPECT_EQ(list.back().id(), output)
          << id << " " << step << ": the recorded output is not the last execution's";
      if (list.size() > 1) ++executed_twice;
    }
  }
  int checked = 0;
  for (const Snapshot& snap : snapshots) {
    for (const auto& [key, output] : snap.records) {
      EXPECT_EQ(final_outputs[key], output) << "a record changed after it was committed";
      for (const Execution& e : executions[key]) {
        EXPECT_LE(e.start_us, snap.after_us)
            << key.first << " " << key.second << " was recorded before a kill and executed again";
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
  std::printf(
      "code crash test: %zu kills, %d workers started, %lld runs parked when the events "
      "were sent, %d steps executed more than once, %d records checked against kill "
      "snapshots\n",
      snapshots.size(), spawned, static_cast<long long>(parked_at_send), executed_twice, checked);
}

INSTANTIATE_TEST_SUITE_P(Backends, CodeCrashTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
