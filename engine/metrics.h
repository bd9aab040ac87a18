// Engine metrics: counters and step-latency figures, read with Engine::metrics().
//
// Counters cover this process's Engine and every Worker made from it, since the Engine was
// opened (they are not persisted and not shared between processes). `store` holds the Table's
// own request counters (see table::TableStats), so on DynamoDB `store.requests` is the number
// of HTTP requests sent, retries included.
#pragma once

#include <array>
#include <cstdint>

#include "store/table/table.h"

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

struct EngineMetrics {
  // Runs created by Engine::Start / RetryFailedRun (existing runs returned are not counted).
  int64_t runs_started = 0;
  // Of those, created already leased to a local worker (no claim needed).
  int64_t runs_handed_over = 0;
  // Runs claimed by workers from the table (new, sleeping, released or abandoned runs).
  int64_t runs_claimed = 0;
  // Terminal transitions written by this process's workers, by outcome.
  int64_t runs_completed = 0;
  int64_t runs_failed = 0;
  int64_t runs_compensated = 0;
  int64_t runs_cancelled = 0;
  // Runs handed back by workers (graceful stop) and put to durable sleep.
  int64_t runs_released = 0;
  int64_t runs_slept = 0;
  // Await-event nodes that timed out; child runs started by this process's workers.
  int64_t wait_timeouts = 0;
  int64_t children_started = 0;
  // Runs a worker stopped working on because another owner took its lease over.
  int64_t leases_lost = 0;
  // Runs Worker::Stop handed back while a step attempt of theirs was still running after the
  // shutdown grace (the attempt's result is discarded; the step runs again elsewhere).
  int64_t runs_abandoned = 0;
  // Distinct due runs left alone because no worker here knows their workflow id/version.
  int64_t unknown_workflow_runs = 0;
  // Step attempts started (steps and compensations, retries included).
  int64_t step_attempts = 0;
  // Steps recorded COMPLETED, SKIPPED, FAILED (for good).
  int64_t steps_completed = 0;
  int64_t steps_skipped = 0;
  int64_t steps_failed = 0;
  // Attempts after the first one.
  int64_t retries = 0;
  // Compensations recorded COMPENSATED.
  int64_t compensations = 0;
  // Lease extensions sent, and FindDueRuns polls.
  int64_t heartbeats = 0;
  int64_t polls = 0;
  table::TableStats store;
  LatencyStats step_latency;
};

}  // namespace dynaflow::engine
