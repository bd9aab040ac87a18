// API tests of `dynaflow ui`: the real binary on a free loopback port, called over HTTP, over
// runs made by a worker in this process. SQLite (label unit) and DynamoDB Local (integration).
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <vector>

#include "tests/cli/ui_fixture.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

rapidjson::Document Json(const httplib::Result& r) {
  rapidjson::Document doc;
  if (!r) {
    ADD_FAILURE() << "HTTP request failed: " << httplib::to_string(r.error());
    doc.SetObject();
    return doc;
  }
  doc.Parse(r->body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << r->body;
  if (doc.HasParseError()) doc.SetObject();
  return doc;
}

std::set<std::string> Ids(const rapidjson::Document& doc) {
  std::set<std::string> out;
  for (const auto& r : doc["runs"].GetArray()) out.insert(r["run_id"].GetString());
  return out;
}

// The status of a request that must fail, and that its body is {"error": "..."}.
int ErrorStatus(const httplib::Result& r) {
  if (!r) return -1;
  rapidjson::Document doc;
  doc.Parse(r->body.c_str());
  EXPECT_TRUE(!doc.HasParseError() && doc.IsObject() && doc.HasMember("error") &&
              doc["error"].IsString())
      << r->body;
  return r->status;
}

const httplib::Headers kCsrf = {{"X-Dynaflow-CSRF", "1"}};

TEST_P(UiTest, ListsRunsWithFiltersCursorsAndCounts) {
  const std::vector<std::string> started = StartOrders(1, 14);
  ASSERT_EQ(started.size(), 14u);
  StartUi();

  // Pages of 5 by workflow: 5, 5, 4, each run once.
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 3; ++page) {
    std::string path = "/api/runs?workflow=order&limit=5";
    if (!cursor.empty()) path += "&cursor=" + httplib::detail::encode_query_param(cursor);
    auto r = Get(path);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    auto doc = Json(r);
    auto ids = Ids(doc);
    EXPECT_EQ(ids.size(), page < 2 ? 5u : 4u);
    seen.insert(ids.begin(), ids.end());
    cursor = doc["next_cursor"].GetString();
    EXPECT_EQ(cursor.empty(), page == 2);
  }
  EXPECT_EQ(seen, std::set<std::string>(started.begin(), started.end()));

  // By status (no workflow): the compensated orders 7, 13, 14; repeated and comma forms.
  auto comp = Json(Get("/api/runs?status=COMPENSATED"));
  EXPECT_EQ(Ids(comp), (std::set<std::string>{started[6], started[12], started[13]}));
  auto two = Json(Get("/api/runs?workflow=order&status=compensated,COMPLETED&limit=100"));
  EXPECT_EQ(Ids(two).size(), 14u);
  // No filter: every status (each status index), all 14 runs.
  EXPECT_EQ(Ids(Json(Get("/api/runs?limit=100"))).size(), 14u);
  // Time range: created from an hour ago (all), and until an hour ago (none).
  EXPECT_EQ(Ids(Json(Get("/api/runs?workflow=order&since=1h&limit=100"))).size(), 14u);
  EXPECT_EQ(Ids(Json(Get("/api/runs?workflow=order&until=1h"))).size(), 0u);

  auto counts = Json(Get("/api/counts"));
  EXPECT_EQ(counts["counts"]["COMPENSATED"].GetInt64(), 3);
  EXPECT_EQ(counts["counts"]["COMPLETED"].GetInt64(), 11);
  EXPECT_EQ(counts["total"].GetInt64(), 14);
  auto by_workflow = Json(Get("/api/counts?workflow=order"));
  EXPECT_EQ(by_workflow["counts"]["COMPENSATED"].GetInt64(), 3);
  EXPECT_EQ(Json(Get("/api/counts?workflow=nope"))["total"].GetInt64(), 0);

  // Malformed parameters and cursors: 400 with a JSON error.
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&limit=abc")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&limit=0")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&limit=5x")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?status=DONE")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&since=yesterday")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&order=sideways")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&cursor=garbage")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order&workflow=flaky")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?wrkflow=order")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/counts?status=FAILED")), 400);
  // A cursor of another query.
  auto page1 = Json(Get("/api/runs?workflow=order&limit=5"));
  const std::string other_cursor = page1["next_cursor"].GetString();
  EXPECT_EQ(ErrorStatus(Get("/api/runs?status=COMPLETED&cursor=" +
                            httplib::detail::encode_query_param(other_cursor))),
            400);
  EXPECT_EQ(ErrorStatus(Get("/api/nothing-here")), 404);
}

TEST_P(UiTest, RunPageHasStepsPayloadsLeaseAndTruncatesLargePayloads) {
  const std::vector<std::string> started = StartOrders(6, 7);  // 6 COMPLETED, 7 COMPENSATED
  const std::string xss = StartXss();
  StartUi({"--payload-preview-bytes", "1"});

  auto page = Json(Get("/api/runs/" + started[1]));
  EXPECT_STREQ(page["run"]["status"].GetString(), "COMPENSATED");
  EXPECT_STREQ(page["run"]["business_key"].GetString(), "order-7");
  EXPECT_STREQ(page["run"]["tags"]["batch"].GetString(), "odd");
  EXPECT_NE(std::string(page["run"]["error"].GetString()).find("payment declined"),
            std::string::npos);
  ASSERT_TRUE(page["lease_epoch"].IsInt64());
  std::vector<std::string> steps;
  for (const auto& s : page["steps"].GetArray()) steps.push_back(s["step_id"].GetString());
  // In the order they ran: reserve, the failed charge, then reserve's compensation.
  EXPECT_EQ(steps, (std::vector<std::string>{"reserve", "charge", "compensate:reserve"}));
  EXPECT_STREQ(page["steps"][1]["status"].GetString(), "FAILED");
  EXPECT_TRUE(page["steps"][2]["compensation"].GetBool());

  // The input "7" fits; run 6's result "60" is longer than 1 byte: cut, with the full one.
  EXPECT_FALSE(page["input"]["truncated"].GetBool());
  EXPECT_STREQ(page["input"]["text"].GetString(), "7");
  auto done = Json(Get("/api/runs/" + started[0]));
  ASSERT_TRUE(done.HasMember("result")) << "run 6 has an inline result";
  EXPECT_TRUE(done["result"]["truncated"].GetBool());
  EXPECT_STREQ(done["result"]["text"].GetString(), "6");
  EXPECT_EQ(done["result"]["bytes"].GetInt(), 2);
  EXPECT_TRUE(done["outputs"]["ship"]["truncated"].GetBool());
  EXPECT_STREQ(done["outputs"]["ship"]["text"].GetString(), "6");
  const std::string href = done["outputs"]["ship"]["href"].GetString();
  EXPECT_EQ(href, "/api/runs/" + started[0] + "/payload?kind=output&step=ship");
  auto full = Get(href);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, "60");
  EXPECT_EQ(full->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(ErrorStatus(Get("/api/runs/" + started[0] + "/payload?kind=secret")), 400);
  EXPECT_EQ(ErrorStatus(Get("/api/runs/" + started[0] + "/payload?kind=output&step=nope")), 404);

  // Values from the store come back as JSON strings, unchanged (the page renders them as text).
  auto x = Json(Get("/api/runs/" + xss));
  EXPECT_STREQ(x["run"]["business_key"].GetString(), kXssKey);
  bool found = false;
  for (const auto& s : x["steps"].GetArray()) {
    if (std::string(s["step_id"].GetString()) == "render") {
      found = true;
      EXPECT_EQ(s["attempt"].GetInt(), 2);
      EXPECT_NE(std::string(s["error"].GetString()).find(kXssError), std::string::npos);
    }
  }
  EXPECT_TRUE(found);

  EXPECT_EQ(ErrorStatus(Get("/api/runs/no-such-run")), 404);
}

TEST_P(UiTest, CancelAndRetryArePostsWithCsrfAndConflictsAre409) {
  // A delayed run nobody has started: cancel finishes it at once.
  engine::StartOptions later;
  later.start_at = std::chrono::system_clock::now() + 1h;
  ASSERT_OK_AND_ASSIGN(auto delayed, engine_->Start(order_, 1, later));
  ASSERT_OK_AND_ASSIGN(auto failed, engine_->Start(flaky_, 1));
  ASSERT_EQ(Finish(failed.run_id), RunStatus::kFailed);
  StartUi();
  const std::string cancel = "/api/runs/" + delayed.run_id + "/cancel";

  // No CSRF header, a foreign Origin, a foreign Host, GET: refused, nothing changed.
  EXPECT_EQ(ErrorStatus(Post(cancel)), 403);
  httplib::Headers foreign = kCsrf;
  foreign.emplace("Origin", "http://evil.example");
  EXPECT_EQ(ErrorStatus(Post(cancel, foreign)), 403);
  httplib::Headers rebinding = kCsrf;
  rebinding.emplace("Host", "evil.example:80");
  EXPECT_EQ(ErrorStatus(Post(cancel, rebinding)), 403);
  EXPECT_EQ(ErrorStatus(Get("/api/runs/" + delayed.run_id, {{"Host", "evil.example"}})), 403);
  EXPECT_EQ(ErrorStatus(Get(cancel)), 405);
  EXPECT_EQ(engine_->store().GetRun(delayed.run_id)->status, RunStatus::kPending);

  // Same-origin POST with the header: CANCELLED; again: 409.
  httplib::Headers same = kCsrf;
  same.emplace("Origin", "http://127.0.0.1:" + std::to_string(ui_.port()));
  auto ok = Post(cancel, same);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_STREQ(Json(ok)["result"].GetString(), "CANCELLED");
  EXPECT_EQ(engine_->store().GetRun(delayed.run_id)->status, RunStatus::kCancelled);
  EXPECT_EQ(ErrorStatus(Post(cancel, kCsrf)), 409);
  EXPECT_EQ(ErrorStatus(Post("/api/runs/no-such-run/cancel", kCsrf)), 404);

  // Retry of the FAILED run: a new run that completes once the service is back.
  flaky_fails = false;
  auto retried = Post("/api/runs/" + failed.run_id + "/retry", kCsrf);
  ASSERT_TRUE(retried);
  ASSERT_EQ(retried->status, 200) << retried->body;
  auto doc = Json(retried);
  const std::string new_id = doc["run_id"].GetString();
  EXPECT_STREQ(doc["retry_of"].GetString(), failed.run_id.c_str());
  EXPECT_EQ(Finish(new_id), RunStatus::kCompleted);
  EXPECT_EQ(ErrorStatus(Post("/api/runs/" + new_id + "/retry", kCsrf)), 409);
}

TEST_P(UiTest, ReadOnlyRefusesChanges) {
  ASSERT_OK_AND_ASSIGN(auto failed, engine_->Start(flaky_, 1));
  ASSERT_EQ(Finish(failed.run_id), RunStatus::kFailed);
  StartUi({"--read-only"});
  EXPECT_TRUE(Json(Get("/api/info"))["read_only"].GetBool());
  EXPECT_EQ(ErrorStatus(Post("/api/runs/" + failed.run_id + "/retry", kCsrf)), 403);
  EXPECT_EQ(ErrorStatus(Post("/api/runs/" + failed.run_id + "/cancel", kCsrf)), 403);
  EXPECT_EQ(engine_->store().GetRun(failed.run_id)->status, RunStatus::kFailed);
}

TEST_P(UiTest, BearerTokenGuardsTheApiAndMetrics) {
  StartOrders(1, 1);
  StartUi({}, {"DYNAFLOW_UI_AUTH_TOKEN=s3cret-token"});
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order")), 401);
  EXPECT_EQ(ErrorStatus(Get("/api/runs?workflow=order", {{"Authorization", "Bearer wrong"}})), 401);
  EXPECT_EQ(ErrorStatus(Get("/metrics", {{"Authorization", "Bearer s3cret-tokenX"}})), 401);
  auto ok = Get("/api/runs?workflow=order", {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(Ids(Json(ok)).size(), 1u);
  // The page itself holds no data and is public.
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
}

TEST_P(UiTest, ServesThePageWithSecurityHeadersAndMetrics) {
  StartOrders(1, 1);
  StartUi();
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<script src=\"/app.js\""), std::string::npos);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  auto js = Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body.find("innerHTML"), std::string::npos) << "data goes in with textContent";

  ASSERT_TRUE(Get("/api/runs?workflow=order"));
  auto metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->get_header_value("Content-Type").find("text/plain; version=0.0.4"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("# TYPE dynaflow_steps_total counter"), std::string::npos);
  EXPECT_NE(metrics->body.find("dynaflow_step_duration_seconds_bucket{le=\"+Inf\"}"),
            std::string::npos);
  // This process listed runs: its query counter is above zero.
  const std::string query_line = "dynaflow_store_requests_total{operation=\"query\"} ";
  size_t at = metrics->body.find(query_line);
  ASSERT_NE(at, std::string::npos) << metrics->body;
  EXPECT_GT(std::stoll(metrics->body.substr(at + query_line.size())), 0);

  // SIGTERM: a clean exit.
  EXPECT_EQ(ui_.Stop(), 0) << ui_.Stderr();
}

TEST(UiCommand, ListeningBeyondLoopbackNeedsATokenOrInsecure) {
  CliResult r = RunCli({"ui", "--listen", "0.0.0.0:0", "--store.type=memory"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--auth-token"), std::string::npos) << r.err;
  CliResult bad = RunCli({"ui", "--listen", "localhost", "--store.type=memory"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("HOST:PORT"), std::string::npos) << bad.err;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, UiTest,
                         ::testing::Values(CliBackend::kSqlite, CliBackend::kDynamoDbLocal),
                         [](const auto& info) {
                           return info.param == CliBackend::kSqlite ? "Sqlite" : "DynamoDbLocal";
                         });

}  // namespace dynaflow::test
