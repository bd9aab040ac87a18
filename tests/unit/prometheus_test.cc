// engine::RenderPrometheus: the text exposition format of EngineMetrics
// (dynaflow/engine/prometheus.h).
#include "dynaflow/engine/prometheus.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "dynaflow/engine/internal/histogram.h"

namespace dynaflow::engine {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(Prometheus, RendersEveryFamilyWithTypesAndValues) {
  EngineMetrics m;
  m.runs_started = 5;
  m.runs_completed = 3;
  m.runs_failed = 1;
  m.runs_compensated = 2;
  m.runs_cancelled = 4;
  m.steps_completed = 9;
  m.steps_failed = 2;
  m.retries = 6;
  m.compensations = 7;
  m.leases_lost = 1;
  m.store.reads = 10;
  m.store.writes = 11;
  m.store.queries = 12;
  m.store.requests = 33;
  m.store.write_units = 2.5;
  m.store.read_units = 0.5;
  const std::string text = RenderPrometheus(m);
  EXPECT_TRUE(Has(text, "# TYPE dynaflow_runs_started_total counter")) << text;
  EXPECT_TRUE(Has(text, "dynaflow_runs_started_total 5"));
  EXPECT_TRUE(Has(text, "dynaflow_runs_finished_total{outcome=\"completed\"} 3"));
  EXPECT_TRUE(Has(text, "dynaflow_runs_finished_total{outcome=\"failed\"} 1"));
  EXPECT_TRUE(Has(text, "dynaflow_runs_finished_total{outcome=\"compensated\"} 2"));
  EXPECT_TRUE(Has(text, "dynaflow_runs_finished_total{outcome=\"cancelled\"} 4"));
  EXPECT_TRUE(Has(text, "dynaflow_steps_total{outcome=\"completed\"} 9"));
  EXPECT_TRUE(Has(text, "dynaflow_steps_total{outcome=\"failed\"} 2"));
  EXPECT_TRUE(Has(text, "dynaflow_retries_total 6"));
  EXPECT_TRUE(Has(text, "dynaflow_compensations_total 7"));
  EXPECT_TRUE(Has(text, "dynaflow_lease_losses_total 1"));
  EXPECT_TRUE(Has(text, "dynaflow_store_requests_total{operation=\"write\"} 11"));
  EXPECT_TRUE(Has(text, "dynaflow_store_requests_total{operation=\"query\"} 12"));
  EXPECT_TRUE(Has(text, "dynaflow_store_backend_requests_total 33"));
  EXPECT_TRUE(Has(text, "dynaflow_store_capacity_units_total{kind=\"write\"} 2.5"));
  EXPECT_TRUE(Has(text, "# TYPE dynaflow_step_duration_seconds histogram"));

  // Every line is a comment or "name[{labels}] value"; every family has HELP and TYPE.
  std::istringstream lines(text);
  std::string line;
  int types = 0, helps = 0;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    if (line.rfind("# TYPE ", 0) == 0) ++types;
    if (line.rfind("# HELP ", 0) == 0) ++helps;
    if (line[0] == '#') continue;
    EXPECT_EQ(line.rfind("dynaflow_", 0), 0u) << line;
    EXPECT_NE(line.find(' '), std::string::npos) << line;
  }
  EXPECT_EQ(types, helps);
  EXPECT_GE(types, 18);
}

TEST(Prometheus, StepLatencyHistogramIsCumulativeInSeconds) {
  internal::Histogram h;
  h.Record(2'000);      // 2 ms
  h.Record(2'000);      // 2 ms
  h.Record(300'000);    // 300 ms
  h.Record(4'000'000);  // 4 s
  EngineMetrics m;
  m.step_latency = h.Snapshot();
  const std::string text = RenderPrometheus(m);
  const std::string b = "dynaflow_step_duration_seconds_bucket";
  EXPECT_TRUE(Has(text, b + "{le=\"0.001\"} 0")) << text;
  EXPECT_TRUE(Has(text, b + "{le=\"0.0025\"} 2"));
  EXPECT_TRUE(Has(text, b + "{le=\"0.25\"} 2"));
  EXPECT_TRUE(Has(text, b + "{le=\"0.5\"} 3"));
  EXPECT_TRUE(Has(text, b + "{le=\"2.5\"} 3"));
  EXPECT_TRUE(Has(text, b + "{le=\"5\"} 4"));
  EXPECT_TRUE(Has(text, b + "{le=\"+Inf\"} 4"));
  EXPECT_TRUE(Has(text, "dynaflow_step_duration_seconds_count 4"));
  EXPECT_TRUE(Has(text, "dynaflow_step_duration_seconds_sum 4.304")) << text;
}

TEST(Prometheus, CommonLabelsAreEscaped) {
  const std::string text = RenderPrometheus({}, {{"worker", "a\"b\\c\nd"}});
  EXPECT_TRUE(Has(text, "dynaflow_runs_started_total{worker=\"a\\\"b\\\\c\\nd\"} 0")) << text;
  EXPECT_TRUE(Has(text, "dynaflow_steps_total{worker=\"a\\\"b\\\\c\\nd\",outcome=\"failed\"} 0"));
}

}  // namespace
}  // namespace dynaflow::engine
