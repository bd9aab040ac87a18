// RunExecutor: executing nodes — one step, a durable sleep — with retries, attempt timeouts,
// and recording of their outcomes. Parallel groups: executor_parallel.cc.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <thread>
#include <variant>

#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/internal/run_executor.h"
#include "dynaflow/engine/step_context.h"

namespace dynaflow::engine::internal {

std::shared_ptr<const Value> RunExecutor::InputFor(std::type_index in_type, size_t node) const {
  const auto& flow = node_inputs_[node];
  if (in_type == typeid(std::monostate) && flow->type() != typeid(std::monostate)) {
    return UnitValue();
  }
  return flow;
}

RunExecutor::Stop RunExecutor::StopFor(const Status& write_error) {
  if (IsLoss(write_error)) {
    lost_because_ = write_error.ToString();
    return Stop::kLost;
  }
  switch (write_error.code()) {
    case StatusCode::kAlreadyExists:
      return Stop::kResync;
    default:
      env_.logger->warn("run {}: store write failed: {}", run_.run_id, write_error.ToString());
      return Stop::kStoreError;
  }
}

Result<Value> RunExecutor::RunOneAttempt(const std::shared_ptr<AttemptShared>& attempt,
                                         std::optional<Duration> timeout,
                                         const std::function<Result<Value>(StepContext&)>& body) {
  auto ctx = std::make_shared<StepContext>(shared_, attempt);
  auto call = [ctx, body]() -> Result<Value> {
    try {
      return body(*ctx);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("step threw an exception: ") + e.what());
    } catch (...) {
      return Status::Internal("step threw a non-standard exception");
    }
  };
  if (!timeout) return call();
  if (timeout->count() <= 0) {
    attempt->timed_out.store(true);
    return Status::Timeout("no time left for the attempt");
  }
  struct Box {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<Value>> result;
  };
  auto box = std::make_shared<Box>();
  auto exit = std::make_shared<ThreadExit>();
  std::thread thread = StartTrackedThread(exit, [box, call] {
    Result<Value> r = call();
    {
      std::lock_guard<std::mutex> lock(box->mu);
      box->result.emplace(std::move(r));
    }
    box->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(box->mu);
  if (box->cv.wait_for(lock, *timeout, [&] { return box->result.has_value(); })) {
    Result<Value> r = std::move(*box->result);
    lock.unlock();
    thread.join();
    return r;
  }
  lock.unlock();
  attempt->timed_out.store(true);
  env_.abandoned->Add(std::move(thread), exit);
  return Status::Timeout(fmt::format("attempt {} of \"{}\" timed out after {} ms", attempt->attempt,
                                     attempt->step_name, timeout->count()));
}

RunExecutor::Attempts RunExecutor::RunAttempts(
    const std::string& step_id, const RetryPolicy& policy, std::optional<Duration> attempt_timeout,
    bool compensation, const std::atomic<bool>* abort,
    const std::function<Result<Value>(StepContext&)>& body) {
  Attempts out;
  out.started_at = env_.clock->Now();
  const int max_attempts = std::max(1, policy.max_attempts);
  auto interrupted = [&](Stop stop) {
    out.kind = Attempts::kInterrupted;
    out.stop = stop;
    out.finished_at = env_.clock->Now();
    return out;
  };
  for (int attempt = 1;; ++attempt) {
    if (control_->lost()) return interrupted(Stop::kLost);
    if (!compensation && control_->cancel_requested()) return interrupted(Stop::kCancel);
    std::optional<Duration> limit = attempt_timeout;
    if (!compensation && run_.deadline) {
      auto left = std::chrono::duration_cast<Duration>(*run_.deadline - env_.clock->Now());
      if (left.count() <= 0) {
        out.kind = Attempts::kFailed;
        out.error = Status::Timeout("run deadline passed");
        out.finished_at = env_.clock->Now();
        return out;
      }
      limit = limit ? std::min(*limit, left) : left;
    }
    Counters::Inc(env_.counters->step_attempts);
    if (attempt > 1) Counters::Inc(env_.counters->retries);
    auto shared = std::make_shared<AttemptShared>();
    shared->step_name = step_id;
    shared->attempt = attempt;
    auto t0 = std::chrono::steady_clock::now();
    Result<Value> r = RunOneAttempt(shared, limit, body);
    env_.counters->step_latency.Record(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    if (control_->abandoned()) {
      // Worker::Stop gave the run up while this attempt ran: discard its result, and touch
      // nothing the engine's user owns (the clock) on the way out.
      out.kind = Attempts::kInterrupted;
      out.stop = Stop::kLost;
      out.attempts = attempt;
      return out;
    }
    out.attempts = attempt;
    out.finished_at = env_.clock->Now();
    std::optional<TimePoint> sleep;
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      sleep = shared->sleep_until;
    }
    if (sleep && !compensation) {
      out.kind = Attempts::kInterrupted;
      out.stop = Stop::kSleep;
      out.sleep_until = sleep;
      return out;
    }
    if (control_->lost()) return interrupted(Stop::kLost);
    if (r.ok() && !sleep) {
      out.kind = Attempts::kOk;
      out.value = std::make_shared<const Value>(std::move(r).value());
      return out;
    }
    if (!compensation && control_->cancel_requested()) return interrupted(Stop::kCancel);
    out.error = r.ok() ? Status::InvalidArgument("a compensation cannot sleep") : r.error();
    bool aborted = abort != nullptr && abort->load();
    if (!policy.IsRetryable(out.error) || attempt >= max_attempts || aborted) {
      out.kind = Attempts::kFailed;
      return out;
    }
    Duration wait = policy.Backoff(attempt + 1, env_.random->Uniform01());
    env_.logger->debug("run {} step {}: attempt {} failed ({}); retrying in {} ms", run_.run_id,
                       step_id, attempt, out.error.ToString(), wait.count());
    if (env_.clock == Clock::Real()) {
      control_->WaitFor(wait, env_.stopping);
    } else {
      env_.clock->SleepFor(wait);
    }
    if (env_.stopping && env_.stopping->load()) return interrupted(Stop::kWorkerStop);
  }
}

RunExecutor::Attempts RunExecutor::AttemptStep(size_t i, size_t b, const std::atomic<bool>* abort) {
  const StepDef* s = &def_->nodes[i].steps[b];
  std::shared_ptr<const Value> in = InputFor(s->in.type, i);
  if (s->when) {
    auto shared = std::make_shared<AttemptShared>();
    shared->step_name = s->name;
    StepContext ctx(shared_, shared);
    Result<bool> run = Status::Internal("condition not evaluated");
    try {
      run = s->when(ctx, *in);
    } catch (const std::exception& e) {
      run = Status::Internal(std::string("condition threw an exception: ") + e.what());
    } catch (...) {
      run = Status::Internal("condition threw a non-standard exception");
    }
    Attempts a;
    a.started_at = a.finished_at = env_.clock->Now();
    if (!run.ok()) {
      a.kind = Attempts::kFailed;
      a.error = run.error().WithContext("condition");
      return a;
    }
    if (!*run) {
      a.kind = Attempts::kSkipped;
      return a;
    }
  }
  auto body = [s, in](StepContext& ctx) { return s->run(ctx, *in); };
  return RunAttempts(s->name, s->options.retry, s->options.attempt_timeout,
                     /*compensation=*/false, abort, body);
}

Result<Run> RunExecutor::WriteStep(const StepRecord& rec, const std::optional<RunFinish>& finish) {
  if (finish) {
    return control_->Write(
        [&](const store::Fence& f) { return env_.store->RecordStepAndFinish(f, rec, *finish); });
  }
  // No run change: the store records the step with one put of the step item alone.
  return control_->Write(
      [&](const store::Fence& f) { return env_.store->RecordStep(f, rec, RunChange{}); });
}

RunExecutor::NodeOutcome RunExecutor::Record(const StepDef& s, const Attempts& a, bool last,
                                             const std::string& event_id) {
  NodeOutcome o;
  StepRecord rec;
  rec.step_id = s.name;
  rec.event_id = event_id;
  rec.status = a.kind == Attempts::kOk ? StepStatus::kCompleted : StepStatus::kSkipped;
  rec.attempt = std::max(1, a.attempts);
  rec.started_at = a.started_at;
  rec.finished_at = a.finished_at;
  std::string payload;
  if (a.kind == Attempts::kOk) {
    try {
      payload = s.out.encode(*a.value);
    } catch (const std::exception& e) {
      Attempts failed = a;
      failed.kind = Attempts::kFailed;
      failed.error = Status::Serialization(std::string("encoding the output threw: ") + e.what());
      o.kind = NodeOutcome::kFailed;
      o.failures.push_back({s.name, failed});
      return o;
    }
    rec.output = payload;
  }
  std::optional<RunFinish> finish;
  if (last) {
    finish.emplace();
    finish->status = RunStatus::kCompleted;
    if (a.kind == Attempts::kOk && payload.size() <= env_.inline_result_max_bytes) {
      finish->result = payload;
    }
  }
  Result<Run> w = WriteStep(rec, finish);
  if (!w.ok()) {
    const Status& e = w.error();
    if (e.Is(StatusCode::kLimitExceeded) || e.Is(StatusCode::kInvalidArgument)) {
      Attempts failed = a;
      failed.kind = Attempts::kFailed;
      failed.error = e.WithContext("recording the output");
      o.kind = NodeOutcome::kFailed;
      o.failures.push_back({s.name, failed});
      return o;
    }
    o.kind = NodeOutcome::kInterrupted;
    o.stop = StopFor(e);
    return o;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    recorded_[s.name] = store::ExecutionOf(run_.run_id, rec);
    if (a.kind == Attempts::kOk) values_[s.name] = a.value;
  }
  if (a.kind == Attempts::kOk) {
    shared_->SetOutput(s.name, std::move(payload));
    Counters::Inc(env_.counters->steps_completed);
  } else {
    Counters::Inc(env_.counters->steps_skipped);
  }
  if (last) {
    o.kind = NodeOutcome::kFinished;
    o.final_run = std::move(*w);
  }
  return o;
}

RunExecutor::NodeOutcome RunExecutor::RunStepNode(size_t i) {
  const StepDef& s = def_->nodes[i].steps.front();
  NodeOutcome o;
  if (RecordedStatus(s.name) == StepStatus::kFailed) {
    Attempts a;
    a.kind = Attempts::kFailed;
    a.already_recorded = true;
    std::lock_guard<std::mutex> lock(mu_);
    a.error = Status::Internal(recorded_[s.name].error);
    o.kind = NodeOutcome::kFailed;
    o.failures.push_back({s.name, a});
    return o;
  }
  Attempts a = AttemptStep(i, 0, nullptr);
  switch (a.kind) {
    case Attempts::kOk:
    case Attempts::kSkipped:
      return Record(s, a, i + 1 == def_->nodes.size());
    case Attempts::kFailed:
      o.kind = NodeOutcome::kFailed;
      o.failures.push_back({s.name, a});
      return o;
    case Attempts::kInterrupted:
      o.kind = NodeOutcome::kInterrupted;
      o.stop = a.stop;
      o.sleep_until = a.sleep_until;
      return o;
  }
  return o;
}

RunExecutor::NodeOutcome RunExecutor::RunSleepNode(size_t i) {
  const Node& node = def_->nodes[i];
  NodeOutcome o;
  TimePoint now = env_.clock->Now();
  if (IsRecorded(node.name)) {  // recorded, wake time not reached (NodeDone said so)
    std::string payload;
    {
      std::lock_guard<std::mutex> lock(shared_->outputs_mu);
      payload = shared_->outputs[node.name];
    }
    o.kind = NodeOutcome::kInterrupted;
    o.stop = Stop::kSleep;
    o.sleep_until = ParseWakeTime(payload).value_or(now);
    return o;
  }
  TimePoint wake = now + node.sleep_for;
  if (node.wake_at) {
    auto shared = std::make_shared<AttemptShared>();
    shared->step_name = node.name;
    StepContext ctx(shared_, shared);
    Result<TimePoint> r = Status::Internal("wake time not computed");
    try {
      r = node.wake_at(ctx, *InputFor(node.sleep_in_type, i));
    } catch (const std::exception& e) {
      r = Status::Internal(std::string("wake-time function threw: ") + e.what());
    } catch (...) {
      r = Status::Internal("wake-time function threw a non-standard exception");
    }
    if (!r.ok()) {
      Attempts a;
      a.kind = Attempts::kFailed;
      a.error = r.error();
      a.started_at = a.finished_at = now;
      o.kind = NodeOutcome::kFailed;
      o.failures.push_back({node.name, a});
      return o;
    }
    wake = *r;
  }
  std::string payload = std::to_string(ToUnixMillis(wake));
  if (wake <= now) {  // nothing to wait for: an ordinary record
    StepDef as_step;
    as_step.name = node.name;
    as_step.out.encode = [payload](const Value&) { return payload; };
    Attempts a;
    a.kind = Attempts::kOk;
    a.value = UnitValue();
    a.attempts = 1;
    a.started_at = a.finished_at = now;
    return Record(as_step, a, i + 1 == def_->nodes.size());
  }
  StepRecord rec;
  rec.step_id = node.name;
  rec.status = StepStatus::kCompleted;
  rec.attempt = 1;
  rec.started_at = rec.finished_at = now;
  rec.output = payload;
  const RunChange change = SleepChange(wake, node.name);
  if (!WriteSleep([&](const store::Fence& f) { return env_.store->RecordStep(f, rec, change); },
                  o)) {
    return o;
  }
  env_.logger->debug("run {}: asleep at \"{}\" until {} ms", run_.run_id, node.name,
                     ToUnixMillis(wake));
  o.kind = NodeOutcome::kSlept;
  return o;
}

}  // namespace dynaflow::engine::internal
