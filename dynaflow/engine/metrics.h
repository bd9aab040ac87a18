// Engine metrics: counters and step-latency figures, read with Engine::metrics().
//
// Counters cover this process's Engine and every Worker made from it, since the Engine was
// opened (they are not persisted and not shared between processes). `store` holds the Table's
// own request counters (see table::TableStats), so on DynamoDB `store.requests` is the number
// of HTTP requests sent, retries included.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "dynaflow/store/table/table.h"

namespace dynaflow::engine {

// Latency of step attempts (steps and compensations), from a log-scale histogram with 8
// buckets per power of two: percentiles are within about 7 % of the exact value.
// Upper bounds (seconds) of the step latency histogram's cumulative buckets, as exported to
// Prometheus (dynaflow_step_duration_seconds_bucket{le=...}).
inline constexpr std::array<double, 14> kLatencyBucketBounds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60};

struct LatencyStats {
  int64_t count = 0;
  // Cumulative counts: le_counts[i] attempts took at most kLatencyBucketBounds[i] seconds (to
  // within the log-scale bucket that holds the bound, about 7 %), and their total duration.
  std::array<int64_t, kLatencyBucketBounds.size()> le_counts{};
  double sum_ms = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// The engine's counters, one row each: X(field, prometheus_family, outcome, help).
// `field` is the EngineMetrics member (an int64_t, 0 until counted); this list also declares
// the live atomic counters (dynaflow/engine/internal/counters.h) and drives the Prometheus
// rendering (dynaflow/engine/prometheus.h), in this order. Consecutive rows with the same family
// form one Prometheus counter family labelled {outcome=...}, whose help text is on its first row;
// an empty family means the counter is not exported to Prometheus.
#define DYNAFLOW_ENGINE_COUNTERS(X)                                                              \
  /* Runs created by Engine::Start / RetryFailedRun (existing runs returned are not counted). */ \
  X(runs_started, "dynaflow_runs_started_total", "", "Runs created by this process.")            \
  /* Of those, created already leased to a local worker (no claim needed). */                    \
  X(runs_handed_over, "dynaflow_runs_handed_over_total", "",                                     \
    "Runs created already leased to a local worker (no claim).")                                 \
  /* Runs claimed by workers from the table (new, sleeping, released or abandoned runs). */      \
  X(runs_claimed, "dynaflow_runs_claimed_total", "", "Runs claimed by workers from the table.")  \
  /* Terminal transitions written by this process's workers, by outcome. */                      \
  X(runs_completed, "dynaflow_runs_finished_total", "completed",                                 \
    "Terminal run transitions written by this process's workers, by outcome.")                   \
  X(runs_failed, "dynaflow_runs_finished_total", "failed", "")                                   \
  X(runs_compensated, "dynaflow_runs_finished_total", "compensated", "")                         \
  X(runs_cancelled, "dynaflow_runs_finished_total", "cancelled", "")                             \
  /* Runs handed back by workers (graceful stop) and put to durable sleep. */                    \
  X(runs_released, "dynaflow_runs_released_total", "", "Runs handed back by stopping workers.")  \
  X(runs_slept, "dynaflow_runs_slept_total", "", "Runs put to durable sleep.")                   \
  /* Runs Worker::Stop handed back while a step attempt of theirs was still running after the    \
     shutdown grace (the attempt's result is discarded; the step runs again elsewhere). */       \
  X(runs_abandoned, "dynaflow_runs_abandoned_total", "",                                         \
    "Runs handed back while a step attempt was still running after the shutdown grace.")         \
  /* Runs a worker stopped working on because another owner took its lease over. */              \
  X(leases_lost, "dynaflow_lease_losses_total", "",                                              \
    "Runs a worker stopped because another owner took its lease over.")                          \
  /* Await-event nodes that timed out; child runs started by this process's workers. */          \
  X(wait_timeouts, "", "", "")                                                                   \
  X(children_started, "", "", "")                                                                \
  /* Distinct due runs left alone because no worker here knows their workflow id/version. */     \
  X(unknown_workflow_runs, "", "", "")                                                           \
  /* Step attempts started (steps and compensations, retries included). */                       \
  X(step_attempts, "dynaflow_step_attempts_total", "",                                           \
    "Step attempts started (steps and compensations, retries included).")                        \
  /* Steps recorded COMPLETED, SKIPPED, FAILED (for good). */                                    \
  X(steps_completed, "dynaflow_steps_total", "completed", "Steps recorded, by outcome.")         \
  X(steps_skipped, "dynaflow_steps_total", "skipped", "")                                        \
  X(steps_failed, "dynaflow_steps_total", "failed", "")                                          \
  /* Attempts after the first one. */                                                            \
  X(retries, "dynaflow_retries_total", "", "Step attempts after the first one.")                 \
  /* Compensations recorded COMPENSATED. */                                                      \
  X(compensations, "dynaflow_compensations_total", "", "Compensations recorded COMPENSATED.")    \
  /* Lease extensions sent, and FindDueRuns polls (a poll counts once its queries returned). */  \
  X(heartbeats, "dynaflow_heartbeats_total", "", "Lease extensions sent.")                       \
  X(polls, "dynaflow_polls_total", "", "Polls for due runs.")

struct EngineMetrics {
#define DYNAFLOW_ENGINE_METRICS_FIELD(field, family, outcome, help) int64_t field = 0;
  DYNAFLOW_ENGINE_COUNTERS(DYNAFLOW_ENGINE_METRICS_FIELD)
#undef DYNAFLOW_ENGINE_METRICS_FIELD
  table::TableStats store;
  LatencyStats step_latency;
};

// Runs this process's workers finished: completed, failed, compensated or cancelled.
inline int64_t RunsFinished(const EngineMetrics& m) {
  return m.runs_completed + m.runs_failed + m.runs_compensated + m.runs_cancelled;
}

// Step records written: steps completed, skipped or failed for good, and compensations.
inline int64_t StepsRecorded(const EngineMetrics& m) {
  return m.steps_completed + m.steps_skipped + m.steps_failed + m.compensations;
}

// The counters as "field value" lines (e.g. "runs_claimed 3\n"), one per row of
// DYNAFLOW_ENGINE_COUNTERS in its order; `store` and `step_latency` are not included.
inline std::string CounterLines(const EngineMetrics& m) {
  std::string out;
#define DYNAFLOW_ENGINE_COUNTER_LINE(field, family, outcome, help) \
  out += #field " " + std::to_string(m.field) + "\n";
  DYNAFLOW_ENGINE_COUNTERS(DYNAFLOW_ENGINE_COUNTER_LINE)
#undef DYNAFLOW_ENGINE_COUNTER_LINE
  return out;
}

}  // namespace dynaflow::engine
