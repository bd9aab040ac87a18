#include "engine/internal/counters.h"

namespace dynaflow::engine::internal {

EngineMetrics Counters::Snapshot() const {
  auto get = [](const C& c) { return c.load(std::memory_order_relaxed); };
  EngineMetrics m;
  m.runs_started = get(runs_started);
  m.runs_handed_over = get(runs_handed_over);
  m.runs_claimed = get(runs_claimed);
  m.runs_completed = get(runs_completed);
  m.runs_failed = get(runs_failed);
  m.runs_compensated = get(runs_compensated);
  m.runs_cancelled = get(runs_cancelled);
  m.runs_released = get(runs_released);
  m.runs_slept = get(runs_slept);
  m.wait_timeouts = get(wait_timeouts);
  m.children_started = get(children_started);
  m.leases_lost = get(leases_lost);
  m.runs_abandoned = get(runs_abandoned);
  m.unknown_workflow_runs = get(unknown_workflow_runs);
  m.step_attempts = get(step_attempts);
  m.steps_completed = get(steps_completed);
  m.steps_skipped = get(steps_skipped);
  m.steps_failed = get(steps_failed);
  m.retries = get(retries);
  m.compensations = get(compensations);
  m.heartbeats = get(heartbeats);
  m.polls = get(polls);
  m.step_latency = step_latency.Snapshot();
  return m;
}

}  // namespace dynaflow::engine::internal
