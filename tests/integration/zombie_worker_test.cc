// Zombie test: a worker process is stopped with SIGSTOP in the middle of a
// step, past its lease; another worker process takes the run over and completes it; then the
// zombie is resumed with SIGCONT. Every write the zombie then attempts is rejected, its step's
// heartbeat reports kFenced, it counts the lost lease, and the run -- status, version, step
// records, outputs, result -- is exactly what the taker left. On a shared SQLite file and on a
// table on DynamoDB Local.
#include "tests/integration/multiprocess_support.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::mptest {
namespace {

using namespace std::chrono_literals;

bool Contains(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& l : lines) {
    if (l.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

class ZombieWorkerTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ZombieWorkerTest, ResumedZombieHasEveryWriteRejectedAndTheRunIsUnchanged) {
  TempDir dir("zombie_worker");
  SharedStore store = OpenSharedStore(GetParam(), dir.path(), "zombie");
  ASSERT_NE(store.table, nullptr);
  auto args = [&](std::vector<std::string> more) {
    std::vector<std::string> a = store.worker_args;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  engine::EngineOptions eo;
  eo.table = store.table;
  auto engine = engine::Engine::Open(eo).value();
  StepEnv unused_env;
  auto wf = ChainWorkflow(3, &unused_env).value();
  const std::string run_id = engine->Start(wf, std::string("zombie-input")).value().run_id;

  // The zombie: executes s01, then blocks inside s02 (until it is continued after a stop).
  WorkerProcess zombie(args({"--dir", dir.path(), "--steps", "3", "--threads", "1", "--lease-ms",
                             "600", "--poll-ms", "10", "--block-step", "s02"}),
                       dir.path() + "/zombie.out");
  const std::string zpid = std::to_string(zombie.pid());
  const std::string zreport = dir.path() + "/report-" + zpid + ".log";
  ASSERT_TRUE(WaitUntil([&] { return Contains(ReadLines(zreport), "blocked " + run_id); }, 30s))
      << "the zombie never reached step s02";
  auto held = engine->GetRun(run_id, false).value();
  ASSERT_EQ(held.run.status, RunStatus::kRunning);
  ASSERT_EQ(held.steps.size(), 1u);  // s01 recorded by the zombie
  const std::string zombie_owner = held.run.lease.owner;
  const int64_t zombie_epoch = held.run.lease.epoch;

  zombie.Signal(SIGSTOP);
  ASSERT_TRUE(WaitUntil([&] { return zombie.State() == 'T'; }, 5s)) << "not stopped";
  // Every write the zombie starts later than this, it starts after it was continued.
  const int64_t stopped_at = MonotonicMicros();
  auto writes_after_resume = [&] {
    std::vector<std::string> writes;
    for (const auto& l : ReadLines(zreport)) {
      if (l.rfind("write ", 0) != 0) continue;
      if (std::stoll(l.substr(l.rfind(' ') + 1)) > stopped_at) writes.push_back(l);
    }
    return writes;
  };

  // The taker claims the run once the zombie's lease expired, and completes it.
  WorkerProcess taker(args({"--dir", dir.path(), "--steps", "3", "--threads", "1", "--lease-ms",
                            "5000", "--poll-ms", "10"}),
                      dir.path() + "/taker.out");
  ASSERT_OK_AND_ASSIGN(auto done, engine->WaitForRun(run_id, 60s, 20ms));
  ASSERT_EQ(done.status, RunStatus::kCompleted) << done.error;
  ASSERT_TRUE(taker.StopGracefully());
  auto before = engine->GetRun(run_id, /*with_outputs=*/true).value();
  EXPECT_NE(before.run.lease.epoch, zombie_epoch);
  ASSERT_EQ(before.steps.size(), 3u);
  const std::string taker_pid = std::to_string(taker.pid());
  EXPECT_EQ(DecodeOutput(before.outputs.at("s01")).rfind(zpid + "/", 0), 0u)
      << "s01 was the zombie's";
  EXPECT_EQ(DecodeOutput(before.outputs.at("s02")).rfind(taker_pid + "/", 0), 0u)
      << "s02 was re-executed";
  EXPECT_EQ(DecodeOutput(before.outputs.at("s03")).rfind(taker_pid + "/", 0), 0u);
  auto result_before = engine->GetResultEncoded(run_id).value();

  // Resume the zombie: it finishes its step and tries to record it, its heartbeats run again.
  zombie.Signal(SIGCONT);
  ASSERT_TRUE(WaitUntil([&] { return Contains(ReadLines(zreport), "cancelled"); }, 30s))
      << "the zombie's step did not resume";
  // Leave it time for its record attempt and a few heartbeat ticks (lease 600 ms / 3).
  ASSERT_TRUE(WaitUntil([&] { return !writes_after_resume().empty(); }, 30s))
      << "the zombie attempted no write";
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(zombie.StopGracefully());

  // Every write after the resume was rejected; the step saw the fence.
  std::vector<std::string> report = ReadLines(zreport);
  const std::vector<std::string> writes = writes_after_resume();
  for (const auto& line : writes) {
    EXPECT_EQ(line.find(" OK"), std::string::npos) << "a zombie write succeeded: " << line;
  }
  EXPECT_GE(writes.size(), 1u);
  EXPECT_TRUE(Contains(report, "heartbeat Fenced")) << ::testing::PrintToString(report);
  EXPECT_TRUE(Contains(report, "cancelled 1")) << "ctx.cancelled() must turn true";
  auto zmetrics = ReadMetrics(dir.path() + "/metrics-" + zpid + ".txt");
  EXPECT_GE(zmetrics["leases_lost"], 1);
  EXPECT_EQ(zmetrics["steps_completed"], 1) << "only s01 was recorded by the zombie";
  EXPECT_EQ(zmetrics["runs_completed"], 0);
  // The zombie did execute s02 (twice overall: it, then the taker).
  int s02_runs = 0;
  for (const Execution& e : ReadExecutions(dir.path())) s02_runs += e.step == "s02";
  EXPECT_EQ(s02_runs, 2);

  // The run is exactly as the taker left it.
  auto after = engine->GetRun(run_id, /*with_outputs=*/true).value();
  EXPECT_EQ(after.run.status, RunStatus::kCompleted);
  EXPECT_EQ(after.run.version, before.run.version);
  EXPECT_EQ(after.run.lease.epoch, before.run.lease.epoch);
  EXPECT_EQ(after.run.lease.owner, before.run.lease.owner);
  EXPECT_NE(after.run.lease.owner, zombie_owner);
  EXPECT_EQ(after.outputs, before.outputs);
  ASSERT_EQ(after.steps.size(), before.steps.size());
  for (size_t i = 0; i < after.steps.size(); ++i) {
    EXPECT_EQ(after.steps[i].step_id, before.steps[i].step_id);
    EXPECT_EQ(after.steps[i].status, before.steps[i].status);
    EXPECT_EQ(after.steps[i].fence_epoch, before.steps[i].fence_epoch);
    EXPECT_EQ(after.steps[i].finished_at, before.steps[i].finished_at);
  }
  EXPECT_EQ(engine->GetResultEncoded(run_id).value(), result_before);
}

INSTANTIATE_TEST_SUITE_P(Backends, ZombieWorkerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
