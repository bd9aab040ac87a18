// RunExecutor: drives one run this worker holds from where its records say it is to a stopping
// point: finished (COMPLETED / FAILED / COMPENSATED / CANCELLED), handed back (graceful stop),
// asleep (durable sleep), or dropped (lease lost, store unreachable).
//
// The records are the truth: a step recorded COMPLETED or SKIPPED is never executed again; its
// recorded output is decoded instead. Outputs travel between steps as values; they are decoded
// from their payloads only for a resumed run.
//
// Store requests on the happy path: one RecordStep per step, the last one RecordStepAndFinish;
// plus one LoadRun for a run that has records (or whose input the caller could not supply).
//
// One executor per run and per worker session; Execute() is called once, on a worker thread.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/engine/internal/abandoned_threads.h"
#include "dynaflow/engine/internal/counters.h"
#include "dynaflow/engine/internal/definition.h"
#include "dynaflow/engine/internal/run_control.h"
#include "dynaflow/engine/internal/run_shared.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/workflow_types.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::engine::internal {

using store::RunChange;
using store::RunFinish;
using store::StepRecord;

struct ExecutorEnv {
  std::shared_ptr<store::WorkflowStore> store;
  Clock* clock = nullptr;
  Random* random = nullptr;
  std::shared_ptr<Counters> counters;
  std::shared_ptr<spdlog::logger> logger;
  const std::atomic<bool>* stopping = nullptr;  // the worker's graceful stop flag
  int max_branch_threads = 8;
  size_t inline_result_max_bytes = 4096;
  AbandonedThreads* abandoned = nullptr;  // threads of timed-out attempts (AbandonedThreads)
  // Asks this process's workers to poll now (a child was started, a run was woken). May be empty.
  std::function<void()> nudge;
  // Cancels a run the way Engine::Cancel does (children of a cancelled run). May be empty.
  std::function<Status(const std::string&)> cancel_run;
};

enum class ExecOutcome {
  kFinished,  // terminal status written (final_run set)
  kReleased,  // handed back (graceful stop)
  kSleeping,  // released SLEEPING until a wake time
  kLost,      // another owner took the lease, or the worker abandoned the run (Stop past its
              // grace): nothing more was written
  kDropped,   // the store kept failing: left for the lease to expire
};

struct ExecResult {
  ExecOutcome outcome = ExecOutcome::kDropped;
  std::optional<Run> final_run;
};

class CodeRun;

class RunExecutor {
 public:
  // `input`: the run's input payload when the caller has it (a run it just created).
  RunExecutor(ExecutorEnv env, std::shared_ptr<const WorkflowDef> def,
              std::shared_ptr<RunControl> control, Run run, std::optional<std::string> input);
  ExecResult Execute();

 private:
  friend class CodeRun;  // a code workflow's calls use the executor's steps, waits and writes

  // Why a step or node stopped without a recorded outcome.
  enum class Stop { kNone, kLost, kCancel, kWorkerStop, kSleep, kResync, kStoreError };

  struct Attempts {  // the outcome of a step's attempt loop
    enum Kind { kOk, kSkipped, kFailed, kInterrupted } kind = kFailed;
    std::shared_ptr<const Value> value;
    Status error;
    bool already_recorded = false;  // kFailed read back from a FAILED record
    Stop stop = Stop::kNone;
    std::optional<TimePoint> sleep_until;
    int attempts = 0;
    TimePoint started_at{}, finished_at{};
  };

  struct NodeOutcome {
    // kDone: recorded, go on; kFinished: the record finished the run; kSlept: the record put
    // the run to sleep (lease released); kFailed: failures to record; kInterrupted: see stop.
    enum Kind { kDone, kFinished, kSlept, kFailed, kInterrupted } kind = kDone;
    std::vector<std::pair<std::string, Attempts>> failures;  // kFailed: step name -> outcome
    Stop stop = Stop::kNone;
    std::optional<TimePoint> sleep_until;
    std::optional<Run> final_run;
  };

  // run_executor.cc
  Status Load();
  ExecResult RunOnce();
  bool NodeDone(size_t i) const;
  // Runs node i by its kind (the Run*Node functions).
  NodeOutcome RunNode(size_t i);
  Result<std::shared_ptr<const Value>> FlowAfter(size_t i, std::shared_ptr<const Value> flow);
  Result<std::shared_ptr<const Value>> OutputValue(const StepDef& s);
  ExecResult Interrupted(Stop stop, std::optional<TimePoint> sleep_until);
  ExecResult Finish(RunStatus status, const std::string& error);
  ExecResult Release(RunChange change);
  ExecResult Finished(Run run);
  std::optional<std::string> ResultPayload() const;
  bool IsRecorded(const std::string& step) const;
  std::optional<StepStatus> RecordedStatus(const std::string& step) const;

  // executor_steps.cc
  NodeOutcome RunStepNode(size_t i);
  NodeOutcome RunParallelNode(size_t i);
  NodeOutcome RunSleepNode(size_t i);

  // executor_parallel.cc: RunParallelNode's phases.
  struct ParallelGroup;
  // The branches of `node` not recorded yet; branches recorded FAILED go to `failed`.
  std::vector<size_t> UnrecordedBranches(const Node& node,
                                         std::vector<std::pair<std::string, Attempts>>& failed);
  // Runs the group's branches on this thread plus up to max_branch_threads - 1 helpers.
  void RunBranches(ParallelGroup& group);
  // One thread's share: takes branches until none is left (or the group must halt).
  void TakeBranches(ParallelGroup& group);
  // Attempts branch `b` and records its outcome in the group.
  void RunBranch(ParallelGroup& group, size_t b);
  // The node's outcome from its branches' (the finishing record, else the most pressing stop).
  NodeOutcome GroupOutcome(ParallelGroup& group);

  // executor_wait.cc
  NodeOutcome RunAwaitNode(size_t i);
  NodeOutcome RunChildNode(size_t i);
  // Creates the child run `child_id` of `child` for this run's step `step` with `input` (an
  // existing one, started by an earlier owner of this run, is read back instead).
  Result<Run> CreateChild(const WorkflowDef& child, const std::string& child_id,
                          const std::string& step, std::string input);
  // Child node i's outcome once its child run ended: its result recorded, or the node failed.
  NodeOutcome ChildEnded(size_t i, const Run& child, TimePoint now);
  // A store error reading or creating child `child_id`: the node is interrupted.
  NodeOutcome ChildStoreError(const std::string& child_id, const Status& e);
  // Parks the run SLEEPING until `due` waiting for `waiting_for`, releasing the lease; then
  // runs `ready` (reads only): when it says the wait is over already (the event or the child's
  // end landed while parking), wakes the run so a worker resumes it at once.
  NodeOutcome Park(const std::string& name, TimePoint due, const std::string& waiting_for,
                   const std::string& cursor, const std::function<bool()>& ready);
  // A change that puts the run SLEEPING at `cursor` until `due` (or its deadline, if earlier),
  // releasing the lease.
  RunChange SleepChange(TimePoint due, const std::string& cursor) const;
  // Sends `write` (a sleep change); true once the run is asleep (counted, this session done),
  // otherwise false with `o` the interruption.
  bool WriteSleep(const std::function<Result<Run>(const store::Fence&)>& write, NodeOutcome& o);
  NodeOutcome FailNode(const std::string& name, Status error, TimePoint started);
  // Cancels the children this run started that are still running (Cancel()).
  void CancelChildren();
  Attempts AttemptStep(size_t i, size_t b, const std::atomic<bool>* abort);
  Attempts RunAttempts(const std::string& step_id, const RetryPolicy& policy,
                       std::optional<Duration> attempt_timeout, bool compensation,
                       const std::atomic<bool>* abort,
                       const std::function<Result<Value>(StepContext&)>& body);
  Result<Value> RunOneAttempt(const std::shared_ptr<AttemptShared>& attempt,
                              std::optional<Duration> timeout,
                              const std::function<Result<Value>(StepContext&)>& body);
  // Records a COMPLETED / SKIPPED outcome; `last` finishes the run in the same write.
  NodeOutcome Record(const StepDef& s, const Attempts& a, bool last,
                     const std::string& event_id = "");
  // Writes a step record; with `finish`, the same write finishes the run.
  Result<Run> WriteStep(const StepRecord& rec, const std::optional<RunFinish>& finish);
  Stop StopFor(const Status& write_error);
  std::shared_ptr<const Value> InputFor(std::type_index in_type, size_t node) const;

  // executor_compensate.cc
  // A compensation still to run: of a builder step (from the definition) or of a code step
  // (registered when it completed).
  struct CompensationCall {
    std::string step;  // the compensated step's id
    RetryPolicy retry;
    std::optional<Duration> attempt_timeout;
    Status unavailable;  // not OK: it cannot run (the step's recorded output does not decode)
    std::function<Result<Value>(StepContext&)> body;
  };
  ExecResult Fail(const std::vector<std::pair<std::string, Attempts>>& failures);
  ExecResult Cancel();
  ExecResult Compensate();
  // In the order they run: reverse definition order (builder), reverse completion order (code).
  std::vector<CompensationCall> PendingCompensations();

  // executor_code.cc: a code workflow's execution (def_->code).
  ExecResult RunCode();
  // What a finished execution of the function leads to.
  ExecResult CodeOutcome(CodeRun& run, Result<Value> returned);
  ExecResult CodeComplete(CodeRun& run, const Value& result);
  // The function returned `error`: the run compensates, or fails when nothing is to undo.
  ExecResult CodeFail(CodeRun& run, const std::string& error);
  ExecResult ContinueAsNew(CodeRun& run);

  ExecutorEnv env_;
  std::shared_ptr<const WorkflowDef> def_;
  std::shared_ptr<RunControl> control_;
  Run run_;
  std::optional<std::string> input_;
  std::shared_ptr<RunShared> shared_;

  mutable std::mutex mu_;  // guards recorded_ and values_ (parallel branches)
  std::map<std::string, StepExecution> recorded_;
  std::map<std::string, std::shared_ptr<const Value>> values_;  // decoded outputs
  std::vector<std::shared_ptr<const Value>> node_inputs_;
  bool resync_ = false;          // a write found the step recorded already: reload, go again
  std::string lost_because_;     // the store's answer that made the run lost (StopFor)
  bool cancel_handled_ = false;  // Cancel() ran once (guards against loops)
  // A code workflow: the compensations of its completed steps, in completion order.
  std::vector<CompensationCall> code_compensations_;
};

}  // namespace dynaflow::engine::internal
