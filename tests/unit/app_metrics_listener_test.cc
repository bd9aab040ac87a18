// [worker] metrics-listen: the worker process's Prometheus endpoint
// (dynaflow/app/metrics_listener.h), over an engine whose worker ran real runs, read with an HTTP
// client.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <vector>

#include "dynaflow/app/metrics_listener.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/memory_table.h"
#include "tests/support/raw_http_client.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::app {
namespace {

using namespace std::chrono_literals;

bool Has(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsListener, ServesTheWorkersMetricsAtSlashMetrics) {
  engine::EngineOptions eo;
  eo.table = table::NewMemoryTable();
  auto engine = engine::Engine::Open(eo).value();
  engine::StepOptions no_retries;
  no_retries.retry = engine::RetryPolicy::None();
  auto wf =
      engine::WorkflowBuilder("m", 1)
          .Step(engine::MakeStep<int, int>(
                    "a", [](engine::StepContext&, const int& v) -> Result<int> { return v; })
                    .Compensate(
                        [](engine::StepContext&, const int&, const int&) { return Status::OK(); })
                    .Options(no_retries))
          .Step(engine::MakeStep<int, int>("b",
                                           [](engine::StepContext&, const int& v) -> Result<int> {
                                             if (v < 0) return Status::Internal("negative");
                                             return v;
                                           })
                    .Options(no_retries))
          .Build()
          .value();
  ASSERT_OK(engine->Register(wf));
  engine::WorkerOptions wo;
  wo.poll_interval = 10ms;
  auto worker = engine->NewWorker(wo).value();
  ASSERT_OK(worker->Start());
  for (int v : {1, 2, -1}) {
    ASSERT_OK_AND_ASSIGN(auto started, engine->Start(wf, v));
    ASSERT_OK(engine->WaitForRun(started.run_id, 30s));
  }

  config::WorkerConfig wc;
  wc.metrics_listen = "127.0.0.1:0";
  ASSERT_OK_AND_ASSIGN(auto listener, StartWorkerMetrics(wc, *engine));
  ASSERT_NE(listener, nullptr);
  httplib::Client http("127.0.0.1", (listener)->port());
  auto r = http.Get("/metrics");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(Has(r->body, "dynaflow_runs_finished_total{outcome=\"completed\"} 2")) << r->body;
  EXPECT_TRUE(Has(r->body, "dynaflow_runs_finished_total{outcome=\"compensated\"} 1"));
  EXPECT_TRUE(Has(r->body, "dynaflow_steps_total{outcome=\"completed\"} 5"));
  EXPECT_TRUE(Has(r->body, "dynaflow_steps_total{outcome=\"failed\"} 1"));
  EXPECT_TRUE(Has(r->body, "dynaflow_compensations_total 1"));
  EXPECT_TRUE(Has(r->body, "dynaflow_step_duration_seconds_count 7"));
  auto other = http.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  worker->Stop();
  listener.reset();  // stops and joins its thread
}

TEST(MetricsListener, EmptyAddressMeansNoneAndBadOnesAreErrors) {
  engine::EngineOptions eo;
  eo.table = table::NewMemoryTable();
  auto engine = engine::Engine::Open(eo).value();
  config::WorkerConfig wc;
  ASSERT_OK_AND_ASSIGN(auto none, StartWorkerMetrics(wc, *engine));
  EXPECT_EQ(none, nullptr);
  wc.metrics_listen = "9464";
  auto bad = StartWorkerMetrics(wc, *engine);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("[worker] metrics-listen"), std::string::npos);

  config::Config c;
  EXPECT_OK(config::ApplyFlags({"--worker.metrics-listen=127.0.0.1:9464"}, &c));
  EXPECT_EQ(c.worker.metrics_listen, "127.0.0.1:9464");
  Status s = config::ApplyFlags({"--worker.metrics-listen=localhost"}, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HOST:PORT"), std::string::npos) << s.message();
}

TEST(MetricsListener, OnLoopbackAnswersOnlyLoopbackHostsWithItsPort) {
  ASSERT_OK_AND_ASSIGN(auto listener,
                       MetricsListener::Start("127.0.0.1:0", [] { return "m 1\n"; }));
  const int port = listener->port();
  const std::string p = std::to_string(port);
  for (const std::string& host : std::vector<std::string>{
           "127.evil.example:" + p, "127.0.0.1.nip.io:" + p, "127.0.0.1:9999", "evil.example"}) {
    test::RawHttpResponse r = test::RawGet(port, "/metrics", host);
    EXPECT_EQ(r.status, 403) << host;
    EXPECT_EQ(r.body.find("m 1"), std::string::npos) << host;
  }
  for (const std::string& host :
       std::vector<std::string>{"127.0.0.1:" + p, "LOCALHOST:" + p, "[::1]:" + p}) {
    test::RawHttpResponse r = test::RawGet(port, "/metrics", host);
    EXPECT_EQ(r.status, 200) << host;
    EXPECT_EQ(r.body, "m 1\n");
  }
  httplib::Client http("127.0.0.1", port);
  auto post = http.Post("/metrics", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  // No request to /metrics has a body: any is refused before it is read.
  auto body = http.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->status, 413);
}

TEST(MetricsListener, LimitsComeFromTheWorkerConfig) {
  engine::EngineOptions eo;
  eo.table = table::NewMemoryTable();
  auto engine = engine::Engine::Open(eo).value();
  config::Config c;
  ASSERT_OK(config::ApplyFlags(
      {"--worker.metrics-listen=127.0.0.1:0", "--worker.metrics-max-connections=1",
       "--worker.metrics-header-timeout=200ms"},
      &c));
  EXPECT_EQ(c.worker.metrics_max_connections, 1);
  EXPECT_EQ(c.worker.metrics_header_timeout, std::chrono::milliseconds(200));
  ASSERT_OK_AND_ASSIGN(auto listener, StartWorkerMetrics(c.worker, *engine));
  test::RawHttpConnection first, second;
  ASSERT_TRUE(first.Connect(listener->port()));
  ASSERT_TRUE(first.Send(
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(listener->port()) + "\r\n\r\n"));
  EXPECT_EQ(first.ReadResponse(30s).status, 200);  // kept alive: the one connection allowed
  ASSERT_TRUE(second.Connect(listener->port()));
  EXPECT_EQ(second.ReadResponse(30s).status, 503);
  // The first one, idle, is cut off after the header timeout.
  EXPECT_TRUE(first.WaitClosed(30s));
  EXPECT_FALSE(config::ApplyFlags({"--worker.metrics-max-connections=0"}, &c).ok());
}

TEST(ListenAddress, ParsesHostAndPort) {
  std::string host;
  int port = -1;
  ASSERT_OK(ParseListenAddress("127.0.0.1:8080", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  ASSERT_OK(ParseListenAddress("[::1]:0", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad :
       {"", ":80", "host", "host:", "host:65536", "host:8x", "::1:80", "[::1:80"}) {
    EXPECT_FALSE(ParseListenAddress(bad, &host, &port).ok()) << bad;
  }
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("127.evil.example"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.1.2.3"));
}

}  // namespace
}  // namespace dynaflow::app
