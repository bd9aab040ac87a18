// [worker] metrics-listen: the worker process's Prometheus endpoint (app/metrics_listener.h),
// over an engine whose worker ran real runs, read with an HTTP client.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>

#include "app/metrics_listener.h"
#include "engine/engine.h"
#include "store/table/memory_table.h"
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
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.1.2.3"));
}

}  // namespace
}  // namespace dynaflow::app
