// Schedules (Engine::CreateSchedule & co., dynaflow/engine/schedule.h) on the memory, SQLite and
// DynamoDB Local backends. A FakeClock drives the ticks through Engine::FireDueSchedules (what
// workers call every schedule_poll_interval): each tick fires once, also with three engines
// (three table connections) firing concurrently; overlap skip / allow / buffer one; pause and
// resume; the catch-up window after downtime; errors. One test lets a real worker fire a tick
// and run it.
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/unit/engine_test_fixture.h"

namespace dynaflow::engine::test {
namespace {

class EngineSchedulesTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    engine_ = OpenEngine(&clock_);
    ASSERT_NE(engine_, nullptr);
    ASSERT_OK(engine_->Register(wf_));
  }

  ScheduleOptions Every(std::string cron, OverlapPolicy overlap = OverlapPolicy::kSkip) {
    ScheduleOptions o;
    o.schedule_id = "nightly";
    o.cron = std::move(cron);
    o.overlap = overlap;
    return o;
  }

  int Fire(Engine* engine = nullptr) {
    auto n = (engine ? engine : engine_.get())->FireDueSchedules();
    EXPECT_OK(n);
    return n.ok() ? *n : -1;
  }

  void At(const char* hhmmss) {
    int h, m, s;
    ASSERT_EQ(std::sscanf(hhmmss, "%d:%d:%d", &h, &m, &s), 3);
    clock_.SetNow(FromUnixMillis(kMidnight + ((h * 60 + m) * 60 + s) * 1000LL));
  }

  static std::string RunAt(const char* hhmm) {
    int h, m;
    std::sscanf(hhmm, "%d:%d", &h, &m);
    return store::ScheduleStore::RunIdOf("nightly",
                                         FromUnixMillis(kMidnight + (h * 60 + m) * 60000LL));
  }

  std::vector<std::string> Runs() {
    auto runs = engine_->ListScheduleRuns("nightly");
    EXPECT_OK(runs);
    std::vector<std::string> ids;
    if (runs.ok()) {
      for (auto it = runs->rbegin(); it != runs->rend(); ++it) ids.push_back(it->run_id);
    }
    return ids;
  }

  // Ends a run as a worker would (claim + finish).
  void Finish(const std::string& run_id) {
    ASSERT_OK_AND_ASSIGN(auto held, engine_->store().ClaimRun(run_id, "tester", 30s));
    store::RunFinish f;
    f.result = "\"done\"";
    auto done = engine_->store().FinishRun({run_id, "tester", held.lease.epoch}, f);
    ASSERT_OK(done);
  }

  Schedule Get() { return engine_->GetSchedule("nightly").value(); }

  static constexpr int64_t kMidnight = 1893456000000;  // 2030-01-01T00:00:00Z (a Tuesday)
  FakeClock clock_{FromUnixMillis(kMidnight)};
  Workflow wf_ = WorkflowBuilder("report", 1)
                     .Step<std::string, std::string>(
                         "render", [](StepContext&, const std::string& s) { return "r:" + s; })
                     .Build()
                     .value();
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineSchedulesTest, EachTickFiresOnceAsAPendingRunOfTheSchedule) {
  ASSERT_OK_AND_ASSIGN(auto created,
                       engine_->CreateSchedule(wf_, std::string("sales"),
                                               Every("*/5 * * * *", OverlapPolicy::kAllow)));
  EXPECT_EQ(created.next_fire_at, FromUnixMillis(kMidnight + 5 * 60000));
  EXPECT_EQ(created.version, 1);
  At("00:04:59");
  EXPECT_EQ(Fire(), 0);
  At("00:05:00");
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Fire(), 0);  // the same tick never again
  At("00:09:00");
  EXPECT_EQ(Fire(), 0);
  At("00:10:01");
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Runs(), (std::vector<std::string>{RunAt("00:05"), RunAt("00:10")}));
  EXPECT_EQ(RunAt("00:05"), "nightly@1893456300000");
  auto run = engine_->store().GetRun(RunAt("00:10")).value();
  EXPECT_EQ(run.status, RunStatus::kPending);
  EXPECT_EQ(run.workflow_id, "report");
  EXPECT_EQ(run.tags.at("dynaflow.schedule"), "nightly");
  EXPECT_EQ(run.due_at, FromUnixMillis(kMidnight + 10 * 60000));
  EXPECT_EQ(engine_->GetRun(run.run_id).value().input, "\"sales\"");
  Schedule s = Get();
  EXPECT_EQ(s.fired, 2);
  EXPECT_EQ(s.skipped, 0);
  EXPECT_EQ(s.last_run_id, RunAt("00:10"));
  EXPECT_EQ(s.next_fire_at, FromUnixMillis(kMidnight + 15 * 60000));
  ASSERT_OK_AND_ASSIGN(auto page, engine_->ListSchedules());
  ASSERT_EQ(page.schedules.size(), 1u);
  EXPECT_EQ(page.schedules[0].cron, "*/5 * * * *");
  EXPECT_EQ(page.schedules[0].input, "\"sales\"");
}

TEST_P(EngineSchedulesTest, ThreeEnginesFiringConcurrentlyFireEachTickOnce) {
  ASSERT_OK(
      engine_->CreateSchedule(wf_, std::string("x"), Every("* * * * *", OverlapPolicy::kAllow)));
  std::vector<std::unique_ptr<Engine>> engines;
  for (int i = 0; i < 3; ++i) {
    // Memory tables are separate objects: share the one table there.
    engines.push_back(
        OpenEngine(&clock_, nullptr, GetParam() == Backend::kMemory ? table_ : NewTable()));
  }
  int total = 0;
  for (int tick = 1; tick <= 8; ++tick) {
    clock_.Advance(60s);
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (auto& e : engines) {
      threads.emplace_back([&, e = e.get()] {
        for (int k = 0; k < 3; ++k) {
          auto n = e->FireDueSchedules();
          EXPECT_OK(n);
          if (n.ok()) started += *n;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(started.load(), 1) << "tick " << tick;
    total += started.load();
  }
  EXPECT_EQ(total, 8);
  EXPECT_EQ(Runs().size(), 8u);
  EXPECT_EQ(Get().fired, 8);
}

TEST_P(EngineSchedulesTest, OverlapSkipDropsTicksWhileTheLastRunIsNotFinished) {
  ASSERT_OK(engine_->CreateSchedule(wf_, std::string("x"), Every("* * * * *")));
  At("00:01:00");
  EXPECT_EQ(Fire(), 1);
  At("00:02:00");
  EXPECT_EQ(Fire(), 0);  // 00:01's run is PENDING: skipped
  EXPECT_EQ(Get().skipped, 1);
  Finish(RunAt("00:01"));
  At("00:03:00");
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Runs(), (std::vector<std::string>{RunAt("00:01"), RunAt("00:03")}));
}

TEST_P(EngineSchedulesTest, OverlapAllowFiresWhileTheLastRunIsNotFinished) {
  ASSERT_OK(
      engine_->CreateSchedule(wf_, std::string("x"), Every("* * * * *", OverlapPolicy::kAllow)));
  At("00:01:00");
  EXPECT_EQ(Fire(), 1);
  At("00:02:00");
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Runs(), (std::vector<std::string>{RunAt("00:01"), RunAt("00:02")}));
}

TEST_P(EngineSchedulesTest, OverlapBufferOneHoldsOneTickUntilTheLastRunFinishes) {
  ASSERT_OK(engine_->CreateSchedule(wf_, std::string("x"),
                                    Every("* * * * *", OverlapPolicy::kBufferOne)));
  At("00:01:00");
  EXPECT_EQ(Fire(), 1);
  At("00:02:00");
  EXPECT_EQ(Fire(), 0);  // held
  EXPECT_EQ(Get().buffered, FromUnixMillis(kMidnight + 2 * 60000));
  At("00:03:00");
  EXPECT_EQ(Fire(), 0);  // a second tick while one is held: dropped
  EXPECT_EQ(Get().skipped, 1);
  At("00:03:20");
  EXPECT_EQ(Fire(), 0);  // still held, nothing due
  Finish(RunAt("00:01"));
  EXPECT_EQ(Fire(), 1);  // the held tick fires at once
  Schedule s = Get();
  EXPECT_FALSE(s.buffered.has_value());
  EXPECT_EQ(s.last_run_id, RunAt("00:02"));
  EXPECT_EQ(Runs(), (std::vector<std::string>{RunAt("00:01"), RunAt("00:02")}));
  At("00:04:00");
  EXPECT_EQ(Fire(), 0);  // 00:02's run is not finished: held again
  EXPECT_EQ(Get().buffered, FromUnixMillis(kMidnight + 4 * 60000));
}

TEST_P(EngineSchedulesTest, PausedSchedulesFireNothingAndResumeAfterNow) {
  ASSERT_OK(
      engine_->CreateSchedule(wf_, std::string("x"), Every("* * * * *", OverlapPolicy::kAllow)));
  auto paused = engine_->PauseSchedule("nightly");
  ASSERT_OK(paused);
  EXPECT_TRUE(paused->paused);
  At("00:10:30");
  EXPECT_EQ(Fire(), 0);
  EXPECT_TRUE(Get().paused);
  EXPECT_EQ(engine_->ListSchedules().value().schedules.size(), 1u);  // listed while paused
  ASSERT_OK_AND_ASSIGN(auto resumed, engine_->ResumeSchedule("nightly"));
  EXPECT_FALSE(resumed.paused);
  EXPECT_EQ(resumed.next_fire_at, FromUnixMillis(kMidnight + 11 * 60000));
  EXPECT_EQ(Fire(), 0);  // the pause's ticks are not caught up
  At("00:11:00");
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Runs(), (std::vector<std::string>{RunAt("00:11")}));
}

TEST_P(EngineSchedulesTest, AfterDowntimeOnlyTicksInsideTheCatchUpWindowFireEachOnce) {
  ScheduleOptions o = Every("* * * * *", OverlapPolicy::kAllow);
  o.catch_up_window = 5min;
  ASSERT_OK(engine_->CreateSchedule(wf_, std::string("x"), o));
  At("01:00:30");  // no worker for an hour
  EXPECT_EQ(Fire(), 5);
  EXPECT_EQ(Fire(), 0);
  EXPECT_EQ(Runs(), (std::vector<std::string>{RunAt("00:56"), RunAt("00:57"), RunAt("00:58"),
                                              RunAt("00:59"), RunAt("01:00")}));
  Schedule s = Get();
  EXPECT_EQ(s.skipped, 55);  // 00:01 .. 00:55
  EXPECT_EQ(s.fired, 5);
  EXPECT_EQ(s.next_fire_at, FromUnixMillis(kMidnight + 61 * 60000));
}

TEST_P(EngineSchedulesTest, ZonesAndErrors) {
  ScheduleOptions o = Every("30 2 * * *");
  o.time_zone = "Europe/Berlin";
  ASSERT_OK_AND_ASSIGN(auto s, engine_->CreateSchedule(wf_, std::string("x"), o));
  EXPECT_EQ(s.next_fire_at, FromUnixMillis(kMidnight + 90 * 60000));  // 02:30 CET = 01:30 UTC
  EXPECT_EQ(s.time_zone, "Europe/Berlin");
  EXPECT_TRUE(
      engine_->CreateSchedule(wf_, std::string("x"), o).error().Is(StatusCode::kAlreadyExists));
  o.schedule_id = "other";
  o.time_zone = "Mars/Base";
  auto bad_zone = engine_->CreateSchedule(wf_, std::string("x"), o);
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_NE(bad_zone.error().message().find("Mars/Base"), std::string::npos);
  o.time_zone = "";
  o.cron = "61 * * * *";
  EXPECT_TRUE(
      engine_->CreateSchedule(wf_, std::string("x"), o).error().Is(StatusCode::kInvalidArgument));
  o.cron = "* * * * *";
  o.schedule_id = "a#b";
  EXPECT_TRUE(
      engine_->CreateSchedule(wf_, std::string("x"), o).error().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(engine_->CreateSchedule(wf_, 42, o).error().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(engine_->GetSchedule("nope").error().Is(StatusCode::kNotFound));
  EXPECT_TRUE(engine_->PauseSchedule("nope").error().Is(StatusCode::kNotFound));
  ASSERT_OK(engine_->DeleteSchedule("nightly"));
  EXPECT_TRUE(engine_->DeleteSchedule("nightly").Is(StatusCode::kNotFound));
  EXPECT_TRUE(engine_->GetSchedule("nightly").error().Is(StatusCode::kNotFound));
}

TEST_P(EngineSchedulesTest, AWorkerFiresADueTickAndRunsIt) {
  auto engine = OpenEngine();  // real clock
  ASSERT_OK(engine->Register(wf_));
  ScheduleOptions o = Every("* * * * *");
  o.schedule_id = "live";
  o.catch_up_window = 5min;
  o.first_after = Clock::Real()->Now() - 70s;  // the first tick is already due
  ASSERT_OK(engine->CreateSchedule(wf_, std::string("live"), o));
  WorkerOptions wo = FastWorker();
  wo.schedule_poll_interval = 20ms;
  auto worker = StartWorker(*engine, wo);
  std::string run_id;
  ASSERT_TRUE(Eventually([&] {
    auto runs = engine->ListScheduleRuns("live");
    if (!runs.ok() || runs->empty()) return false;
    run_id = runs->back().run_id;  // the oldest tick
    return true;
  }));
  auto done = Wait(*engine, run_id);
  EXPECT_EQ(done.status, RunStatus::kCompleted) << done.error;
  EXPECT_EQ(engine->GetResult<std::string>(run_id).value(), "r:live");
}

DYNAFLOW_ENGINE_BACKENDS(EngineSchedulesTest);

}  // namespace
}  // namespace dynaflow::engine::test
