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

#include "tests/integration/crash_support.h"
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
  WorkerPool pool(CrashWorkerArgs(store, dir.path(), kSteps), dir.path());
  for (int i = 0; i < kWorkers; ++i) pool.Spawn();
  auto completed = [&] { return engine->store().CountRunsByStatus(RunStatus::kCompleted).value(); };

  // Kill a random worker at random moments while runs are unfinished; start a new one each time.
  std::mt19937 rng(std::random_device{}());
  std::set<long> killed;
  std::vector<KillSnapshot> snapshots;
  int kills_mid_run = 0;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 300)(rng)));
    if (completed() >= kRuns) break;
    killed.insert(pool.KillOneAndReplace(rng));
    ++kills_mid_run;
    // Every record visible after the kill was committed before `after_us`.
    KillSnapshot snap;
    snap.records = RecordedOutputs(*engine, run_ids, [](const std::string&) { return true; });
    snap.after_us = NowMicros();
    snapshots.push_back(std::move(snap));
  }
  EXPECT_GE(kills_mid_run, 3) << "the runs finished before the workers could be killed";

  ASSERT_TRUE(WaitUntil([&] { return completed() == kRuns; }, 120s, 100ms))
      << completed() << " of " << kRuns << " runs completed";
  std::map<long, std::map<std::string, int64_t>> metrics;  // survivors' counters by pid
  for (long pid : pool.StopAll()) {
    metrics[pid] = ReadMetrics(dir.path() + "/metrics-" + std::to_string(pid) + ".txt");
  }

  // Executions by (run, step), in start order.
  const auto executions = ExecutionsByStep(dir.path());

  int duplicated_steps = 0;
  std::map<long, int> duplicates_by_live_pid;
  std::map<StepKey, std::string> final_outputs;
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
      auto found = executions.find({id, step});
      ASSERT_TRUE(found != executions.end())
          << id << " " << step << " has a record but no execution";
      const auto& list = found->second;
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
  const int checked = CheckNothingRecordedRanAgain(snapshots, final_outputs, executions);
  EXPECT_GT(checked, 0);
  // The kills hit steps in flight: those were executed again by the survivors.
  EXPECT_GT(duplicated_steps, 0);
  std::printf(
      "crash test: %d kills, %d workers started, %d steps executed more than once, %d "
      "records checked against kill snapshots\n",
      kills_mid_run, pool.spawned(), duplicated_steps, checked);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashRecoveryTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
