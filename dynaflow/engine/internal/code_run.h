// CodeRun: one execution of a code workflow's function. It matches each call of the function
// against the run's records by position (replay), and executes the first call without a record
// and every one after it with the executor's machinery (RunExecutor's attempts, records, parking,
// children) -- the same store calls and record format as builder workflows.
//
// Records: a call at position p with id "<name>" / "<name>@<k>" (k-th occurrence) and a kind.
// A record at p with another id or kind, a call whose id is recorded at another position, or a
// function that returns before the last recorded position is non-determinism: the context
// stops, and nothing recorded is overwritten.
//
// The record of a completed step is written when the function makes its next call (or returns:
// then the last record and the run's finish are one write), so a linear run costs exactly what
// a builder run costs. Map / All branches are written as they finish; their compensations are
// registered when the group ends, in the order the branches finished (a replay: in the order
// of their recorded finish times, by index among equal ones).
//
// Without an executor (CheckReplay) or with `replay_only` (a run resumed while compensating),
// the first call without a record ends the replay (CodeRun::Why::kReplayEnd).
//
// Thread-safety: the function's thread calls it; Fan runs branches on helper threads itself.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dynaflow/engine/internal/definition.h"
#include "dynaflow/engine/internal/run_executor.h"

namespace dynaflow::engine::internal {

class CodeRun : public CodeHost {
 public:
  // Why the context stopped.
  enum class Why {
    kNone,
    kParked,          // a wait parked the run (lease released): nothing more to write
    kSleep,           // a recorded sleep is not over: release the run SLEEPING until wake()
    kExec,            // the executor must stop (exec_stop(): lost, cancel, worker stop, ...)
    kNonDeterminism,  // error(): the run fails with it
    kFatal,           // error(): a record could not be written or read; the run fails
    kReplayEnd,       // a call without a record in replay-only mode
    kContinue,        // ContinueAsNew(continue_input())
  };

  CodeRun(RunExecutor* ex, const WorkflowDef& def, std::string run_id,
          std::map<std::string, StepExecution> records, std::map<std::string, std::string> outputs,
          bool replay_only);

  // CodeHost
  const std::string& run_id() const override { return run_id_; }
  bool stopped() const override { return why_.load() != Why::kNone; }
  bool replaying() const override { return replaying_; }
  Result<Value> Call(CodeCall call) override;
  Status Sleep(const std::string& name, std::optional<Duration> duration,
               std::optional<TimePoint> wake) override;
  Result<Value> AwaitEvent(const std::string& name, const std::string& event_name, Duration timeout,
                           const TypeCodec& codec) override;
  Result<Value> Child(const std::string& name, const Workflow& child_workflow,
                      std::string input) override;
  Result<std::vector<Value>> Fan(const std::string& name, std::vector<CodeCall> branches,
                                 int max_concurrency) override;
  bool Patched(const std::string& change_id) override;
  Status ContinueAsNew(std::string input) override;
  TimePoint FreshNow() override;
  uint64_t FreshRandom() override;

  Why why() const { return why_.load(); }
  RunExecutor::Stop exec_stop() const { return exec_stop_; }
  std::optional<TimePoint> wake() const { return wake_; }
  const Status& error() const { return error_; }
  const std::string& continue_input() const { return continue_input_; }
  int64_t calls() const { return next_pos_ - 1; }

  // After the function returned: the non-determinism error when records lie beyond its last
  // call (the context stops with it), else OK.
  Status CheckEnd();
  // Writes the deferred record, if any; the store's error when that failed.
  Status Flush();
  // The deferred record, taken (to be written with the run's finish by the caller).
  std::optional<StepRecord> TakePending();
  // Counts a record the caller wrote and keeps it in the executor's records.
  void Written(const StepRecord& rec);

 private:
  enum class Match { kRecorded, kNew, kMismatch };
  Result<std::string> NextId(const std::string& name);
  Match MatchAt(int64_t pos, const std::string& id, const std::string& kind);
  void NonDeterminism(int64_t pos, const std::string& recorded, const std::string& asked);
  // Before new work: false (stopped) in replay-only mode, when the run must stop, or when the
  // deferred record cannot be written.
  bool BeginNew();
  // True (the context stopped with kTimeout, the run fails) once the run's deadline passed.
  bool DeadlinePassed();
  void Stop(Why why, Status status);
  void StopExec(RunExecutor::Stop stop);
  const Status& stop_status() const { return stop_status_; }
  // The recorded result of `id` (its output decoded by `codec`, or its recorded error).
  Result<Value> Replayed(const std::string& id, const TypeCodec& codec);
  // Defers `rec` (written by the next call) and notes it as recorded.
  void Defer(StepRecord rec);
  void Note(const StepRecord& rec);
  // A completed step's record and value, from its attempts.
  Result<Value> Completed(const std::string& id, int64_t pos, const CodeCall& call,
                          RunExecutor::Attempts& a, bool defer);
  void Register(const std::string& id, const CodeCall& call, const Value& value);
  // Parks through the executor; the context stops either way.
  void ParkAt(const std::string& id, TimePoint due, const std::string& waiting_for,
              const std::string& cursor, const std::function<bool()>& ready);
  // Runs the unrecorded branches `todo` of a fan-out; their results go to values / errors, and
  // `completed` lists the recorded ones (by index) in the order they finished.
  void RunBranches(const std::vector<std::string>& ids, int64_t pos0,
                   std::vector<CodeCall>& branches, const std::vector<size_t>& todo,
                   int max_concurrency, std::vector<std::optional<Value>>& values,
                   std::vector<Status>& errors, std::vector<size_t>& completed);
  Result<Value> ChildEnded(const std::string& id, int64_t pos, const WorkflowDef& child,
                           const Run& run, const TypeCodec& codec);

  RunExecutor* const ex_;
  const WorkflowDef& def_;
  const std::string run_id_;
  const bool replay_only_;

  mutable std::mutex mu_;  // guards records_, by_pos_ (fan-out branches)
  std::map<std::string, StepExecution> records_;
  std::map<std::string, std::string> outputs_;
  std::map<int64_t, std::string> by_pos_;  // position -> step id

  int64_t next_pos_ = 1;
  std::map<std::string, int, std::less<>> occurrences_;
  std::map<std::string, bool, std::less<>> patches_;
  std::map<std::string, std::set<std::string>, std::less<>> consumed_;  // event name -> ids
  bool replaying_ = true;
  std::optional<StepRecord> pending_;

  std::mutex stop_mu_;  // guards the stop fields while they are set (fan-out branches)
  std::atomic<Why> why_{Why::kNone};
  Status stop_status_;
  RunExecutor::Stop exec_stop_ = RunExecutor::Stop::kNone;
  std::optional<TimePoint> wake_;
  Status error_;
  std::string continue_input_;
};

// A recorded step error back as a Status: "<CodeName>: <message>" keeps its code, anything
// else is kInternal with the whole text.
Status ParseRecordedError(const std::string& text);

}  // namespace dynaflow::engine::internal
