// EngineMetrics in the Prometheus text exposition format (version 0.0.4), shared by
// `dynaflow ui` (/metrics) and workers' metrics listener ([worker] metrics-listen).
//
// Families (counters end in _total, durations are seconds; every family always present):
//   dynaflow_runs_started_total                      runs created by this process
//   dynaflow_runs_claimed_total, dynaflow_runs_handed_over_total
//   dynaflow_runs_finished_total{outcome=completed|failed|compensated|cancelled}
//   dynaflow_runs_released_total, dynaflow_runs_slept_total, dynaflow_runs_abandoned_total
//   dynaflow_lease_losses_total
//   dynaflow_step_attempts_total, dynaflow_steps_total{outcome=completed|skipped|failed}
//   dynaflow_retries_total, dynaflow_compensations_total
//   dynaflow_heartbeats_total, dynaflow_polls_total
//   dynaflow_step_duration_seconds (histogram: _bucket{le=...}, _sum, _count)
//   dynaflow_store_requests_total{operation=read|write|query},
//                                                    dynaflow_store_backend_requests_total
//   dynaflow_store_capacity_units_total{kind=write|read}  (DynamoDB WRU / RRU; 0 embedded)
// `labels` (e.g. {{"worker", "w1"}}) are added to every sample; values are escaped.
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dynaflow/engine/metrics.h"

namespace dynaflow::engine {

std::string RenderPrometheus(const EngineMetrics& metrics,
                             const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace dynaflow::engine
