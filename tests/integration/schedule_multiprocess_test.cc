// Schedules fired by 3 competing worker processes, on a shared SQLite file and on DynamoDB
// Local: 40 schedules each owe their last 10 minutes of ticks (every minute, catch-up window
// 15 min) when the workers, already running and polling schedules every 20 ms, see them. The
// test checks that every tick was fired exactly once: each schedule's runs are consecutive
// cron ticks without a gap or a repeat, its `fired` counter equals its runs, nothing was
// skipped, the table holds exactly that many runs of the workflow, and all of them completed.
#include <map>

#include "dynaflow/engine/cron.h"
#include "tests/integration/multiprocess_support.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::mptest {
namespace {

using namespace std::chrono_literals;

constexpr int kSchedules = 40;
constexpr int kWorkers = 3;

class ScheduleMultiprocessTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ScheduleMultiprocessTest, EveryTickFiresExactlyOnceAcrossThreeWorkerProcesses) {
  TempDir dir("schedules");
  SharedStore store = OpenSharedStore(GetParam(), dir.path(), "schedules");
  ASSERT_NE(store.table, nullptr);
  engine::EngineOptions eo;
  eo.table = store.table;
  auto engine = engine::Engine::Open(eo).value();

  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    std::vector<std::string> a = store.worker_args;
    for (const char* x : {"--dir", "", "--steps", "2", "--threads", "4", "--poll-ms", "10",
                          "--schedule-poll-ms", "20"}) {
      a.push_back(*x ? x : dir.path());
    }
    workers.push_back(
        std::make_unique<WorkerProcess>(a, dir.path() + "/out-" + std::to_string(i) + ".txt"));
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (auto& w : workers) {
          auto lines = ReadLines(dir.path() + "/report-" + std::to_string(w->pid()) + ".log");
          if (lines.empty()) return false;
        }
        return true;
      },
      30s));

  const TimePoint first_after = Clock::Real()->Now() - 10min;
  for (int i = 0; i < kSchedules; ++i) {
    engine::ScheduleOptions o;
    o.schedule_id = "every-minute-" + std::to_string(i);
    o.cron = "* * * * *";
    o.overlap = engine::OverlapPolicy::kAllow;
    o.catch_up_window = 15min;
    o.first_after = first_after;
    auto s = engine->CreateScheduleEncoded("chain-2", 1, "\"tick\"", o);
    ASSERT_OK(s);
  }
  // Wait until every schedule fired its 10 owed ticks (and the runs finished).
  auto fired_total = [&] { return FiredTotal(*engine, "every-minute-", kSchedules); };
  ASSERT_TRUE(WaitUntil([&] { return fired_total() >= kSchedules * 10; }, 120s, 100ms))
      << fired_total();
  ASSERT_TRUE(PauseSchedulesAndAwaitTheirRuns(*engine, "every-minute-", kSchedules));
  for (auto& w : workers) EXPECT_TRUE(w->StopGracefully());

  auto cron = engine::CronExpr::Parse("* * * * *").value();
  int64_t runs_total = 0;
  for (int i = 0; i < kSchedules; ++i) {
    const std::string id = "every-minute-" + std::to_string(i);
    auto s = engine->GetSchedule(id).value();
    auto runs = engine->ListScheduleRuns(id, 1000).value();
    EXPECT_EQ(static_cast<int64_t>(runs.size()), s.fired) << id;
    EXPECT_GE(s.fired, 10) << id;
    EXPECT_EQ(s.skipped, 0) << id;
    EXPECT_TRUE(s.paused) << id;
    // Oldest first: consecutive ticks from the first after first_after, each once.
    TimePoint expected = cron.NextAfter(first_after, engine::TimeZone::Utc()).value();
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
      EXPECT_EQ(it->fire_at, expected) << id;
      EXPECT_EQ(it->run_id, store::ScheduleStore::RunIdOf(id, expected));
      ASSERT_OK_AND_ASSIGN(auto run, engine->store().GetRun(it->run_id));
      EXPECT_EQ(run.status, RunStatus::kCompleted) << it->run_id;
      expected = cron.NextAfter(expected, engine::TimeZone::Utc()).value();
    }
    EXPECT_EQ(s.next_fire_at, expected) << id;
    runs_total += static_cast<int64_t>(runs.size());
  }
  // No run of the workflow exists besides the listed ones.
  int64_t in_table = 0;
  store::ListRunsRequest r;
  r.workflow_id = "chain-2";
  r.limit = 1000;
  for (;;) {
    auto page = engine->ListRunsByWorkflow(r).value();
    in_table += static_cast<int64_t>(page.runs.size());
    if (page.next_cursor.empty()) break;
    r.cursor = page.next_cursor;
  }
  EXPECT_EQ(in_table, runs_total);
  // Each step executed once per run (the exec logs of all processes).
  std::map<std::string, int> executions;
  for (const auto& e : ReadExecutions(dir.path())) ++executions[e.run_id + " " + e.step];
  EXPECT_EQ(static_cast<int64_t>(executions.size()), runs_total * 2);
  for (const auto& [key, n] : executions) EXPECT_EQ(n, 1) << key;
}

INSTANTIATE_TEST_SUITE_P(Backends, ScheduleMultiprocessTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
