// CodeRun: replay matching, steps and values. Waits and children: code_run_wait.cc; fan-out:
// code_run_fan.cc.
#include "dynaflow/engine/internal/code_run.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dynaflow/engine/internal/error_text.h"
#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/step_context.h"
#include "dynaflow/model/utf8.h"

namespace dynaflow::engine::internal {

namespace {

constexpr size_t kMaxNameBytes = 200;

std::string KindName(const std::string& kind) { return kind.empty() ? "step" : kind; }

std::string Describe(const std::string& kind, const std::string& id) {
  return fmt::format("{} \"{}\"", KindName(kind), id);
}

}  // namespace

Status ParseRecordedError(const std::string& text) {
  size_t colon = text.find(": ");
  if (colon != std::string::npos) {
    std::string_view name(text.data(), colon);
    for (int c = static_cast<int>(StatusCode::kNotFound);
         c <= static_cast<int>(StatusCode::kInternal); ++c) {
      if (StatusCodeName(static_cast<StatusCode>(c)) == name) {
        return Status(static_cast<StatusCode>(c), text.substr(colon + 2));
      }
    }
  }
  return Status::Internal(text);
}

CodeRun::CodeRun(RunExecutor* ex, const WorkflowDef& def, std::string run_id,
                 std::map<std::string, StepExecution> records,
                 std::map<std::string, std::string> outputs, bool replay_only)
    : ex_(ex),
      def_(def),
      run_id_(std::move(run_id)),
      replay_only_(replay_only || ex == nullptr),
      records_(std::move(records)),
      outputs_(std::move(outputs)) {
  for (const auto& [id, rec] : records_) {
    if (rec.position > 0) by_pos_[rec.position] = id;
  }
}

Result<std::string> CodeRun::NextId(const std::string& name) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("run {}: call name \"{}\" {}", run_id_, SanitizeUtf8(name), why));
  };
  if (name.empty()) return bad("is empty");
  if (FindInvalidUtf8(name) != std::string_view::npos) return bad("is not valid UTF-8");
  if (name.size() > kMaxNameBytes) return bad("is longer than 200 bytes");
  for (char c : name) {
    if (c == '#' || c == '@' || c == '[' || c == ']' || static_cast<unsigned char>(c) < 0x20 ||
        c == 0x7f) {
      return bad("contains '#', '@', '[', ']' or a control character");
    }
  }
  if (name.rfind(kCompensatePrefix, 0) == 0) return bad("uses the reserved prefix \"compensate:\"");
  int n = ++occurrences_[name];
  return n == 1 ? name : name + "@" + std::to_string(n);
}

void CodeRun::Stop(Why why, Status status) {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (why_.load() != Why::kNone) return;
  stop_status_ = std::move(status);
  why_.store(why);
}

void CodeRun::StopExec(RunExecutor::Stop stop) {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (why_.load() != Why::kNone) return;
  exec_stop_ = stop;
  stop_status_ = Status::Cancelled("run suspended: the worker stops executing run " + run_id_);
  why_.store(Why::kExec);
}

void CodeRun::NonDeterminism(int64_t pos, const std::string& recorded, const std::string& asked) {
  error_ = Status::ConditionFailed(
      fmt::format("run {}: non-determinism at position {}: recorded {}, the code {}", run_id_, pos,
                  recorded, asked));
  Stop(Why::kNonDeterminism, error_);
}

CodeRun::Match CodeRun::MatchAt(int64_t pos, const std::string& id, const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  auto at = by_pos_.find(pos);
  if (at != by_pos_.end()) {
    const StepExecution& rec = records_.at(at->second);
    if (rec.step_id == id && rec.kind == kind) return Match::kRecorded;
    NonDeterminism(pos, Describe(rec.kind, rec.step_id), "asked for " + Describe(kind, id));
    return Match::kMismatch;
  }
  auto same = records_.find(id);
  if (same != records_.end()) {
    NonDeterminism(pos,
                   fmt::format("nothing there but {} at position {}",
                               Describe(same->second.kind, id), same->second.position),
                   "asked for " + Describe(kind, id));
    return Match::kMismatch;
  }
  return Match::kNew;
}

Status CodeRun::CheckEnd() {
  if (stopped()) return stop_status_;
  std::lock_guard<std::mutex> lock(mu_);
  auto beyond = by_pos_.lower_bound(next_pos_);
  if (beyond == by_pos_.end()) return Status::OK();
  const StepExecution& rec = records_.at(beyond->second);
  error_ = Status::ConditionFailed(
      fmt::format("run {}: non-determinism at position {}: recorded {}, the code returned after "
                  "{} calls",
                  run_id_, beyond->first, Describe(rec.kind, rec.step_id), next_pos_ - 1));
  stop_status_ = error_;
  why_.store(Why::kNonDeterminism);
  return error_;
}

bool CodeRun::BeginNew() {
  replaying_ = false;
  if (replay_only_) {
    Stop(Why::kReplayEnd, Status::Cancelled("run suspended: replay of run " + run_id_ + " ended"));
    return false;
  }
  if (ex_->control_->lost()) {
    StopExec(RunExecutor::Stop::kLost);
    return false;
  }
  if (ex_->control_->cancel_requested()) {
    StopExec(RunExecutor::Stop::kCancel);
    return false;
  }
  if (ex_->env_.stopping && ex_->env_.stopping->load()) {
    StopExec(RunExecutor::Stop::kWorkerStop);
    return false;
  }
  if (DeadlinePassed()) return false;
  Status flushed = Flush();
  if (flushed.ok()) return true;
  if (flushed.Is(StatusCode::kLimitExceeded) || flushed.Is(StatusCode::kInvalidArgument)) {
    error_ = flushed;
    Stop(Why::kFatal, error_);
  } else {
    StopExec(ex_->StopFor(flushed));
  }
  return false;
}

bool CodeRun::DeadlinePassed() {
  const std::optional<TimePoint>& deadline = ex_->run_.deadline;
  if (!deadline || ex_->env_.clock->Now() < *deadline) return false;
  error_ = Status::Timeout("run " + run_id_ + ": deadline passed");
  Stop(Why::kFatal, error_);
  return true;
}

void CodeRun::Note(const StepRecord& rec) {
  std::lock_guard<std::mutex> lock(mu_);
  records_[rec.step_id] = store::ExecutionOf(run_id_, rec);
  if (rec.position > 0) by_pos_[rec.position] = rec.step_id;
}

void CodeRun::Defer(StepRecord rec) {
  Note(rec);
  pending_ = std::move(rec);
}

void CodeRun::Written(const StepRecord& rec) {
  {
    std::lock_guard<std::mutex> lock(ex_->mu_);
    ex_->recorded_[rec.step_id] = store::ExecutionOf(run_id_, rec);
  }
  Counters& c = *ex_->env_.counters;
  Counters::Inc(rec.status == StepStatus::kFailed ? c.steps_failed : c.steps_completed);
}

Status CodeRun::Flush() {
  if (!pending_) return Status::OK();
  StepRecord rec = std::move(*pending_);
  pending_.reset();
  Result<Run> w = ex_->WriteStep(rec, std::nullopt);
  if (!w.ok()) return w.error().WithContext("recording \"" + rec.step_id + "\"");
  Written(rec);
  return Status::OK();
}

std::optional<StepRecord> CodeRun::TakePending() {
  std::optional<StepRecord> out = std::move(pending_);
  pending_.reset();
  return out;
}

Result<Value> CodeRun::Replayed(const std::string& id, const TypeCodec& codec) {
  StepExecution rec;
  std::string payload;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rec = records_.at(id);
    auto out = outputs_.find(id);
    if (out != outputs_.end()) payload = out->second;
  }
  if (rec.status == StepStatus::kFailed) return ParseRecordedError(rec.error);
  if (rec.status != StepStatus::kCompleted) {
    error_ = Status::Internal(fmt::format("run {}: record \"{}\" is {}, not COMPLETED", run_id_, id,
                                          StepStatusName(rec.status)));
    Stop(Why::kFatal, error_);
    return error_;
  }
  auto v = codec.decode(payload);
  if (!v.ok()) {
    error_ = v.error().WithContext("run " + run_id_ + ": recorded output of \"" + id + "\"");
    Stop(Why::kFatal, error_);
    return error_;
  }
  return std::move(*v);
}

void CodeRun::Register(const std::string& id, const CodeCall& call, const Value& value) {
  if (!call.compensate || ex_ == nullptr) return;
  RunExecutor::CompensationCall c;
  c.step = id;
  c.retry = call.options.compensation_retry;
  c.attempt_timeout = call.options.attempt_timeout;
  auto held = std::make_shared<const Value>(value);
  c.body = [fn = call.compensate, held](StepContext& ctx) -> Result<Value> {
    Status s = fn(ctx, *held);
    if (!s.ok()) return s;
    return Value(std::monostate{});
  };
  ex_->code_compensations_.push_back(std::move(c));
}

Result<Value> CodeRun::Completed(const std::string& id, int64_t pos, const CodeCall& call,
                                 RunExecutor::Attempts& a, bool defer) {
  using A = RunExecutor::Attempts;
  if (a.kind == A::kInterrupted) {
    if (a.stop == RunExecutor::Stop::kSleep && a.sleep_until) {
      wake_ = a.sleep_until;
      Stop(Why::kSleep, Status::Cancelled("run suspended: step \"" + id + "\" sleeps"));
    } else {
      StopExec(a.stop);
    }
    return stop_status_;
  }
  StepRecord rec;
  rec.step_id = id;
  rec.position = pos;
  rec.kind = call.kind;
  rec.attempt = std::max(1, a.attempts);
  rec.started_at = a.started_at;
  rec.finished_at = a.finished_at;
  if (a.kind == A::kOk) {
    try {
      rec.output = call.out.encode(*a.value);
    } catch (const std::exception& e) {
      a.kind = A::kFailed;
      a.error = Status::Serialization(std::string("encoding the output threw: ") + e.what());
    }
  }
  if (a.kind != A::kOk) {
    rec.status = StepStatus::kFailed;
    rec.output.reset();
    rec.error = RecordableError(a.error.ToString(), kMaxStepErrorBytes);
  } else {
    rec.status = StepStatus::kCompleted;
  }
  if (defer) {
    Defer(rec);
  } else {
    Note(rec);
    Result<Run> w = ex_->WriteStep(rec, std::nullopt);
    if (!w.ok()) {
      StopExec(ex_->StopFor(w.error()));
      return stop_status_;
    }
    Written(rec);
  }
  if (a.kind != A::kOk) return ParseRecordedError(rec.error);
  return *a.value;
}

Result<Value> CodeRun::Call(CodeCall call) {
  if (stopped()) return stop_status_;
  DYNAFLOW_ASSIGN_OR_RETURN(std::string id, NextId(call.name));
  const int64_t pos = next_pos_++;
  switch (MatchAt(pos, id, call.kind)) {
    case Match::kMismatch:
      return stop_status_;
    case Match::kRecorded: {
      Result<Value> v = Replayed(id, call.out);
      if (v.ok()) Register(id, call, *v);
      return v;
    }
    case Match::kNew:
      break;
  }
  if (!BeginNew()) return stop_status_;
  RunExecutor::Attempts a = ex_->RunAttempts(id, call.options.retry, call.options.attempt_timeout,
                                             /*compensation=*/false, nullptr, call.body);
  Result<Value> v = Completed(id, pos, call, a, /*defer=*/true);
  if (v.ok()) Register(id, call, *v);
  return v;
}

bool CodeRun::Patched(const std::string& change_id) {
  if (stopped()) return false;
  auto known = patches_.find(change_id);
  if (known != patches_.end()) return known->second;
  const std::string id = "@patch:" + change_id;
  const int64_t pos = next_pos_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto at = by_pos_.find(pos);
    if (at != by_pos_.end()) {
      const StepExecution& rec = records_.at(at->second);
      const bool mine = rec.step_id == id && rec.kind == "patch";
      if (mine) ++next_pos_;
      patches_[change_id] = mine;
      return mine;
    }
  }
  if (MatchAt(pos, id, "patch") == Match::kMismatch) return false;
  if (!BeginNew()) return false;
  ++next_pos_;
  StepRecord rec;
  rec.step_id = id;
  rec.position = pos;
  rec.kind = "patch";
  rec.started_at = rec.finished_at = ex_->env_.clock->Now();
  Defer(std::move(rec));
  patches_[change_id] = true;
  return true;
}

Status CodeRun::ContinueAsNew(std::string input) {
  if (stopped()) return stop_status_;
  if (!BeginNew()) return stop_status_;
  continue_input_ = std::move(input);
  Stop(Why::kContinue, Status::Cancelled("run suspended: run " + run_id_ + " continues as new"));
  return stop_status_;
}

TimePoint CodeRun::FreshNow() { return ex_ ? ex_->env_.clock->Now() : TimePoint{}; }

uint64_t CodeRun::FreshRandom() {
  if (!ex_) return 0;
  return ex_->env_.random->Next64();
}

}  // namespace dynaflow::engine::internal
