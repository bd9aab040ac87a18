#include "engine/internal/counters.h"

namespace dynaflow::engine::internal {

EngineMetrics Counters::Snapshot() const {
  auto get = [](const C& c) { return c.load(std::memory_order_relaxed); };
  EngineMetrics m;
#define DYNAFLOW_ENGINE_SNAPSHOT_COUNTER(field, family, outcome, help) m.field = get(field);
  DYNAFLOW_ENGINE_COUNTERS(DYNAFLOW_ENGINE_SNAPSHOT_COUNTER)
#undef DYNAFLOW_ENGINE_SNAPSHOT_COUNTER
  m.step_latency = step_latency.Snapshot();
  return m;
}

}  // namespace dynaflow::engine::internal
