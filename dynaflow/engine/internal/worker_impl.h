// WorkerImpl: the machinery behind Worker (see dynaflow/engine/worker.h for the behaviour).
//
// Threads: `threads` executors taking runs from a queue, one poller (FindDueRuns + ClaimRun
// when executors are free), one heartbeat thread extending the leases of every held run
// (queued ones included), plus short-lived branch threads inside parallel groups and the
// threads of timed-out attempts (AbandonedThreads).
//
// Stop past the grace: executors still inside a run are detached (each holds a reference to
// this WorkerImpl, so what they use stays alive until they return), their runs are abandoned
// through RunControl::Abandon, and queued runs are handed back by Stop itself.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "dynaflow/engine/internal/abandoned_threads.h"
#include "dynaflow/engine/internal/engine_core.h"
#include "dynaflow/engine/internal/run_control.h"
#include "dynaflow/engine/worker.h"

namespace dynaflow::engine::internal {

class WorkerImpl : public std::enable_shared_from_this<WorkerImpl> {
 public:
  // `options` must be valid (see ResolveOptions).
  WorkerImpl(std::shared_ptr<EngineCore> core, WorkerOptions options);
  ~WorkerImpl();

  // Fills defaults and checks ranges. Errors: kInvalidArgument.
  static Result<WorkerOptions> ResolveOptions(WorkerOptions options);

  Status Start();
  void Stop();
  const std::string& owner() const { return options_.owner_id; }
  Duration lease() const { return options_.lease_duration; }
  size_t active_runs() const;

  // Whether a hand-over would be accepted now (running, backlog below the limit).
  bool WantsHandoff() const;
  // Takes a run Engine::Start created leased to this worker. False when the worker is not
  // running: the caller must release the run.
  bool Adopt(const Run& run, std::shared_ptr<const WorkflowDef> def, std::string input);
  void SignalCancel(const std::string& run_id);
  // True while `run_id` is queued or executing here.
  bool Holds(const std::string& run_id) const;
  // Polls at once and resets the idle backoff.
  void Nudge();

 private:
  struct Task {
    Run run;
    std::optional<std::string> input;
    std::shared_ptr<const WorkflowDef> def;
    std::shared_ptr<RunControl> control;
  };
  std::shared_ptr<RunControl> NewControl(const Run& run);
  void ExecutorLoop(size_t index);
  // Stop's part once the grace passed with executors still inside runs.
  void AbandonInFlight(std::vector<size_t>* busy_executors);
  void PollerLoop();
  void HeartbeatLoop();
  int PollOnce(int free);
  void Execute(Task task);
  void ReleaseUnstarted(const Task& task);

  const std::shared_ptr<EngineCore> core_;
  const WorkerOptions options_;
  AbandonedThreads abandoned_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // executors: queue not empty or stopping
  std::condition_variable poll_cv_;  // poller: stopping
  std::condition_variable hb_cv_;    // heartbeat thread: hb_stop_
  std::condition_variable exit_cv_;  // Stop: an executor returned
  enum class State { kNew, kRunning, kStopping, kStopped } state_ = State::kNew;
  std::deque<Task> queue_;
  std::map<std::string, std::shared_ptr<RunControl>> active_;  // queued or executing
  std::vector<bool> busy_;  // by executor: holds a task (executing or handing it back)
  int executors_exited_ = 0;
  bool hb_stop_ = false;
  bool nudged_ = false;
  std::atomic<bool> stopping_{false};

  std::vector<std::thread> executors_;
  std::vector<std::shared_ptr<ThreadExit>> executor_exits_;  // by executor (abandoned_threads.h)
  std::thread poller_;
  std::thread heartbeater_;

  // Poller-thread only.
  std::unordered_set<std::string> unknown_seen_;
  int unknown_last_poll_ = 0;
  store::DueScan due_scan_;          // where the next poll's rotating due scan starts
  SteadyTime next_schedule_poll_{};  // when FireDueSchedules is next due
};

}  // namespace dynaflow::engine::internal
