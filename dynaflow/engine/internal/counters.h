// The live counters behind EngineMetrics (one set per Engine, shared with its workers).
// Thread-safe: relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>

#include "dynaflow/engine/internal/histogram.h"
#include "dynaflow/engine/metrics.h"
#include "dynaflow/model/workflow_types.h"

namespace dynaflow::engine::internal {

struct Counters {
  using C = std::atomic<int64_t>;
  // One atomic per EngineMetrics counter, named like its field (dynaflow/engine/metrics.h).
#define DYNAFLOW_ENGINE_LIVE_COUNTER(field, family, outcome, help) C field{0};
  DYNAFLOW_ENGINE_COUNTERS(DYNAFLOW_ENGINE_LIVE_COUNTER)
#undef DYNAFLOW_ENGINE_LIVE_COUNTER
  Histogram step_latency;

  static void Inc(C& c, int64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  // The runs_* counter of a terminal status (runs_completed for COMPLETED, ...); nullptr for a
  // status that is not terminal.
  C* RunsFinishedAs(RunStatus status);
  // Everything but `store`.
  EngineMetrics Snapshot() const;
};

}  // namespace dynaflow::engine::internal
