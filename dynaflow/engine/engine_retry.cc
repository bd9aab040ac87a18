// Engine::RetryFailedRun: a new run continuing a FAILED one (see engine.h).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dynaflow/engine/engine.h"
#include "dynaflow/engine/internal/engine_core.h"
#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/internal/worker_impl.h"

namespace dynaflow::engine {

namespace {
using store::RunChange;
using store::RunFinish;
using store::StepRecord;

constexpr Duration kCopyLease{60000};

// The error that started the compensation, without the compensation failure appended to it.
std::string BaseError(const std::string& error) {
  auto pos = error.rfind("; compensation of step \"");
  return pos == std::string::npos ? error : error.substr(0, pos);
}
}  // namespace

Result<StartResult> Engine::RetryFailedRun(const std::string& run_id, const RetryOptions& options) {
  auto& store = *core_->store;
  DYNAFLOW_ASSIGN_OR_RETURN(store::RunDetails old, store.LoadRun(run_id, /*with_outputs=*/true));
  if (old.run.status != RunStatus::kFailed) {
    return Status::ConditionFailed("run " + run_id + " is " +
                                   std::string(RunStatusName(old.run.status)) +
                                   "; only FAILED runs can be retried");
  }
  if (!old.run.retried_by.empty() && !options.fork) return StartResult{old.run.retried_by, false};
  bool compensating = false;
  for (const auto& s : old.steps) {
    if (s.status == StepStatus::kFailed && s.step_id.rfind(internal::kCompensatePrefix, 0) == 0) {
      compensating = true;
    }
  }
  store::NewRun nr;
  nr.workflow_id = old.run.workflow_id;
  nr.workflow_version = old.run.workflow_version;
  nr.tags = old.run.tags;
  nr.tags[internal::kRetryOfTag] = run_id;
  nr.retry_of = run_id;
  nr.fork = options.fork;
  if (!options.fork) nr.business_key = old.run.business_key;
  nr.input = old.input;
  nr.deadline = options.deadline;
  nr.retention = std::chrono::seconds(old.run.retention_seconds);
  nr.owner = fmt::format("dynaflow-retry-{:016x}", core_->random->Next64());
  nr.lease_duration = kCopyLease;
  std::string existing;
  Result<Run> created = store.CreateRun(nr, &existing);
  if (!created.ok() && created.error().Is(StatusCode::kAlreadyExists) && !options.fork) {
    // Another caller retried it first (or the business key moved on): the original says which.
    DYNAFLOW_ASSIGN_OR_RETURN(Run original, store.GetRun(run_id));
    if (!original.retried_by.empty()) return StartResult{original.retried_by, false};
  }
  if (!created.ok()) return created.error();
  Run run = std::move(created).value();
  internal::Counters::Inc(core_->counters->runs_started);
  store::Fence fence{run.run_id, run.lease.owner, run.lease.epoch};

  auto fail_copy = [&](const Status& why) -> Status {
    RunFinish finish;
    finish.status = RunStatus::kFailed;
    finish.error = "retry of run " + run_id + " failed while copying: " + why.ToString();
    auto f = store.FinishRun(fence, finish);
    if (!f.ok()) {
      core_->logger->warn("run {}: {} (finishing it failed too: {})", run.run_id, finish.error,
                          f.error().ToString());
    }
    return why.WithContext("copying the records of run " + run_id);
  };

  std::string last_copied;
  for (const auto& s : old.steps) {
    bool copy = s.status == StepStatus::kCompleted || s.status == StepStatus::kSkipped ||
                (compensating && s.status == StepStatus::kCompensated);
    if (!copy) continue;
    StepRecord rec;
    rec.step_id = s.step_id;
    rec.status = s.status;
    rec.attempt = s.attempt;
    rec.started_at = s.started_at;
    rec.finished_at = s.finished_at;
    rec.event_id = s.event_id;
    rec.position = s.position;  // a code workflow's replay matches records by position
    rec.kind = s.kind;
    auto out = old.outputs.find(s.step_id);
    if (out != old.outputs.end()) rec.output = out->second;
    RunChange change;
    change.cursor_step = internal::kPhaseCopying;
    auto w = store.RecordStep(fence, rec, change);
    if (!w.ok()) return fail_copy(w.error());
    last_copied = s.step_id;
  }
  RunChange release;
  release.due_at = core_->clock->Now();
  if (compensating) {
    release.status = RunStatus::kCompensating;
    release.error = BaseError(old.run.error);
    release.cursor_step = old.run.cursor_step == internal::kPhaseCompensateCancel
                              ? internal::kPhaseCompensateCancel
                              : internal::kPhaseCompensateFailure;
  } else {
    release.status = RunStatus::kPending;
    release.cursor_step = last_copied;  // non-empty tells workers there are records to load
  }
  Status s = store.ReleaseRun(fence, release);
  if (!s.ok()) return fail_copy(s);
  core_->NudgeWorkers();
  core_->logger->info("run {}: retries failed run {}", run.run_id, run_id);
  return StartResult{run.run_id, true};
}

}  // namespace dynaflow::engine
