// CodeRun: the calls that wait without holding a thread or a lease -- sleep, await event,
// child run. Each parks the run through the executor (RunExecutor::Park / WriteSleep) exactly
// as the builder's nodes do; the resumed run replays the function up to the call again.
#include <fmt/format.h>

#include "dynaflow/engine/internal/code_run.h"
#include "dynaflow/engine/internal/phases.h"

namespace dynaflow::engine::internal {

namespace {
constexpr Duration kChildRecheck = std::chrono::seconds(60);
}  // namespace

void CodeRun::ParkAt(const std::string& id, TimePoint due, const std::string& waiting_for,
                     const std::string& cursor, const std::function<bool()>& ready) {
  RunExecutor::NodeOutcome o = ex_->Park(id, due, waiting_for, cursor, ready);
  if (o.kind == RunExecutor::NodeOutcome::kSlept) {
    Stop(Why::kParked, Status::Cancelled("run suspended: run " + run_id_ + " waits at \"" + id +
                                         "\" for " + waiting_for));
  } else {
    StopExec(o.stop);
  }
}

Status CodeRun::Sleep(const std::string& name, std::optional<Duration> duration,
                      std::optional<TimePoint> wake) {
  if (stopped()) return stop_status_;
  DYNAFLOW_ASSIGN_OR_RETURN(std::string id, NextId(name));
  const int64_t pos = next_pos_++;
  switch (MatchAt(pos, id, "sleep")) {
    case Match::kMismatch:
      return stop_status_;
    case Match::kRecorded: {
      if (ex_ == nullptr) return Status::OK();  // CheckReplay: a recorded sleep is over
      std::string payload;
      {
        std::lock_guard<std::mutex> lock(mu_);
        payload = outputs_[id];
      }
      TimePoint until = ParseWakeTime(payload).value_or(TimePoint{});
      if (ex_->env_.clock->Now() >= until) return Status::OK();
      if (!replay_only_ && (ex_->control_->cancel_requested() || ex_->control_->lost())) {
        StopExec(ex_->control_->lost() ? RunExecutor::Stop::kLost : RunExecutor::Stop::kCancel);
      } else if (!replay_only_ && DeadlinePassed()) {
        // stopped: the run fails
      } else if (replay_only_) {
        Stop(Why::kReplayEnd, Status::Cancelled("run suspended: replay ended at a sleep"));
      } else {
        wake_ = until;
        Stop(Why::kSleep,
             Status::Cancelled("run suspended: run " + run_id_ + " sleeps at \"" + id + "\""));
      }
      return stop_status_;
    }
    case Match::kNew:
      break;
  }
  if (!BeginNew()) return stop_status_;
  const TimePoint now = ex_->env_.clock->Now();
  const TimePoint until = wake ? *wake : now + duration.value_or(Duration(0));
  StepRecord rec;
  rec.step_id = id;
  rec.position = pos;
  rec.kind = "sleep";
  rec.status = StepStatus::kCompleted;
  rec.started_at = rec.finished_at = now;
  rec.output = std::to_string(ToUnixMillis(until));
  {
    std::lock_guard<std::mutex> lock(mu_);
    outputs_[id] = *rec.output;
  }
  if (until <= now) {  // nothing to wait for: an ordinary record
    Defer(std::move(rec));
    return Status::OK();
  }
  Note(rec);
  const store::RunChange change = ex_->SleepChange(until, id);
  RunExecutor::NodeOutcome o;
  if (!ex_->WriteSleep(
          [&](const store::Fence& f) { return ex_->env_.store->RecordStep(f, rec, change); }, o)) {
    StopExec(o.stop);
    return stop_status_;
  }
  Written(rec);
  Stop(Why::kParked, Status::Cancelled("run suspended: run " + run_id_ + " sleeps at \"" + id +
                                       "\" until " + std::to_string(ToUnixMillis(until)) + " ms"));
  return stop_status_;
}

Result<Value> CodeRun::AwaitEvent(const std::string& name, const std::string& event_name,
                                  Duration timeout, const TypeCodec& codec) {
  if (stopped()) return stop_status_;
  DYNAFLOW_ASSIGN_OR_RETURN(std::string id, NextId(name));
  const int64_t pos = next_pos_++;
  switch (MatchAt(pos, id, "event")) {
    case Match::kMismatch:
      return stop_status_;
    case Match::kRecorded: {
      {
        std::lock_guard<std::mutex> lock(mu_);
        const std::string& event_id = records_.at(id).event_id;
        if (!event_id.empty()) consumed_[event_name].insert(event_id);
      }
      return Replayed(id, codec);
    }
    case Match::kNew:
      break;
  }
  if (!BeginNew()) return stop_status_;
  const TimePoint now = ex_->env_.clock->Now();
  const TimePoint until = ParseAwaitCursor(ex_->run_.cursor_step, id).value_or(now + timeout);
  std::set<std::string>& consumed = consumed_[event_name];
  auto next_event = [&]() -> Result<std::optional<store::Event>> {
    DYNAFLOW_ASSIGN_OR_RETURN(auto events, ex_->env_.store->ListEvents(run_id_, event_name));
    for (auto& e : events) {
      if (!consumed.count(e.event_id)) return std::optional<store::Event>(std::move(e));
    }
    return std::optional<store::Event>();
  };
  StepRecord rec;
  rec.step_id = id;
  rec.position = pos;
  rec.kind = "event";
  rec.started_at = now;
  auto fail = [&](const Status& error) -> Result<Value> {
    rec.status = StepStatus::kFailed;
    rec.error = error.ToString();
    rec.finished_at = ex_->env_.clock->Now();
    Defer(rec);
    return ParseRecordedError(rec.error);
  };
  auto event = next_event();
  if (!event.ok()) {
    StopExec(IsTransient(event.error()) ? RunExecutor::Stop::kWorkerStop
                                        : RunExecutor::Stop::kStoreError);
    return stop_status_;
  }
  if (*event) {
    auto value = codec.decode((*event)->payload);
    if (!value.ok()) {
      return fail(value.error().WithContext("payload of event \"" + event_name + "\" (" +
                                            (*event)->event_id + ")"));
    }
    consumed.insert((*event)->event_id);
    rec.status = StepStatus::kCompleted;
    rec.output = (*event)->payload;
    rec.event_id = (*event)->event_id;
    rec.finished_at = ex_->env_.clock->Now();
    Defer(std::move(rec));
    return std::move(*value);
  }
  if (now >= until) {
    Counters::Inc(ex_->env_.counters->wait_timeouts);
    return fail(Status::Timeout(
        fmt::format("no event \"{}\" arrived by {} ms", event_name, ToUnixMillis(until))));
  }
  ParkAt(id, until, store::EventWaitKey(event_name), AwaitCursor(id, until), [&] {
    auto again = next_event();
    return again.ok() && again->has_value();
  });
  return stop_status_;
}

Result<Value> CodeRun::Child(const std::string& name, const Workflow& child_workflow,
                             std::string input) {
  if (stopped()) return stop_status_;
  std::shared_ptr<const WorkflowDef> child = DefinitionOf(child_workflow);
  DYNAFLOW_ASSIGN_OR_RETURN(std::string id, NextId(name));
  const TypeCodec& codec = child->code ? child->output : child->nodes.back().steps.front().out;
  const int64_t pos = next_pos_++;
  switch (MatchAt(pos, id, "child")) {
    case Match::kMismatch:
      return stop_status_;
    case Match::kRecorded:
      return Replayed(id, codec);
    case Match::kNew:
      break;
  }
  if (!BeginNew()) return stop_status_;
  const std::string child_id = ChildRunId(run_id_, id);
  auto run = ex_->env_.store->GetRun(child_id);
  if (!run.ok() && run.error().Is(StatusCode::kNotFound)) {
    run = ex_->CreateChild(*child, child_id, id, std::move(input));
  }
  if (!run.ok()) {
    const Status& e = run.error();
    if (e.Is(StatusCode::kInvalidArgument) || e.Is(StatusCode::kLimitExceeded)) {
      StepRecord rec;
      rec.step_id = id;
      rec.position = pos;
      rec.kind = "child";
      rec.status = StepStatus::kFailed;
      rec.error = e.WithContext("starting child " + child_id).ToString();
      rec.started_at = rec.finished_at = ex_->env_.clock->Now();
      Defer(rec);
      return ParseRecordedError(rec.error);
    }
    StopExec(IsTransient(e) ? RunExecutor::Stop::kWorkerStop : RunExecutor::Stop::kStoreError);
    return stop_status_;
  }
  if (IsTerminal(run->status)) return ChildEnded(id, pos, *child, *run, codec);
  const TimePoint now = ex_->env_.clock->Now();
  ParkAt(id, now + kChildRecheck, store::ChildWaitKey(child_id), id, [&] {
    auto again = ex_->env_.store->GetRun(child_id);
    return again.ok() && IsTerminal(again->status);
  });
  return stop_status_;
}

Result<Value> CodeRun::ChildEnded(const std::string& id, int64_t pos, const WorkflowDef& child,
                                  const Run& run, const TypeCodec& codec) {
  StepRecord rec;
  rec.step_id = id;
  rec.position = pos;
  rec.kind = "child";
  rec.started_at = rec.finished_at = ex_->env_.clock->Now();
  auto fail = [&](const Status& error) -> Result<Value> {
    rec.status = StepStatus::kFailed;
    rec.error = error.ToString();
    Defer(rec);
    return ParseRecordedError(rec.error);
  };
  if (run.status != RunStatus::kCompleted) {
    return fail(Status(
        run.status == RunStatus::kCancelled ? StatusCode::kCancelled : StatusCode::kConditionFailed,
        fmt::format("child run {} ended {}{}{}", run.run_id, RunStatusName(run.status),
                    run.error.empty() ? "" : ": ", run.error)));
  }
  std::string payload;
  if (run.result) {
    payload = *run.result;
  } else {
    auto out = ex_->env_.store->GetOutput(run.run_id, ResultStep(child));
    if (!out.ok()) {
      StopExec(IsTransient(out.error()) ? RunExecutor::Stop::kWorkerStop
                                        : RunExecutor::Stop::kStoreError);
      return stop_status_;
    }
    payload = std::move(*out);
  }
  auto value = codec.decode(payload);
  if (!value.ok()) return fail(value.error().WithContext("result of child " + run.run_id));
  rec.status = StepStatus::kCompleted;
  rec.output = std::move(payload);
  Defer(std::move(rec));
  return std::move(*value);
}

}  // namespace dynaflow::engine::internal
