// RunExecutor: nodes that wait for the world without holding a thread or a lease -- an event
// sent to the run (AwaitEvent) and a child run (Child). Both park the run SLEEPING with a due
// time and a `waiting_for` key; SendEvent and the worker finishing a child make it due now
// (WorkflowStore::WakeRun), and any worker resumes it.
//
// No lost wake-up: the sender writes its event, then wakes the run if it is parked waiting for
// it; the parker parks, then looks for the event once more (and wakes itself when it is there).
// Whatever the interleaving, one of the two sees the other's write.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <set>

#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/internal/run_executor.h"

namespace dynaflow::engine::internal {

std::string AwaitCursor(const std::string& node, TimePoint until) {
  return node + "@" + std::to_string(ToUnixMillis(until));
}

std::optional<TimePoint> ParseAwaitCursor(const std::string& cursor, const std::string& node) {
  if (cursor.size() <= node.size() + 1 || cursor.compare(0, node.size(), node) != 0 ||
      cursor[node.size()] != '@') {
    return std::nullopt;
  }
  int64_t ms = 0;
  const char* begin = cursor.data() + node.size() + 1;
  const char* end = cursor.data() + cursor.size();
  auto [p, ec] = std::from_chars(begin, end, ms);
  if (ec != std::errc() || p != end) return std::nullopt;
  return FromUnixMillis(ms);
}

RunExecutor::NodeOutcome RunExecutor::FailNode(const std::string& name, Status error,
                                               TimePoint started) {
  NodeOutcome o;
  Attempts a;
  a.kind = Attempts::kFailed;
  a.error = std::move(error);
  a.attempts = 1;
  a.started_at = started;
  a.finished_at = env_.clock->Now();
  o.kind = NodeOutcome::kFailed;
  o.failures.push_back({name, a});
  return o;
}

RunChange RunExecutor::SleepChange(TimePoint due, const std::string& cursor) const {
  RunChange change;
  change.status = RunStatus::kSleeping;
  change.due_at = run_.deadline && *run_.deadline < due ? *run_.deadline : due;
  change.cursor_step = cursor;
  change.release_lease = true;
  return change;
}

bool RunExecutor::WriteSleep(const std::function<Result<Run>(const store::Fence&)>& write,
                             NodeOutcome& o) {
  auto w = control_->Write(write);
  if (!w.ok()) {
    o.kind = NodeOutcome::kInterrupted;
    o.stop = StopFor(w.error());
    return false;
  }
  control_->MarkDone();
  Counters::Inc(env_.counters->runs_slept);
  return true;
}

RunExecutor::NodeOutcome RunExecutor::Park(const std::string& name, TimePoint due,
                                           const std::string& waiting_for,
                                           const std::string& cursor,
                                           const std::function<bool()>& ready) {
  NodeOutcome o;
  RunChange change = SleepChange(due, cursor);
  change.waiting_for = waiting_for;
  if (!WriteSleep([&](const store::Fence& f) { return env_.store->UpdateRun(f, change); }, o)) {
    return o;
  }
  env_.logger->debug("run {}: parked at \"{}\" waiting for {} until {} ms", run_.run_id, name,
                     waiting_for, ToUnixMillis(*change.due_at));
  if (ready()) {
    auto woke = env_.store->WakeRun(run_.run_id, waiting_for);
    if (!woke.ok()) {
      env_.logger->warn("run {}: waking it after parking failed ({}); it wakes at its due time",
                        run_.run_id, woke.error().ToString());
    } else if (*woke && env_.nudge) {
      env_.nudge();
    }
  }
  o.kind = NodeOutcome::kSlept;
  return o;
}

RunExecutor::NodeOutcome RunExecutor::RunAwaitNode(size_t i) {
  const Node& node = def_->nodes[i];
  const StepDef& s = node.steps.front();
  const TimePoint now = env_.clock->Now();
  const TimePoint until =
      ParseAwaitCursor(run_.cursor_step, node.name).value_or(now + node.wait_timeout);

  // Events of this name consumed by earlier await nodes of this run (their records name them).
  std::set<std::string> consumed;
  for (const Node& other : def_->nodes) {
    if (other.kind != NodeKind::kAwaitEvent || other.event_name != node.event_name) continue;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = recorded_.find(other.name);
    if (it != recorded_.end() && !it->second.event_id.empty()) consumed.insert(it->second.event_id);
  }
  auto next_event = [&]() -> Result<std::optional<store::Event>> {
    DYNAFLOW_ASSIGN_OR_RETURN(auto events, env_.store->ListEvents(run_.run_id, node.event_name));
    for (auto& e : events) {
      if (!consumed.count(e.event_id)) return std::optional<store::Event>(std::move(e));
    }
    return std::optional<store::Event>();
  };
  auto event = next_event();
  if (!event.ok()) {
    env_.logger->warn("run {}: reading events \"{}\" failed: {}", run_.run_id, node.event_name,
                      event.error().ToString());
    NodeOutcome o;
    o.kind = NodeOutcome::kInterrupted;
    o.stop = IsTransient(event.error()) ? Stop::kWorkerStop : Stop::kStoreError;
    return o;
  }
  if (*event) {
    auto value = s.out.decode((*event)->payload);
    if (!value.ok()) {
      return FailNode(s.name,
                      value.error().WithContext("payload of event \"" + node.event_name + "\" (" +
                                                (*event)->event_id + ")"),
                      now);
    }
    Attempts a;
    a.kind = Attempts::kOk;
    a.value = std::make_shared<const Value>(std::move(*value));
    a.attempts = 1;
    a.started_at = now;
    a.finished_at = env_.clock->Now();
    return Record(s, a, i + 1 == def_->nodes.size(), (*event)->event_id);
  }
  if (now >= until) {
    Counters::Inc(env_.counters->wait_timeouts);
    return FailNode(s.name,
                    Status::Timeout(fmt::format("no event \"{}\" arrived by {} ms", node.event_name,
                                                ToUnixMillis(until))),
                    now);
  }
  return Park(node.name, until, store::EventWaitKey(node.event_name), AwaitCursor(node.name, until),
              [&] {
                auto again = next_event();
                return again.ok() && again->has_value();
              });
}

RunExecutor::NodeOutcome RunExecutor::RunChildNode(size_t i) {
  const Node& node = def_->nodes[i];
  const StepDef& s = node.steps.front();
  const TimePoint now = env_.clock->Now();
  const std::string child_id = ChildRunId(run_.run_id, s.name);
  auto child = env_.store->GetRun(child_id);
  if (!child.ok() && child.error().Is(StatusCode::kNotFound)) {
    std::string input;
    try {
      input = s.in.encode(*InputFor(s.in.type, i));
    } catch (const std::exception& e) {
      return FailNode(
          s.name, Status::Serialization(std::string("encoding the input threw: ") + e.what()), now);
    }
    child = CreateChild(*node.child, child_id, s.name, std::move(input));
  }
  if (!child.ok()) {
    if (child.error().Is(StatusCode::kInvalidArgument) ||
        child.error().Is(StatusCode::kLimitExceeded)) {
      return FailNode(s.name, child.error().WithContext("starting child " + child_id), now);
    }
    return ChildStoreError(child_id, child.error());
  }
  if (IsTerminal(child->status)) return ChildEnded(i, *child, now);
  return Park(node.name, now + node.child_recheck, store::ChildWaitKey(child_id), node.name, [&] {
    auto again = env_.store->GetRun(child_id);
    return again.ok() && IsTerminal(again->status);
  });
}

Result<Run> RunExecutor::CreateChild(const WorkflowDef& child_def, const std::string& child_id,
                                     const std::string& step, std::string input) {
  store::NewRun nr;
  nr.run_id = child_id;
  nr.workflow_id = child_def.id;
  nr.workflow_version = child_def.version;
  nr.input = std::move(input);
  nr.parent_run_id = run_.run_id;
  nr.parent_step = step;
  nr.retention = std::chrono::seconds(run_.retention_seconds);
  nr.deadline = run_.deadline;
  auto child = env_.store->CreateRun(nr);
  if (child.ok()) {
    Counters::Inc(env_.counters->children_started);
    env_.logger->debug("run {}: started child {} ({})", run_.run_id, child_id, child_def.id);
    if (env_.nudge) env_.nudge();
  } else if (child.error().Is(StatusCode::kAlreadyExists)) {
    child = env_.store->GetRun(child_id);  // started by an earlier owner of this run
  }
  return child;
}

RunExecutor::NodeOutcome RunExecutor::ChildEnded(size_t i, const Run& child, TimePoint now) {
  const Node& node = def_->nodes[i];
  const StepDef& s = node.steps.front();
  if (child.status != RunStatus::kCompleted) {
    return FailNode(
        s.name,
        Status(child.status == RunStatus::kCancelled ? StatusCode::kCancelled
                                                     : StatusCode::kConditionFailed,
               fmt::format("child run {} ended {}{}{}", child.run_id, RunStatusName(child.status),
                           child.error.empty() ? "" : ": ", child.error)),
        now);
  }
  std::string payload;
  if (child.result) {
    payload = *child.result;
  } else {
    auto out = env_.store->GetOutput(child.run_id, ResultStep(*node.child));
    if (!out.ok()) return ChildStoreError(child.run_id, out.error());
    payload = std::move(*out);
  }
  auto value = s.out.decode(payload);
  if (!value.ok()) {
    return FailNode(s.name, value.error().WithContext("result of child " + child.run_id), now);
  }
  Attempts a;
  a.kind = Attempts::kOk;
  a.value = std::make_shared<const Value>(std::move(*value));
  a.attempts = 1;
  a.started_at = a.finished_at = now;
  return Record(s, a, i + 1 == def_->nodes.size());
}

RunExecutor::NodeOutcome RunExecutor::ChildStoreError(const std::string& child_id,
                                                      const Status& e) {
  env_.logger->warn("run {}: child {}: {}", run_.run_id, child_id, e.ToString());
  NodeOutcome o;
  o.kind = NodeOutcome::kInterrupted;
  o.stop = IsTransient(e) ? Stop::kWorkerStop : Stop::kStoreError;
  return o;
}

void RunExecutor::CancelChildren() {
  bool has_children = static_cast<bool>(def_->code);  // code: any call may have started one
  for (const Node& node : def_->nodes) has_children |= node.kind == NodeKind::kChild;
  if (!has_children || !env_.cancel_run) return;
  auto children = env_.store->ListChildren(run_.run_id);
  if (!children.ok()) {
    env_.logger->warn("run {}: listing its children to cancel them failed: {}", run_.run_id,
                      children.error().ToString());
    return;
  }
  for (const auto& child : *children) {
    Status s = env_.cancel_run(child.run_id);
    if (!s.ok() && !s.Is(StatusCode::kConditionFailed) && !s.Is(StatusCode::kNotFound)) {
      env_.logger->warn("run {}: cancelling child {} failed: {}", run_.run_id, child.run_id,
                        s.ToString());
    }
  }
}

}  // namespace dynaflow::engine::internal
