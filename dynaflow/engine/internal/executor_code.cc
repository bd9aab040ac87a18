// RunExecutor: a code workflow's run. Calls the function with a WorkflowContext over CodeRun
// (dynaflow/engine/internal/code_run.h) and turns how it ended into the run's next state with the
// same writes as a builder run: the deferred last record and the finish in one write, failures
// through compensation (Compensate), waits through Interrupted / Park.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dynaflow/engine/internal/code_run.h"
#include "dynaflow/engine/internal/error_text.h"
#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/internal/run_executor.h"
#include "dynaflow/engine/workflow_context.h"

namespace dynaflow::engine::internal {

namespace {
// Tags linking a continued run and its successor.
constexpr char kContinuedFromTag[] = "dynaflow.continued_from";
constexpr char kContinuedAsStep[] = "@continued-as";

// The successor's run id: "<base>~<n+1>" for a run "<base>~<n>", else "<run>~1".
std::string SuccessorId(const std::string& run_id) {
  size_t tilde = run_id.rfind('~');
  if (tilde != std::string::npos && tilde + 1 < run_id.size()) {
    int64_t n = 0;
    bool digits = true;
    for (size_t i = tilde + 1; i < run_id.size(); ++i) {
      if (run_id[i] < '0' || run_id[i] > '9') digits = false;
    }
    if (digits) {
      n = std::stoll(run_id.substr(tilde + 1));
      return run_id.substr(0, tilde) + "~" + std::to_string(n + 1);
    }
  }
  return run_id + "~1";
}
}  // namespace

ExecResult RunExecutor::RunCode() {
  auto input = def_->input.decode(*input_);
  if (!input.ok()) return Finish(RunStatus::kFailed, "run input: " + input.error().ToString());
  code_compensations_.clear();
  std::map<std::string, StepExecution> records;
  {
    std::lock_guard<std::mutex> lock(mu_);
    records = recorded_;
  }
  std::map<std::string, std::string> outputs;
  {
    std::lock_guard<std::mutex> lock(shared_->outputs_mu);
    for (const auto& [id, payload] : shared_->outputs) outputs.emplace(id, payload);
  }
  const bool compensating = run_.status == RunStatus::kCompensating;
  CodeRun run(this, *def_, run_.run_id, std::move(records), std::move(outputs), compensating);
  WorkflowContext ctx(&run);
  Result<Value> returned = Status::Internal("the workflow function did not return");
  try {
    returned = def_->code(ctx, *input);
  } catch (const std::exception& e) {
    returned = Status::Internal(std::string("the workflow function threw: ") + e.what());
  } catch (...) {
    returned = Status::Internal("the workflow function threw a non-standard exception");
  }
  if (compensating) return Compensate();  // replayed to register the compensations
  return CodeOutcome(run, std::move(returned));
}

ExecResult RunExecutor::CodeOutcome(CodeRun& run, Result<Value> returned) {
  using Why = CodeRun::Why;
  // A failed write of the deferred record: the run fails (the record cannot be written) or
  // stops here (the store or the lease).
  auto flush_failed = [&](const Status& e) {
    if (e.Is(StatusCode::kLimitExceeded) || e.Is(StatusCode::kInvalidArgument)) {
      return CodeFail(run, e.ToString());
    }
    return Interrupted(StopFor(e), std::nullopt);
  };
  if (!run.stopped()) {
    Status end = run.CheckEnd();
    if (!end.ok()) returned = end;
  }
  switch (run.why()) {
    case Why::kParked:
      return {ExecOutcome::kSleeping, std::nullopt};
    case Why::kSleep:
      if (Status s = run.Flush(); !s.ok()) return flush_failed(s);
      return Interrupted(Stop::kSleep, run.wake());
    case Why::kExec:
      if (run.exec_stop() == Stop::kWorkerStop || run.exec_stop() == Stop::kCancel) {
        (void)run.Flush();  // keep the progress made (a step to compensate, say)
      }
      return Interrupted(run.exec_stop(), std::nullopt);
    case Why::kNonDeterminism:
      env_.logger->error("{}", run.error().message());
      if (Status s = run.Flush(); !s.ok()) return flush_failed(s);
      return Finish(RunStatus::kFailed, run.error().message());
    case Why::kFatal:
      return CodeFail(run, run.error().ToString());
    case Why::kReplayEnd:  // only in replay-only mode, which RunCode handles
      return Finish(RunStatus::kFailed, "the workflow function stopped replaying unexpectedly");
    case Why::kContinue:
      return ContinueAsNew(run);
    case Why::kNone:
      break;
  }
  if (!returned.ok()) return CodeFail(run, returned.error().ToString());
  return CodeComplete(run, *returned);
}

ExecResult RunExecutor::CodeComplete(CodeRun& run, const Value& result) {
  std::string payload;
  try {
    payload = def_->output.encode(result);
  } catch (const std::exception& e) {
    return CodeFail(run, std::string("Serialization: encoding the result threw: ") + e.what());
  }
  RunFinish finish;
  finish.status = RunStatus::kCompleted;
  std::optional<StepRecord> last;
  if (payload.size() <= env_.inline_result_max_bytes) {
    finish.result = payload;
    last = run.TakePending();
  } else {  // too large for the run item: a record of its own, written with the finish
    if (Status s = run.Flush(); !s.ok()) {
      if (s.Is(StatusCode::kLimitExceeded) || s.Is(StatusCode::kInvalidArgument)) {
        return CodeFail(run, s.ToString());
      }
      return Interrupted(StopFor(s), std::nullopt);
    }
    last.emplace();
    last->step_id = kCodeResultStep;
    last->status = StepStatus::kCompleted;
    last->started_at = last->finished_at = env_.clock->Now();
    last->output = std::move(payload);
  }
  Result<Run> w = Status::Internal("not written");
  if (last) {
    w = WriteStep(*last, finish);
  } else {
    w = control_->Write([&](const store::Fence& f) { return env_.store->FinishRun(f, finish); });
  }
  if (!w.ok()) {
    const Status& e = w.error();
    if (last && (e.Is(StatusCode::kLimitExceeded) || e.Is(StatusCode::kInvalidArgument))) {
      return CodeFail(run, e.WithContext("recording \"" + last->step_id + "\"").ToString());
    }
    return Interrupted(StopFor(e), std::nullopt);
  }
  if (last) run.Written(*last);
  return Finished(std::move(*w));
}

ExecResult RunExecutor::CodeFail(CodeRun& run, const std::string& returned_error) {
  const std::string error =
      RecordableError("the workflow returned " + returned_error, kMaxRunErrorBytes);
  env_.logger->warn("run {}: {}", run_.run_id, error);
  std::optional<StepRecord> pending = run.TakePending();
  const bool compensate = !PendingCompensations().empty();
  Result<Run> w = Status::Internal("not written");
  if (compensate) {
    RunChange change;
    change.status = RunStatus::kCompensating;
    change.error = error;
    change.cursor_step = kPhaseCompensateFailure;
    w = control_->Write([&](const store::Fence& f) {
      return pending ? env_.store->RecordStep(f, *pending, change)
                     : env_.store->UpdateRun(f, change);
    });
  } else {
    RunFinish finish;
    finish.status = RunStatus::kFailed;
    finish.error = error;
    w = pending ? WriteStep(*pending, finish) : control_->Write([&](const store::Fence& f) {
      return env_.store->FinishRun(f, finish);
    });
  }
  if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
  if (pending) run.Written(*pending);
  if (!compensate) return Finished(std::move(*w));
  run_.status = RunStatus::kCompensating;
  run_.error = error;
  run_.cursor_step = kPhaseCompensateFailure;
  return Compensate();
}

ExecResult RunExecutor::ContinueAsNew(CodeRun& run) {
  if (Status s = run.Flush(); !s.ok()) return Interrupted(StopFor(s), std::nullopt);
  store::NewRun next;
  next.run_id = SuccessorId(run_.run_id);
  next.workflow_id = run_.workflow_id;
  next.workflow_version = run_.workflow_version;
  next.input = run.continue_input();
  next.tags[kContinuedFromTag] = run_.run_id;
  next.retention = std::chrono::seconds(run_.retention_seconds);
  Result<Run> created = Status::Internal("not created");
  (void)control_->RetryTransient([&] {
    created = env_.store->CreateRun(next);
    return created.status();
  });
  if (!created.ok() && !created.error().Is(StatusCode::kAlreadyExists)) {
    if (created.error().Is(StatusCode::kInvalidArgument) ||
        created.error().Is(StatusCode::kLimitExceeded)) {
      return CodeFail(run, created.error().WithContext("continuing as new").ToString());
    }
    env_.logger->warn("run {}: starting its successor failed: {}", run_.run_id,
                      created.error().ToString());
    return Release(RunChange{});
  }
  if (env_.nudge) env_.nudge();
  StepRecord link;
  link.step_id = kContinuedAsStep;
  link.status = StepStatus::kCompleted;
  link.started_at = link.finished_at = env_.clock->Now();
  link.output = next.run_id;
  RunFinish finish;
  finish.status = RunStatus::kCompleted;
  Result<Run> w = WriteStep(link, finish);
  if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
  run.Written(link);
  env_.logger->info("run {}: continued as {}", run_.run_id, next.run_id);
  return Finished(std::move(*w));
}

}  // namespace dynaflow::engine::internal
