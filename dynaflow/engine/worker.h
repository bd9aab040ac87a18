// Worker: a pool of threads that executes runs of the workflows registered with its Engine.
//
// What a worker does, in a loop:
//   - polls the table for due runs when it has free threads (WorkflowStore::FindDueRuns with
//     a rotating scan: one due status at a time, PENDING first after an empty poll), backing
//     off while idle (poll_interval doubling up to max_poll_interval);
//   - claims each due run it knows the workflow of with a lease (ClaimRun), and executes it
//     from its last recorded step (recorded steps never run again);
//   - runs handed over by Engine::Start (created already leased to this worker) need no poll
//     and no claim;
//   - heartbeats: extends the lease of every run it holds every heartbeat_interval;
//   - fires due schedules every schedule_poll_interval (dynaflow/engine/schedule.h);
//   - leaves alone, and reports (counter unknown_workflow_runs + a warning), any due run of a
//     workflow id/version it does not know.
// Any number of workers, in any number of processes on any number of hosts, share one table:
// leases and fencing make sure one of them at a time executes a run, and that a worker whose
// lease was taken over cannot write to the run any more.
//
// Thread-safety: Start, Stop and the accessors may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/status.h"

namespace dynaflow::engine {

namespace internal {
class WorkerImpl;
}

struct WorkerOptions {
  // Runs executed at once (one thread each). Must be >= 1. Default 4.
  int threads = 4;
  // Lease taken on a run; another worker may take the run over once it expired. Must be
  // >= 50 ms. Default 30 s.
  Duration lease_duration{30000};
  // How often the lease of a held run is extended. 0 (the default): lease_duration / 3. Must
  // be below lease_duration.
  Duration heartbeat_interval{0};
  // Wait between polls while work is found. Must be > 0. Default 20 ms.
  Duration poll_interval{20};
  // Idle backoff cap: each poll that finds nothing doubles the wait, up to this. Must be >=
  // poll_interval. Default 1 s.
  Duration max_poll_interval{1000};
  // The lease owner id; must be unique among live workers. Empty (the default):
  // "<hostname>-<pid>-<8 random hex digits>".
  std::string owner_id;
  // Branches of one parallel group running at once (the run's thread plus helper threads).
  // Branches beyond it wait for a free slot, so branches that wait on each other need at least
  // this many. Default 8.
  int max_branch_threads = 8;
  // Runs Engine::Start may hand over to this worker while they wait for a thread; beyond it
  // new runs are created PENDING for any worker to claim. -1 (the default): `threads`.
  int handoff_backlog = -1;
  // How often the worker fires due schedules (Engine::FireDueSchedules: one Query, plus the
  // writes of the ticks it handles), whatever its poll backoff: an idle worker wakes up this
  // often. 0 disables schedules on this worker. Default 1 s (a tick fires within about that).
  Duration schedule_poll_interval{1000};
  // How long Stop lets the step attempts in flight finish before it abandons them (see Stop).
  // Must be >= 0; 0: abandon them at once; Duration::max(): wait for them without limit.
  // Default 30 s, as the configuration's [worker] shutdown-grace.
  Duration shutdown_grace{30000};
};

class Worker {
 public:
  // Built by Engine::NewWorker.
  explicit Worker(std::shared_ptr<internal::WorkerImpl> impl);
  // Stops (see Stop) if still running.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the threads. Errors: kInvalidArgument when already started or stopped.
  Status Start();
  // Graceful stop, bounded by options.shutdown_grace (the grace, counted from the call):
  //   - at once: stops polling and taking hand-overs; runs waiting for a thread, and runs
  //     waiting for a retry backoff, are handed back without starting another attempt (the
  //     retried step restarts at attempt 1 elsewhere);
  //   - step attempts in flight (compensations and parallel branches included) get until the
  //     grace passes to return; those that do are recorded as usual, no further step starts,
  //     and their runs are handed back;
  //   - when the grace passes with attempts still running, they are abandoned: their
  //     StepContext::cancelled() turns true (Heartbeat() returns kFenced), their results are
  //     never recorded, and their runs are handed back at once by this call (after a store
  //     write of the run already in flight, if any, returned). The hand-back releases the
  //     lease, so the store rejects any later write with the old fence; another worker resumes
  //     the run from its last recorded step and runs the abandoned step again (at-least-once
  //     execution: use ctx.idempotency_key()). Counted in EngineMetrics::runs_abandoned;
  //   - code of timed-out attempts still running is waited for until the grace passes too.
  // "Handed back" means released PENDING (or still COMPENSATING), due now: any worker may claim
  // it at once; a hand-back the store refuses leaves the run to its lease expiry. Stop returns
  // once every run is handed back, without waiting for abandoned code, nor for timed-out code
  // past the grace: that code runs on in its own detached thread until it returns. The worker
  // keeps alive what that code uses of it and of the engine (store, table, logger); the
  // engine's Clock (ctx.now()) and whatever the step's code captured must stay valid until it
  // returns. A process that exits meanwhile ends it wherever it is. Idempotent.
  void Stop();

  const std::string& owner_id() const;
  // Runs held right now (executing or waiting for a thread).
  size_t active_runs() const;

 private:
  std::shared_ptr<internal::WorkerImpl> impl_;
};

// Step code a Worker::Stop stopped waiting for (attempts abandoned after the shutdown grace,
// timed-out attempts still running past it) runs on in detached threads. Waits until all of
// them, in this process, have returned and released what they held (the step's context, the
// run's logger, the worker), or `timeout` passed. Returns true when none is left. Call it before
// the process exits when a Stop may have abandoned code: code still running at exit is ended
// wherever it is, while static objects (spdlog's registry among them) are being destroyed.
bool WaitForAbandonedSteps(Duration timeout);

}  // namespace dynaflow::engine
