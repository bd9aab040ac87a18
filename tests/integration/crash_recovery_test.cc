// Crash test: worker processes are killed with SIGKILL at random points
// while 100 runs of a 10-step workflow execute on one shared store (a SQLite file; a table on
// DynamoDB Local); new worker processes started after the kills finish every run. Checked from the
// store and from the per-process execution logs (see multiprocess_support.h):
//   - every run COMPLETED with exactly 10 step records, each output recorded once and naming
//     an execution that really happened;
//   - no recorded step ran again: every step record seen in the store right after a kill has
//     no execution starting after that moment, and for every step the recorded execution is
//     the last one that started (an earlier one was never recorded: its process was killed, or
//     lost its lease, before it could record);
//   - the kills did interrupt work: some steps were executed more than once.
#include <algorithm>
#include <random>

#include "tests/integration/multiprocess_support.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::mptest {
namespace {

using namespace std::chrono_literals;

constexpr int kRuns = 100;
constexpr int kSteps = 10;
constexpr int kWorkers = 3;

class CrashRecoveryTest : public ::testing::TestWithParam<Backend> {};

TEST_P(CrashRecoveryTest, KilledWorkersNeverReExecuteRecordedStepsAndSurvivorsFinishEveryRun) {
  // Each kill is followed by a read of every run's records: fewer kills on the slower emulator.
  const int kKills = GetParam() == Backend::kSqlite ? 8 : 5;
  TempDir dir("crash_recovery");
  SharedStore store = OpenSharedStore(GetParam(), dir.path(), "crash");
  ASSERT_NE(store.table, nullptr);
  std::vector<std::string> worker_args = store.worker_args;
  const std::vector<std::string> common = {
      "--dir",         dir.path(), "--steps",       std::to_string(kSteps),
      "--threads",     "4",        "--lease-ms",    "1000",
      "--poll-ms",     "10",       "--step-ms-min", "10",
      "--step-ms-max", "30"};
  worker_args.insert(worker_args.end(), common.begin(), common.end());
  engine::EngineOptions eo;
  eo.table = store.table;
  auto engine = engine::Engine::Open(eo).value();
  StepEnv unused_env;  // the test process only starts and reads runs
  auto wf = ChainWorkflow(kSteps, &unused_env).value();
  std::vector<std::string> run_ids;
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_OK_AND_ASSIGN(auto started,
                         engine->Start(wf, std::string("input-") + std::to_string(i)));
    run_ids.push_back(started.run_id);
  }

  std::vector<std::unique_ptr<WorkerProcess>> workers;
  int spawned = 0;
  auto spawn = [&] {
    workers.push_back(std::make_unique<WorkerProcess>(
        worker_args, dir.path() + "/worker-" + std::to_string(spawned++) + ".out"));
  };
  for (int i = 0; i < kWorkers; ++i) spawn();

  // The step records in the store right now: (run, step) -> recorded output.
  auto recorded_now = [&] {
    std::map<std::pair<std::string, std::string>, std::string> out;
    std::mutex mu;
    ParallelFor(run_ids.size(), 4, [&](size_t i) {
      auto d = engine->GetRun(run_ids[i], /*with_outputs=*/true);
      if (!d.ok()) return;
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [step, output] : d->outputs) {
        out[{run_ids[i], step}] = DecodeOutput(output);
      }
    });
    return out;
  };
  auto completed = [&] { return engine->store().CountRunsByStatus(RunStatus::kCompleted).value(); };

  // Kill a random worker at random moments while runs are unfinished; start a new one each time.
  std::mt19937 rng(std::random_device{}());
  std::set<long> killed;
  struct Snapshot {
    int64_t after_us;
    std::map<std::pair<std::string, std::string>, std::string> records;
  };
  std::vector<Snapshot> snapshots;
  int kills_mid_run = 0;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 300)(rng)));
    if (completed() >= kRuns) break;
    std::vector<WorkerProcess*> live;
    for (auto& w : workers) {
      if (w->alive()) live.push_back(w.get());
    }
    WorkerProcess* victim = live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng)];
    victim->Kill();
    killed.insert(static_cast<long>(victim->pid()));
    ++kills_mid_run;
    // Every record visible after the kill was committed before `after_us`.
    Snapshot snap;
    snap.records = recorded_now();
    snap.after_us = NowMicros();
    snapshots.push_back(std::move(snap));
    spawn();
  }
  EXPECT_GE(kills_mid_run, 3) << "the runs finished before the workers could be killed";

  ASSERT_TRUE(WaitUntil([&] { return completed() == kRuns; }, 120s, 100ms))
      << completed() << " of " << kRuns << " runs completed";
  std::map<long, std::map<std::string, int64_t>> metrics;  // survivors' counters by pid
  for (auto& w : workers) {
    if (!w->alive()) continue;
    EXPECT_TRUE(w->StopGracefully()) << "worker " << w->pid();
    metrics[static_cast<long>(w->pid())] =
        ReadMetrics(dir.path() + "/metrics-" + std::to_string(w->pid()) + ".txt");
  }

  // Executions by (run, step), in start order.
  std::map<std::pair<std::string, std::string>, std::vector<Execution>> executions;
  for (const Execution& e : ReadExecutions(dir.path())) executions[{e.run_id, e.step}].push_back(e);
  for (auto& [key, list] : executions) {
    std::sort(list.begin(), list.end(),
              [](const Execution& a, const Execution& b) { return a.start_us < b.start_us; });
  }

  int duplicated_steps = 0;
  std::map<long, int> duplicates_by_live_pid;
  std::map<std::pair<std::string, std::string>, std::string> final_outputs;
  for (const std::string& id : run_ids) {
    ASSERT_OK_AND_ASSIGN(auto d, engine->GetRun(id, /*with_outputs=*/true));
    EXPECT_EQ(d.run.status, RunStatus::kCompleted) << id << ": " << d.run.error;
    ASSERT_EQ(d.steps.size(), static_cast<size_t>(kSteps)) << id;
    for (int i = 1; i <= kSteps; ++i) {
      const std::string step = StepName(i);
      const StepExecution& rec = d.steps[static_cast<size_t>(i - 1)];
      EXPECT_EQ(rec.step_id, step);
      EXPECT_EQ(rec.status, StepStatus::kCompleted) << id << " " << step;
      ASSERT_EQ(d.outputs.count(step), 1u) << id << " " << step;
      const std::string output = DecodeOutput(d.outputs.at(step));
      final_outputs[{id, step}] = output;
      const auto& list = executions[{id, step}];
      ASSERT_FALSE(list.empty()) << id << " " << step << " has a record but no execution";
      // The recorded output names the execution that produced it, and it is the last one.
      auto it = std::find_if(list.begin(), list.end(),
                             [&](const Execution& e) { return e.id() == output; });
      ASSERT_NE(it, list.end()) << id << " " << step << ": output " << output
                                << " matches no execution";
      EXPECT_EQ(&*it, &list.back()) << id << " " << step << ": execution " << list.back().id()
                                    << " started after the recorded execution " << output;
      if (list.size() > 1) {
        ++duplicated_steps;
        for (size_t j = 0; j + 1 < list.size(); ++j) {
          if (!killed.count(list[j].pid)) ++duplicates_by_live_pid[list[j].pid];
        }
      }
    }
  }
  // A step re-executed because a process that was NOT killed lost its lease (it was too slow
  // to heartbeat) is legitimate only when that process says it lost a lease.
  for (const auto& [pid, n] : duplicates_by_live_pid) {
    ASSERT_TRUE(metrics.count(pid)) << "pid " << pid;
    EXPECT_GT(metrics[pid]["leases_lost"], 0)
        << "pid " << pid << " was never killed and lost no lease, yet " << n
        << " of its step executions were superseded";
  }
  // Records committed before a kill never ran again after it.
  int checked = 0;
  for (const Snapshot& snap : snapshots) {
    for (const auto& [key, output] : snap.records) {
      EXPECT_EQ(final_outputs[key], output) << "a record changed after it was committed";
      for (const Execution& e : executions[key]) {
        EXPECT_LE(e.start_us, snap.after_us)
            << key.first << " " << key.second << " was recorded (" << output
            << ") before a kill and executed again afterwards by " << e.id();
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
  // The kills hit steps in flight: those were executed again by the survivors.
  EXPECT_GT(duplicated_steps, 0);
  std::printf(
      "crash test: %d kills, %d workers started, %d steps executed more than once, %d "
      "records checked against kill snapshots\n",
      kills_mid_run, spawned, duplicated_steps, checked);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashRecoveryTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
