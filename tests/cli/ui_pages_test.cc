// The dashboard API behind the schedules page, the search by business key and tag, counts in a
// time range, what a sleeping or retried run shows, and the runs-by-status gauge of /metrics:
// the real `dynaflow ui` over HTTP, on SQLite (label unit) and DynamoDB Local (integration).
#include <rapidjson/document.h>

#include <string>

#include "tests/cli/ui_fixture.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

rapidjson::Document Body(const httplib::Result& r) {
  rapidjson::Document doc;
  if (!r) {
    ADD_FAILURE() << "HTTP request failed";
    doc.SetObject();
    return doc;
  }
  doc.Parse(r->body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << r->body;
  if (doc.HasParseError()) doc.SetObject();
  return doc;
}

// The value of the sample `name` in Prometheus text; -1 when absent.
int64_t Sample(const std::string& text, const std::string& name) {
  const size_t at = ("\n" + text).find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size() + 1));
}

const httplib::Headers kCsrf = {{"X-Dynaflow-CSRF", "1"}};

TEST_P(UiTest, SchedulesAreListedPausedAndResumed) {
  engine::ScheduleOptions o;
  o.schedule_id = "nightly";
  o.cron = "0 2 * * *";
  ASSERT_OK(engine_->CreateSchedule(order_, 5, o));
  StartUi();
  auto list = Body(Get("/api/schedules"));
  ASSERT_EQ(list["schedules"].Size(), 1u);
  EXPECT_STREQ(list["schedules"][0]["schedule_id"].GetString(), "nightly");
  EXPECT_FALSE(list["schedules"][0]["paused"].GetBool());
  EXPECT_EQ(Post("/api/schedules/nightly/pause")->status, 403);  // no CSRF header
  auto paused = Post("/api/schedules/nightly/pause", kCsrf);
  ASSERT_EQ(paused->status, 200) << paused->body;
  EXPECT_TRUE(Body(paused)["paused"].GetBool());
  EXPECT_TRUE(engine_->GetSchedule("nightly")->paused);
  EXPECT_FALSE(Body(Post("/api/schedules/nightly/resume", kCsrf))["paused"].GetBool());
  EXPECT_EQ(Post("/api/schedules/nope/pause", kCsrf)->status, 404);
  EXPECT_EQ(Get("/api/schedules/nightly/pause")->status, 405);
  EXPECT_EQ(Get("/api/schedules?limit=5")->status, 400);
}

TEST_P(UiTest, ReadOnlyRefusesSchedulePauses) {
  engine::ScheduleOptions o;
  o.schedule_id = "nightly";
  o.cron = "0 2 * * *";
  ASSERT_OK(engine_->CreateSchedule(order_, 5, o));
  StartUi({"--read-only"});
  EXPECT_EQ(Post("/api/schedules/nightly/pause", kCsrf)->status, 403);
  EXPECT_FALSE(engine_->GetSchedule("nightly")->paused);
}

TEST_P(UiTest, SearchesByBusinessKeyAndTagAndCountsInATimeRange) {
  const auto started = StartOrders(1, 4);  // tags batch=odd|even, keys order-<id>
  StartUi();
  auto by_key = Body(Get("/api/runs?workflow=order&business_key=order-3"));
  ASSERT_EQ(by_key["runs"].Size(), 1u);
  EXPECT_STREQ(by_key["runs"][0]["run_id"].GetString(), started[2].c_str());
  EXPECT_EQ(Body(Get("/api/runs?workflow=order&business_key=nobody"))["runs"].Size(), 0u);
  EXPECT_EQ(Get("/api/runs?business_key=order-3")->status, 400);  // needs the workflow
  auto even = Body(Get("/api/runs?workflow=order&tag=batch%3Deven"));
  EXPECT_EQ(even["runs"].Size(), 2u);
  EXPECT_EQ(Body(Get("/api/counts?since=1h"))["total"].GetInt64(), 4);
  EXPECT_EQ(Body(Get("/api/counts?until=1h"))["total"].GetInt64(), 0);
  EXPECT_EQ(Body(Get("/api/counts?workflow=order&since=1h"))["counts"]["COMPLETED"].GetInt64(), 4);
  EXPECT_EQ(Get("/api/runs?workflow=order&since=1h&until=2h")->status, 400);  // inverted
}

TEST_P(UiTest, SleepingAndRetriedRunsSayWhatTheyWaitForAndWhoRetriedThem) {
  const std::string sleeping = StartApproval();
  ASSERT_OK_AND_ASSIGN(auto failed, engine_->Start(flaky_, 1));
  ASSERT_EQ(Finish(failed.run_id), RunStatus::kFailed);
  StartUi();
  auto page = Body(Get("/api/runs/" + sleeping));
  EXPECT_STREQ(page["run"]["status"].GetString(), "SLEEPING");
  EXPECT_STREQ(page["run"]["waiting_for"].GetString(), "EVENT#approved");
  EXPECT_TRUE(page["run"].HasMember("due_at"));
  EXPECT_EQ(page["events"].Size(), 0u);
  // An event sent: the run page lists it (and the run goes on).
  ASSERT_OK(engine_->SendEvent(sleeping, "approved", 41, {.event_id = "ok-1"}));
  ASSERT_EQ(Finish(sleeping), RunStatus::kCompleted);
  auto done = Body(Get("/api/runs/" + sleeping));
  ASSERT_EQ(done["events"].Size(), 1u);
  EXPECT_STREQ(done["events"][0]["event_id"].GetString(), "ok-1");
  EXPECT_STREQ(done["events"][0]["payload"]["text"].GetString(), "41");

  flaky_fails = false;
  auto retried = Body(Post("/api/runs/" + failed.run_id + "/retry", kCsrf));
  const std::string retry = retried["run_id"].GetString();
  EXPECT_STREQ(Body(Get("/api/runs/" + failed.run_id))["run"]["retried_by"].GetString(),
               retry.c_str());
  // Retrying again answers the same retry (the engine retries a run once).
  EXPECT_STREQ(Body(Post("/api/runs/" + failed.run_id + "/retry", kCsrf))["run_id"].GetString(),
               retry.c_str());
}

TEST_P(UiTest, MetricsHaveACachedRunsByStatusGauge) {
  StartOrders(1, 3);
  StartUi({"--runs-gauge-max-age", "1h"});
  auto first = Get("/metrics");
  ASSERT_TRUE(first);
  EXPECT_NE(first->body.find("# TYPE dynaflow_runs gauge"), std::string::npos) << first->body;
  EXPECT_EQ(Sample(first->body, "dynaflow_runs{status=\"COMPLETED\"}"), 3);
  EXPECT_EQ(Sample(first->body, "dynaflow_runs{status=\"FAILED\"}"), 0);
  StartOrders(4, 5);
  // Within the hour the cached counts are served: no recount per scrape.
  EXPECT_EQ(Sample(Get("/metrics")->body, "dynaflow_runs{status=\"COMPLETED\"}"), 3);
  // A fresh dashboard counts again.
  ui_.Stop();
  StartUi({"--runs-gauge-max-age", "1h"});
  EXPECT_EQ(Sample(Get("/metrics")->body, "dynaflow_runs{status=\"COMPLETED\"}"), 5);
}

}  // namespace
}  // namespace dynaflow::test
