// Process-wide account of the engine threads Worker::Stop detaches (executors inside attempts
// abandoned after the shutdown grace, timed-out attempt threads still running past it), so
// WaitForAbandonedSteps can wait until their code has returned AND released everything it held
// (StepContext, the run's logger, the worker itself). That wait is what orders their last
// accesses before whatever follows it, e.g. static destruction at process exit.
//
// Use: start such a thread with StartTrackedThread(exit, fn); when detaching it, call
// exit->MarkDetached() (before or after thread.detach(), never instead of joining a thread that
// is not detached). Thread-safety: everything may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

namespace dynaflow::engine::internal {

using SteadyTime = std::chrono::steady_clock::time_point;

class ThreadExit {
 public:
  // Counts the thread as detached-and-running unless it exited already. Idempotent.
  void MarkDetached();
  // The thread's last act, after its function and everything it captured were destroyed.
  void Exited();
  // True once Exited ran (the thread can then be joined at once).
  bool exited() const;
  // Waits until Exited ran: true, or false when `deadline` (SteadyTime::max(): none) passed.
  bool WaitUntil(SteadyTime deadline) const;

 private:
  // Guarded by the process-wide mutex in detached_threads.cc.
  bool detached_ = false;
  bool exited_ = false;
};

// Runs fn() on a new thread, destroys fn (and so what it captured), then calls exit->Exited().
template <class F>
std::thread StartTrackedThread(std::shared_ptr<ThreadExit> exit, F fn) {
  return std::thread([exit = std::move(exit), body = std::optional<F>(std::move(fn))]() mutable {
    (*body)();
    body.reset();
    exit->Exited();
  });
}

// True once no thread marked detached is still running; false when `timeout` passed first.
bool WaitForDetachedThreads(std::chrono::milliseconds timeout);

}  // namespace dynaflow::engine::internal
