// RunExecutor: loading, replaying recorded progress, the forward loop, and the ways a run
// leaves this worker (finish, release, sleep, loss). Steps: executor_steps.cc; failures,
// cancellation and compensation: executor_compensate.cc.
#include "dynaflow/engine/internal/run_executor.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <variant>

#include "dynaflow/engine/internal/error_text.h"
#include "dynaflow/engine/internal/phases.h"

namespace dynaflow::engine::internal {

namespace {
constexpr int kMaxPasses = 5;  // reloads after a write found its step recorded already
}  // namespace

std::optional<TimePoint> ParseWakeTime(const std::string& payload) {
  int64_t ms = 0;
  auto [p, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), ms);
  if (ec != std::errc() || p != payload.data() + payload.size()) return std::nullopt;
  return FromUnixMillis(ms);
}

const std::shared_ptr<const Value>& UnitValue() {
  static const auto* unit =
      new std::shared_ptr<const Value>(std::make_shared<const Value>(std::monostate{}));
  return *unit;
}

RunExecutor::RunExecutor(ExecutorEnv env, std::shared_ptr<const WorkflowDef> def,
                         std::shared_ptr<RunControl> control, Run run,
                         std::optional<std::string> input)
    : env_(std::move(env)),
      def_(std::move(def)),
      control_(std::move(control)),
      run_(std::move(run)),
      input_(std::move(input)) {
  shared_ = std::make_shared<RunShared>();
  shared_->run_id = run_.run_id;
  shared_->workflow_id = run_.workflow_id;
  shared_->workflow_version = run_.workflow_version;
  shared_->deadline = run_.deadline;
  shared_->def = def_;
  shared_->store = env_.store;
  shared_->control = control_;
  shared_->logger = env_.logger;
  shared_->clock = env_.clock;
}

ExecResult RunExecutor::Execute() {
  // Records exist only when someone held the run before the current claim (epoch > 1), or when a
  // run-level write said so (cursor_step); a first claim starts from the input alone.
  bool need_load = !run_.cursor_step.empty() || !input_.has_value() || run_.lease.epoch > 1;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    if (need_load || pass > 0) {
      Status s = Load();
      if (!s.ok()) {
        if (s.Is(StatusCode::kNotFound)) {
          env_.logger->warn("run {}: gone from the store ({})", run_.run_id, s.ToString());
          control_->MarkDone();
          return {ExecOutcome::kDropped, std::nullopt};
        }
        env_.logger->warn("run {}: cannot load its records: {}", run_.run_id, s.ToString());
        return Release(RunChange{});
      }
      // A step record found recorded already (pass > 0) may be another owner's: once the run
      // was claimed again or finished by someone else, it is not ours any more.
      if (run_.lease.epoch != control_->epoch() || (pass > 0 && IsTerminal(run_.status))) {
        return Interrupted(Stop::kLost, std::nullopt);
      }
      if (IsTerminal(run_.status)) return Finished(run_);
    }
    resync_ = false;
    ExecResult r = RunOnce();
    if (!resync_) return r;
    env_.logger->info("run {}: a step was recorded already; reloading", run_.run_id);
  }
  env_.logger->warn("run {}: records kept moving under this worker; handing it back", run_.run_id);
  return Release(RunChange{});
}

Status RunExecutor::Load() {
  Result<store::RunDetails> details = Status::Internal("not loaded");
  // Under the run's store retry budget (RunControl::kStoreRetries); the last error is kept.
  (void)control_->RetryTransient([&] {
    details = env_.store->LoadRun(run_.run_id, /*with_outputs=*/true);
    return details.status();
  });
  if (!details.ok()) return details.error();
  run_ = std::move(details->run);
  input_ = std::move(details->input);
  std::lock_guard<std::mutex> lock(mu_);
  recorded_.clear();
  values_.clear();
  for (auto& step : details->steps) recorded_[step.step_id] = std::move(step);
  {
    std::lock_guard<std::mutex> out_lock(shared_->outputs_mu);
    shared_->outputs.clear();
    for (auto& [id, payload] : details->outputs) shared_->outputs[id] = std::move(payload);
  }
  return Status::OK();
}

ExecResult RunExecutor::RunOnce() {
  const size_t n = def_->nodes.size();
  if (run_.cursor_step == kPhaseCopying) {
    return Finish(RunStatus::kFailed, "the retry that created this run stopped while copying");
  }
  if (def_->code) return RunCode();
  auto input = def_->input.decode(*input_);
  if (!input.ok()) return Finish(RunStatus::kFailed, "run input: " + input.error().ToString());
  node_inputs_.assign(n, nullptr);
  std::shared_ptr<const Value> flow = std::make_shared<const Value>(std::move(*input));

  // Replay what is recorded.
  size_t i = 0;
  for (; i < n; ++i) {
    node_inputs_[i] = flow;
    if (!NodeDone(i)) break;
    auto next = FlowAfter(i, flow);
    if (!next.ok()) return Finish(RunStatus::kFailed, next.error().ToString());
    flow = *next;
  }
  if (run_.status == RunStatus::kCompensating) return Compensate();

  for (; i < n; ++i) {
    node_inputs_[i] = flow;
    if (control_->lost()) return Interrupted(Stop::kLost, std::nullopt);
    if (control_->cancel_requested()) return Cancel();
    if (env_.stopping && env_.stopping->load()) return Interrupted(Stop::kWorkerStop, {});
    const Node& node = def_->nodes[i];
    if (run_.deadline && env_.clock->Now() >= *run_.deadline) {
      Attempts late;
      late.kind = Attempts::kFailed;
      late.error = Status::Timeout("run deadline passed");
      late.started_at = late.finished_at = env_.clock->Now();
      std::string name = node.kind == NodeKind::kSleep ? node.name : node.steps.front().name;
      return Fail({{name, late}});
    }
    NodeOutcome o = RunNode(i);
    switch (o.kind) {
      case NodeOutcome::kFinished:
        return Finished(*o.final_run);
      case NodeOutcome::kSlept:
        return {ExecOutcome::kSleeping, std::nullopt};
      case NodeOutcome::kFailed:
        return Fail(o.failures);
      case NodeOutcome::kInterrupted:
        return Interrupted(o.stop, o.sleep_until);
      case NodeOutcome::kDone:
        break;
    }
    auto next = FlowAfter(i, flow);
    if (!next.ok()) return Finish(RunStatus::kFailed, next.error().ToString());
    flow = *next;
  }
  // Every node is recorded but the run is not finished (a sleep was the last node).
  return Finish(RunStatus::kCompleted, "");
}

RunExecutor::NodeOutcome RunExecutor::RunNode(size_t i) {
  switch (def_->nodes[i].kind) {
    case NodeKind::kStep:
      return RunStepNode(i);
    case NodeKind::kParallel:
      return RunParallelNode(i);
    case NodeKind::kSleep:
      return RunSleepNode(i);
    case NodeKind::kAwaitEvent:
      return RunAwaitNode(i);
    case NodeKind::kChild:
      return RunChildNode(i);
  }
  return NodeOutcome{};  // unreachable: every kind is handled above
}

std::optional<StepStatus> RunExecutor::RecordedStatus(const std::string& step) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = recorded_.find(step);
  if (it == recorded_.end()) return std::nullopt;
  return it->second.status;
}

bool RunExecutor::IsRecorded(const std::string& step) const {
  return RecordedStatus(step).has_value();
}

bool RunExecutor::NodeDone(size_t i) const {
  const Node& node = def_->nodes[i];
  auto done = [&](const std::string& name) {
    auto st = RecordedStatus(name);
    return st == StepStatus::kCompleted || st == StepStatus::kSkipped;
  };
  switch (node.kind) {
    case NodeKind::kStep:
    case NodeKind::kParallel:
    case NodeKind::kAwaitEvent:
    case NodeKind::kChild:
      for (const auto& s : node.steps) {
        if (!done(s.name)) return false;
      }
      return true;
    case NodeKind::kSleep: {
      if (!done(node.name)) return false;
      std::lock_guard<std::mutex> lock(shared_->outputs_mu);
      auto it = shared_->outputs.find(node.name);
      if (it == shared_->outputs.end()) return true;
      auto wake = ParseWakeTime(it->second);
      return !wake || env_.clock->Now() >= *wake;
    }
  }
  return false;
}

Result<std::shared_ptr<const Value>> RunExecutor::OutputValue(const StepDef& s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = values_.find(s.name);
    if (it != values_.end()) return it->second;
  }
  std::string payload;
  {
    std::lock_guard<std::mutex> lock(shared_->outputs_mu);
    auto it = shared_->outputs.find(s.name);
    if (it == shared_->outputs.end()) {
      return Status::Internal("step \"" + s.name + "\" is recorded without its output");
    }
    payload = it->second;
  }
  auto v = s.out.decode(payload);
  if (!v.ok()) return v.error().WithContext("recorded output of step \"" + s.name + "\"");
  auto value = std::make_shared<const Value>(std::move(*v));
  std::lock_guard<std::mutex> lock(mu_);
  values_[s.name] = value;
  return value;
}

Result<std::shared_ptr<const Value>> RunExecutor::FlowAfter(size_t i,
                                                            std::shared_ptr<const Value> flow) {
  const Node& node = def_->nodes[i];
  switch (node.kind) {
    case NodeKind::kSleep:
      return flow;
    case NodeKind::kAwaitEvent:
    case NodeKind::kChild:
      return OutputValue(node.steps.front());
    case NodeKind::kStep: {
      if (node.out_type == typeid(std::monostate)) return UnitValue();
      const StepDef& s = node.steps.front();
      if (RecordedStatus(s.name) != StepStatus::kCompleted) return flow;  // SKIPPED
      return OutputValue(s);
    }
    case NodeKind::kParallel: {
      std::vector<Value> values;
      for (const auto& s : node.steps) {
        if (RecordedStatus(s.name) != StepStatus::kCompleted) continue;
        DYNAFLOW_ASSIGN_OR_RETURN(auto v, OutputValue(s));
        values.push_back(*v);
      }
      return std::make_shared<const Value>(node.join(std::move(values)));
    }
  }
  return flow;
}

std::optional<std::string> RunExecutor::ResultPayload() const {
  const Node& last = def_->nodes.back();
  if (last.kind == NodeKind::kSleep || last.kind == NodeKind::kParallel) return std::nullopt;
  std::lock_guard<std::mutex> lock(shared_->outputs_mu);
  auto it = shared_->outputs.find(last.steps.front().name);
  if (it == shared_->outputs.end() || it->second.size() > env_.inline_result_max_bytes) {
    return std::nullopt;
  }
  return it->second;
}

ExecResult RunExecutor::Finished(Run run) {
  control_->MarkDone();
  if (Counters::C* finished = env_.counters->RunsFinishedAs(run.status)) Counters::Inc(*finished);
  env_.logger->info("run {} ({} v{}) finished {}{}{}", run.run_id, run.workflow_id,
                    run.workflow_version, RunStatusName(run.status), run.error.empty() ? "" : ": ",
                    run.error);
  return {ExecOutcome::kFinished, std::move(run)};
}

ExecResult RunExecutor::Finish(RunStatus status, const std::string& error) {
  RunFinish finish;
  finish.status = status;
  finish.error = RecordableError(error, kMaxRunErrorBytes);  // may quote user codecs' errors
  if (status == RunStatus::kCompleted) finish.result = ResultPayload();
  auto w = control_->Write([&](const store::Fence& f) { return env_.store->FinishRun(f, finish); });
  if (!w.ok()) return Interrupted(StopFor(w.error()), std::nullopt);
  return Finished(std::move(*w));
}

ExecResult RunExecutor::Release(RunChange change) {
  if (!change.status) {
    change.status =
        run_.status == RunStatus::kCompensating ? RunStatus::kCompensating : RunStatus::kPending;
  }
  if (!change.due_at) change.due_at = env_.clock->Now();
  Status s = control_->WriteStatus(
      [&](const store::Fence& f) { return env_.store->ReleaseRun(f, change); });
  if (!s.ok()) {
    if (s.Is(StatusCode::kFenced)) return Interrupted(Stop::kLost, std::nullopt);
    env_.logger->warn("run {}: could not hand it back ({}); its lease will expire", run_.run_id,
                      s.ToString());
    control_->MarkDone();
    return {ExecOutcome::kDropped, std::nullopt};
  }
  control_->MarkDone();
  if (change.status == RunStatus::kSleeping) {
    Counters::Inc(env_.counters->runs_slept);
    env_.logger->debug("run {}: sleeping until {} ms", run_.run_id, ToUnixMillis(*change.due_at));
    return {ExecOutcome::kSleeping, std::nullopt};
  }
  Counters::Inc(env_.counters->runs_released);
  env_.logger->debug("run {}: handed back", run_.run_id);
  return {ExecOutcome::kReleased, std::nullopt};
}

ExecResult RunExecutor::Interrupted(Stop stop, std::optional<TimePoint> sleep_until) {
  switch (stop) {
    case Stop::kLost:
      if (control_->abandoned()) {  // Worker::Stop handed the run back past its grace
        env_.logger->debug("run {}: abandoned at worker shutdown", run_.run_id);
        return {ExecOutcome::kLost, std::nullopt};
      }
      Counters::Inc(env_.counters->leases_lost);
      control_->MarkDone();
      env_.logger->warn("run {}: no longer held by this worker ({}); dropping it", run_.run_id,
                        lost_because_.empty() ? "its lease moved on" : lost_because_);
      return {ExecOutcome::kLost, std::nullopt};
    case Stop::kCancel:
      return Cancel();
    case Stop::kSleep: {
      RunChange change;
      change.status = RunStatus::kSleeping;
      change.due_at = sleep_until;
      if (run_.deadline && sleep_until && *run_.deadline < *sleep_until) {
        change.due_at = run_.deadline;  // wake at the deadline to fail the run then
      }
      return Release(change);
    }
    case Stop::kResync:
      resync_ = true;
      return {ExecOutcome::kDropped, std::nullopt};
    case Stop::kStoreError:
      control_->MarkDone();
      env_.logger->warn("run {}: the store keeps failing; leaving it for its lease to expire",
                        run_.run_id);
      return {ExecOutcome::kDropped, std::nullopt};
    case Stop::kWorkerStop:
    case Stop::kNone:
      break;
  }
  return Release(RunChange{});
}

}  // namespace dynaflow::engine::internal
