// Abandoned step threads: the engine threads Worker::Stop stops waiting for and detaches
// (executors inside attempts abandoned after the shutdown grace, timed-out attempt threads still
// running past it). A process-wide account of them lets WaitForAbandonedSteps wait until their
// code has returned AND released everything it held (StepContext, the run's logger, the worker
// itself). That wait is what orders their last accesses before whatever follows it, e.g. static
// destruction at process exit.
//
// Use: start such a thread with StartTrackedThread(exit, fn); when detaching it, call
// exit->MarkAbandoned() (before or after thread.detach(), never instead of joining a thread that
// is not detached). Thread-safety: everything may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace dynaflow::engine::internal {

using SteadyTime = std::chrono::steady_clock::time_point;

class ThreadExit {
 public:
  // Counts the thread as abandoned-and-running unless it exited already. Idempotent.
  void MarkAbandoned();
  // The thread's last act, after its function and everything it captured were destroyed.
  void Exited();
  // True once Exited ran (the thread can then be joined at once).
  bool exited() const;
  // Waits until Exited ran: true, or false when `deadline` (SteadyTime::max(): none) passed.
  bool WaitUntil(SteadyTime deadline) const;

 private:
  // Guarded by the process-wide mutex in abandoned_threads.cc.
  bool abandoned_ = false;
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

// True once no thread marked abandoned is still running; false when `timeout` passed first.
bool WaitForAbandonedThreads(std::chrono::milliseconds timeout);

// The threads of one worker whose step code it moved on from while the code still runs:
// attempts that timed out, and (after Worker::Stop's grace) attempts that were abandoned. Their
// code keeps what it uses alive (StepContext holds RunShared / AttemptShared by shared_ptr), so
// nothing the worker owns goes away under it.
//
// Stop joins these threads, waiting for them at most until its grace deadline (JoinUntil);
// threads still running then, and any added after that, are marked abandoned and detached: they
// end when their code returns (WaitForAbandonedThreads waits for that), and a process that exits
// meanwhile ends them wherever they are.
// Thread-safety: all methods may be called concurrently.
class AbandonedThreads {
 public:
  ~AbandonedThreads() { JoinUntil(SteadyTime::max()); }
  // `thread` was started with StartTrackedThread(exit, ...). After JoinUntil the thread is
  // detached at once instead.
  void Add(std::thread thread, std::shared_ptr<ThreadExit> exit) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      exit->MarkAbandoned();
      thread.detach();
      return;
    }
    ReapLocked();
    threads_.push_back({std::move(thread), std::move(exit)});
  }
  // Joins every thread whose work returns before `deadline` and detaches the others; from now
  // on Add detaches. Returns how many were detached.
  size_t JoinUntil(SteadyTime deadline) {
    std::vector<Entry> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      all.swap(threads_);
    }
    size_t detached = 0;
    for (auto& e : all) {
      if (e.exit->WaitUntil(deadline)) {
        e.thread.join();
      } else {
        e.exit->MarkAbandoned();
        e.thread.detach();
        ++detached;
      }
    }
    return detached;
  }

 private:
  struct Entry {
    std::thread thread;
    std::shared_ptr<ThreadExit> exit;
  };
  void ReapLocked() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->exit->exited()) {
        it->thread.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::mutex mu_;
  std::vector<Entry> threads_;
  bool closed_ = false;
};

}  // namespace dynaflow::engine::internal
