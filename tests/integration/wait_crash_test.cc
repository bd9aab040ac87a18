// Worker processes killed with SIGKILL while runs wait, on a shared SQLite file and on DynamoDB
// Local: runs parked on an event, parents parked on child runs that wait for that event too,
// and schedule ticks firing while one of the processes that fire them dies. Every run finishes
// on the workers that are left (or a new one), every event is consumed once, every parent has
// exactly one child, every tick is fired once, and no recorded step executes again.
#include <map>

#include "dynaflow/engine/cron.h"
#include "tests/integration/multiprocess_support.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::mptest {
namespace {

using namespace std::chrono_literals;

constexpr int kWaiters = 16;
constexpr int kParents = 8;

class WaitCrashTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<WorkerProcess> StartWorker(const SharedStore& store, const TempDir& dir,
                                             const std::string& name) {
    std::vector<std::string> a = store.worker_args;
    for (const char* x : {"--dir", "", "--steps", "2", "--threads", "4", "--poll-ms", "10",
                          "--lease-ms", "1000", "--schedule-poll-ms", "20"}) {
      a.push_back(*x ? x : dir.path());
    }
    return std::make_unique<WorkerProcess>(a, dir.path() + "/out-" + name + ".txt");
  }

  static bool Ready(const TempDir& dir, const WorkerProcess& w) {
    auto lines = ReadLines(dir.path() + "/report-" + std::to_string(w.pid()) + ".log");
    return !lines.empty();
  }

  static bool ParkedOn(engine::Engine& engine, const std::string& run_id, const std::string& what) {
    auto run = engine.store().GetRun(run_id);
    return run.ok() && run->status == RunStatus::kSleeping && run->waiting_for == what &&
           run->lease.owner.empty();
  }
};

TEST_P(WaitCrashTest, EventAndChildWaitsSurviveKilledWorkers) {
  TempDir dir("waitcrash");
  SharedStore store = OpenSharedStore(GetParam(), dir.path(), "waits");
  ASSERT_NE(store.table, nullptr);
  engine::EngineOptions eo;
  eo.table = store.table;
  auto engine = engine::Engine::Open(eo).value();

  auto a = StartWorker(store, dir, "a");
  auto b = StartWorker(store, dir, "b");
  ASSERT_TRUE(WaitUntil([&] { return Ready(dir, *a) && Ready(dir, *b); }, 30s));

  std::vector<std::string> waiters, parents;
  for (int i = 0; i < kWaiters; ++i) {
    auto s = engine->StartEncoded("waiter", 1, "\"w" + std::to_string(i) + "\"");
    ASSERT_OK(s);
    waiters.push_back(s->run_id);
  }
  for (int i = 0; i < kParents; ++i) {
    auto s = engine->StartEncoded("parent", 1, "\"p" + std::to_string(i) + "\"");
    ASSERT_OK(s);
    parents.push_back(s->run_id);
  }
  // Every parent parks on its child, which parks on the event like the other waiters.
  std::map<std::string, std::string> child_of;
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& p : parents) {
          if (child_of.count(p)) continue;
          auto children = engine->store().ListChildren(p);
          if (!children.ok() || children->size() != 1) return false;
          child_of[p] = children->front().run_id;
        }
        return true;
      },
      60s, 20ms));
  std::vector<std::string> all_waiters = waiters;
  for (const auto& [p, c] : child_of) all_waiters.push_back(c);
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& w : all_waiters) {
          if (!ParkedOn(*engine, w, store::EventWaitKey("go"))) return false;
        }
        for (const auto& [p, c] : child_of) {
          if (!ParkedOn(*engine, p, store::ChildWaitKey(c))) return false;
        }
        return true;
      },
      60s, 20ms));

  // Both workers die while everything waits; the events arrive while no worker runs.
  a->Kill();
  b->Kill();
  std::map<std::string, std::string> event_of;
  for (const auto& w : all_waiters) {
    auto sent = engine->SendEventEncoded(w, "go", "\"go-" + w + "\"");
    ASSERT_OK(sent);
    EXPECT_TRUE(sent->woke) << w;
    event_of[w] = sent->event_id;
  }
  auto c = StartWorker(store, dir, "c");
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto* ids : {&all_waiters, &parents}) {
          for (const auto& id : *ids) {
            auto run = engine->store().GetRun(id);
            if (!run.ok() || !IsTerminal(run->status)) return false;
          }
        }
        return true;
      },
      120s, 50ms));
  EXPECT_TRUE(c->StopGracefully());

  for (const auto& w : all_waiters) {
    ASSERT_OK_AND_ASSIGN(auto details, engine->store().LoadRun(w, false));
    EXPECT_EQ(details.run.status, RunStatus::kCompleted) << w << ": " << details.run.error;
    ASSERT_OK_AND_ASSIGN(auto events, engine->store().ListEvents(w, "go"));
    EXPECT_EQ(events.size(), 1u) << w;
    bool consumed = false;
    for (const auto& step : details.steps) {
      if (step.step_id == "go") consumed = step.event_id == event_of[w];
    }
    EXPECT_TRUE(consumed) << w << " did not consume its event";
  }
  for (const auto& p : parents) {
    ASSERT_OK_AND_ASSIGN(auto run, engine->store().GetRun(p));
    EXPECT_EQ(run.status, RunStatus::kCompleted) << p << ": " << run.error;
    ASSERT_OK_AND_ASSIGN(auto children, engine->store().ListChildren(p));
    EXPECT_EQ(children.size(), 1u) << p;
  }
  store::ListRunsRequest r;
  r.workflow_id = "waiter";
  r.limit = 1000;
  ASSERT_OK_AND_ASSIGN(auto page, engine->ListRunsByWorkflow(r));
  EXPECT_EQ(page.runs.size(), all_waiters.size());  // no second child of any parent
  // The workers died while nothing executed: every step ran exactly once.
  std::map<std::string, int> executions;
  for (const auto& e : ReadExecutions(dir.path())) ++executions[e.run_id + " " + e.step];
  EXPECT_EQ(executions.size(), all_waiters.size() * 2 + parents.size() * 2);
  for (const auto& [key, n] : executions) EXPECT_EQ(n, 1) << key;
}

TEST_P(WaitCrashTest, TicksFireOnceWhileTheirFiringWorkerIsKilled) {
  TempDir dir("tickcrash");
  SharedStore store = OpenSharedStore(GetParam(), dir.path(), "ticks");
  ASSERT_NE(store.table, nullptr);
  engine::EngineOptions eo;
  eo.table = store.table;
  auto engine = engine::Engine::Open(eo).value();
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (const char* n : {"a", "b", "c"}) workers.push_back(StartWorker(store, dir, n));
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (auto& w : workers) {
          if (!Ready(dir, *w)) return false;
        }
        return true;
      },
      30s));

  constexpr int kSchedules = 20;
  const TimePoint first_after = Clock::Real()->Now() - 10min;
  for (int i = 0; i < kSchedules; ++i) {
    engine::ScheduleOptions o;
    o.schedule_id = "tick-" + std::to_string(i);
    o.cron = "* * * * *";
    o.overlap = engine::OverlapPolicy::kAllow;
    o.catch_up_window = 15min;
    o.first_after = first_after;
    ASSERT_OK(engine->CreateScheduleEncoded("chain-2", 1, "\"tick\"", o));
  }
  auto fired_total = [&] { return FiredTotal(*engine, "tick-", kSchedules); };
  // The first worker dies once the firing is under way; the others carry on.
  ASSERT_TRUE(WaitUntil([&] { return fired_total() > 0; }, 60s, 1ms));
  workers[0]->Kill();
  ASSERT_TRUE(WaitUntil([&] { return fired_total() >= kSchedules * 10; }, 120s, 50ms));
  ASSERT_TRUE(PauseSchedulesAndAwaitTheirRuns(*engine, "tick-", kSchedules));
  for (size_t i = 1; i < workers.size(); ++i) EXPECT_TRUE(workers[i]->StopGracefully());

  auto cron = engine::CronExpr::Parse("* * * * *").value();
  for (int i = 0; i < kSchedules; ++i) {
    const std::string id = "tick-" + std::to_string(i);
    auto s = engine->GetSchedule(id).value();
    auto runs = engine->ListScheduleRuns(id, 1000).value();
    EXPECT_EQ(static_cast<int64_t>(runs.size()), s.fired) << id;
    TimePoint expected = cron.NextAfter(first_after, engine::TimeZone::Utc()).value();
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
      EXPECT_EQ(it->fire_at, expected) << id;  // consecutive ticks: no gap, no repeat
      ASSERT_OK_AND_ASSIGN(auto run, engine->store().GetRun(it->run_id));
      EXPECT_EQ(run.status, RunStatus::kCompleted) << it->run_id;
      expected = cron.NextAfter(expected, engine::TimeZone::Utc()).value();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, WaitCrashTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb), BackendName);

}  // namespace
}  // namespace dynaflow::mptest

DYNAFLOW_MULTIPROCESS_TEST_MAIN()
