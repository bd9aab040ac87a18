#include "dynaflow/engine/internal/counters.h"

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

Counters::C* Counters::RunsFinishedAs(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted:
      return &runs_completed;
    case RunStatus::kFailed:
      return &runs_failed;
    case RunStatus::kCompensated:
      return &runs_compensated;
    case RunStatus::kCancelled:
      return &runs_cancelled;
    default:
      return nullptr;
  }
}

}  // namespace dynaflow::engine::internal
