// The live counters behind EngineMetrics (one set per Engine, shared with its workers).
// Thread-safe: relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>

#include "engine/internal/histogram.h"
#include "engine/metrics.h"

namespace dynaflow::engine::internal {

struct Counters {
  using C = std::atomic<int64_t>;
  C runs_started{0}, runs_handed_over{0}, runs_claimed{0};
  C runs_completed{0}, runs_failed{0}, runs_compensated{0}, runs_cancelled{0};
  C runs_released{0}, runs_slept{0}, leases_lost{0}, runs_abandoned{0}, unknown_workflow_runs{0};
  C step_attempts{0}, steps_completed{0}, steps_skipped{0}, steps_failed{0};
  C retries{0}, compensations{0}, heartbeats{0}, polls{0};
  C wait_timeouts{0}, children_started{0};
  Histogram step_latency;

  static void Inc(C& c, int64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  // Everything but `store`.
  EngineMetrics Snapshot() const;
};

}  // namespace dynaflow::engine::internal
