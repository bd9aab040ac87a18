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

#include "tests/integration/crash_support.h"
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
  WorkerPool pool(CrashWorkerArgs(store, dir.path(), kLoop), dir.path());
  for (int i = 0; i < kWorkers; ++i) pool.Spawn();

  const std::vector<std::string> executed_steps = ExecutedSteps();
  auto executed = [&](const std::string& step) {
    return std::find(executed_steps.begin(), executed_steps.end(), step) != executed_steps.end();
  };
  auto completed = [&] { return engine->store().CountRunsByStatus(RunStatus::kCompleted).value(); };
  auto send_events = [&] {
    for (const std::string& id : run_ids) {
      EXPECT_OK(engine->SendEvent(id, "go", std::string("now")));
    }
  };

  std::mt19937 rng(std::random_device{}());
  std::vector<KillSnapshot> snapshots;
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
    pool.KillOneAndReplace(rng);
    KillSnapshot snap;
    snap.records = RecordedOutputs(*engine, run_ids, executed);
    snap.after_us = NowMicros();
    snapshots.push_back(std::move(snap));
  }
  if (!sent) send_events();
  ASSERT_TRUE(WaitUntil([&] { return completed() == kRuns; }, 180s, 100ms))
      << completed() << " of " << kRuns << " runs completed";
  pool.StopAll();

  const auto executions = ExecutionsByStep(dir.path());
  std::map<StepKey, std::string> final_outputs;
  int executed_twice = 0;
  for (const std::string& id : run_ids) {
    ASSERT_OK_AND_ASSIGN(auto d, engine->GetRun(id, /*with_outputs=*/true));
    EXPECT_EQ(d.run.status, RunStatus::kCompleted) << id << ": " << d.run.error;
    EXPECT_EQ(d.steps.size(), executed_steps.size() + 1) << id;  // + the event "go"
    for (const std::string& step : executed_steps) {
      ASSERT_EQ(d.outputs.count(step), 1u) << id << " " << step;
      const std::string output = DecodeOutput(d.outputs.at(step));
      final_outputs[{id, step}] = output;
      auto list = executions.find({id, step});
      ASSERT_TRUE(list != executions.end()) << id << " " << step << " has no execution";
      EXPECT_EQ(list->second.back().id(), output)
          << id << " " << step << ": the recorded output is not the last execution's";
      if (list->second.size() > 1) ++executed_twice;
    }
  }
  const int checked = CheckNothingRecordedRanAgain(snapshots, final_outputs, executions);
  EXPECT_GT(checked, 0);
  std::printf(
      "code crash test: %zu kills, %d workers started, %lld runs parked when the events "
      "were sent, %d steps executed more than once, %d records checked against kill "
      "snapshots\n",
      snapshots.size(), pool.spawned(), static_cast<long long>(parked_at_send), executed_twice,
      checked);
}

INSTANTIATE_TEST_SUITE_P(Backends, CodeCrashTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
