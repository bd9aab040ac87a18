// RunExecutor: steps that failed for good, cancellation, and saga compensation.
//
// A failure is recorded as a FAILED step; in the same write the run either finishes FAILED
// (nothing to compensate) or turns COMPENSATING with the error kept in Run::error and the phase
// in Run::cursor_step. Compensations then run in reverse definition order (parallel branches in
// reverse declaration order), each recorded as "compensate:<step>" COMPENSATED; the last one
// finishes the run COMPENSATED (CANCELLED after a cancel) in the same write. A code workflow's
// compensations run the same way, in reverse order of the completion of their steps. A compensation
// that fails for good is recorded FAILED and finishes the run FAILED with both errors.
//
// Error texts come from user code (Status messages, exception texts) and may hold any bytes
// and any length; they are recorded through RecordableError (valid UTF-8, bounded size,
// error_text.h), so a failure can always be recorded.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <variant>

#include "dynaflow/engine/internal/error_text.h"
#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/internal/run_executor.h"
#include "dynaflow/engine/step_context.h"

namespace dynaflow::engine::internal {

std::vector<RunExecutor::CompensationCall> RunExecutor::PendingCompensations() {
  std::vector<CompensationCall> out;
  if (def_->code) {
    for (size_t k = code_compensations_.size(); k-- > 0;) {
      if (!IsRecorded(kCompensatePrefix + code_compensations_[k].step)) {
        out.push_back(code_compensations_[k]);
      }
    }
    return out;
  }
  for (size_t i = def_->nodes.size(); i-- > 0;) {
    const Node& node = def_->nodes[i];
    for (size_t b = node.steps.size(); b-- > 0;) {
      const StepDef* s = &node.steps[b];
      if (!s->compensate || RecordedStatus(s->name) != StepStatus::kCompleted) continue;
      if (IsRecorded(kCompensatePrefix + s->name)) continue;
      CompensationCall call;
      call.step = s->name;
      call.retry = s->options.compensation_retry;
      call.attempt_timeout = s->options.attempt_timeout;
      auto output = OutputValue(*s);
      if (!output.ok()) {
        call.unavailable = output.error();
      } else {
        std::shared_ptr<const Value> in = InputFor(s->in.type, i);
        call.body = [s, in, output = *output](StepContext& ctx) -> Result<Value> {
          Status st = s->compensate(ctx, *in, *output);
          if (!st.ok()) return st;
          return Value(std::monostate{});
        };
      }
      out.push_back(std::move(call));
    }
  }
  return out;
}

ExecResult RunExecutor::Fail(const std::vector<std::pair<std::string, Attempts>>& failures) {
  std::string error;
  std::vector<StepRecord> records;
  for (const auto& [name, a] : failures) {
    const std::string text = RecordableError(a.error.ToString(), kMaxStepErrorBytes);
    if (!error.empty()) error += "; ";
    error += fmt::format("step \"{}\" failed: {}", name, text);
    if (a.already_recorded) continue;
    StepRecord rec;
    rec.step_id = name;
    rec.status = StepStatus::kFailed;
    rec.attempt = std::max(1, a.attempts);
    rec.started_at = a.started_at;
    rec.finished_at = a.finished_at;
    rec.error = text;
    records.push_back(std::move(rec));
  }
  error = RecordableError(error, kMaxRunErrorBytes);
  env_.logger->warn("run {}: {}", run_.run_id, error);
  const bool compensate = !PendingCompensations().empty();
  for (size_t k = 0; k < records.size(); ++k) {
    const StepRecord& rec = records[k];
    const bool last = k + 1 == records.size();
    Result<Run> w = Status::Internal("not written");
    if (!last) {
      RunChange change;
      change.cursor_step = rec.step_id;
      w = control_->Write(
          [&](const store::Fence& f) { return env_.store->RecordStep(f, rec, change); });
    } else if (compensate) {
      RunChange change;
      change.status = RunStatus::kCompensating;
      change.error = error;
      change.cursor_step = kPhaseCompensateFailure;
      w = control_->Write(
          [&](const store::Fence& f) { return env_.store->RecordStep(f, rec, change); });
    } else {
      RunFinish finish;
      finish.status = RunStatus::kFailed;
      finish.error = error;
      w = control_->Write(
          [&](const store::Fence& f) { return env_.store->RecordStepAndFinish(f, rec, finish); });
    }
    if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
    Counters::Inc(env_.counters->steps_failed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      recorded_[rec.step_id] = store::ExecutionOf(run_.run_id, rec);
    }
    if (last && !compensate) return Finished(std::move(*w));
  }
  if (!compensate) {
    if (records.empty()) return Finish(RunStatus::kFailed, error);
    return {ExecOutcome::kDropped, std::nullopt};  // unreachable: the last record finished
  }
  if (records.empty()) {  // the failures were recorded before: only the phase changes
    RunChange change;
    change.status = RunStatus::kCompensating;
    change.error = error;
    change.cursor_step = kPhaseCompensateFailure;
    auto w =
        control_->Write([&](const store::Fence& f) { return env_.store->UpdateRun(f, change); });
    if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
  }
  run_.status = RunStatus::kCompensating;
  run_.error = error;
  run_.cursor_step = kPhaseCompensateFailure;
  return Compensate();
}

ExecResult RunExecutor::Cancel() {
  if (cancel_handled_) {
    env_.logger->error("run {}: the store refuses to record its cancellation; dropping it",
                       run_.run_id);
    control_->MarkDone();
    return {ExecOutcome::kDropped, std::nullopt};
  }
  cancel_handled_ = true;
  env_.logger->info("run {}: cancel requested", run_.run_id);
  CancelChildren();
  if (run_.status == RunStatus::kCompensating) return Compensate();  // already undoing
  if (PendingCompensations().empty()) return Finish(RunStatus::kCancelled, "cancelled");
  RunChange change;
  change.status = RunStatus::kCompensating;
  change.error = "cancelled";
  change.cursor_step = kPhaseCompensateCancel;
  auto w = control_->Write([&](const store::Fence& f) { return env_.store->UpdateRun(f, change); });
  if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
  run_.status = RunStatus::kCompensating;
  run_.error = "cancelled";
  run_.cursor_step = kPhaseCompensateCancel;
  return Compensate();
}

ExecResult RunExecutor::Compensate() {
  const RunStatus done_status =
      run_.cursor_step == kPhaseCompensateCancel ? RunStatus::kCancelled : RunStatus::kCompensated;
  const std::string base_error = run_.error;
  auto pending = PendingCompensations();
  if (pending.empty()) return Finish(done_status, base_error);
  for (size_t k = 0; k < pending.size(); ++k) {
    if (control_->lost()) return Interrupted(Stop::kLost, std::nullopt);
    if (env_.stopping && env_.stopping->load()) return Interrupted(Stop::kWorkerStop, {});
    const CompensationCall& c = pending[k];
    const std::string name = kCompensatePrefix + c.step;
    const bool last = k + 1 == pending.size();
    Attempts a;
    if (c.unavailable.ok()) {
      a = RunAttempts(name, c.retry, c.attempt_timeout, /*compensation=*/true, nullptr, c.body);
      if (a.kind == Attempts::kInterrupted) return Interrupted(a.stop, std::nullopt);
    } else {
      a.kind = Attempts::kFailed;
      a.error = c.unavailable;
      a.started_at = a.finished_at = env_.clock->Now();
    }
    StepRecord rec;
    rec.step_id = name;
    rec.attempt = std::max(1, a.attempts);
    rec.started_at = a.started_at;
    rec.finished_at = a.finished_at;
    std::optional<RunFinish> finish;
    if (a.kind == Attempts::kOk) {
      rec.status = StepStatus::kCompensated;
      if (last) {
        finish.emplace();
        finish->status = done_status;
        finish->error = base_error;
      }
    } else {
      rec.status = StepStatus::kFailed;
      rec.error = RecordableError(a.error.ToString(), kMaxStepErrorBytes);
      finish.emplace();
      finish->status = RunStatus::kFailed;
      finish->error = RecordableError(
          fmt::format("{}; compensation of step \"{}\" failed: {}", base_error, c.step, rec.error),
          kMaxRunErrorBytes);
      env_.logger->error("run {}: {}", run_.run_id, finish->error);
    }
    Result<Run> w = WriteStep(rec, finish);
    if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
    {
      std::lock_guard<std::mutex> lock(mu_);
      recorded_[name] = store::ExecutionOf(run_.run_id, rec);
    }
    if (a.kind != Attempts::kOk) {
      Counters::Inc(env_.counters->steps_failed);
      return Finished(std::move(*w));
    }
    Counters::Inc(env_.counters->compensations);
    if (last) return Finished(std::move(*w));
  }
  return Finish(done_status, base_error);  // unreachable: the last record finished the run
}

}  // namespace dynaflow::engine::internal
