// Threads whose step code the worker moved on from while it still runs: attempts that timed out,
// and (after Worker::Stop's grace) attempts that were abandoned. Their code keeps what it uses
// alive (StepContext holds RunShared / AttemptShared by shared_ptr), so nothing the worker
// owns goes away under it.
//
// Stop joins these threads, waiting for them at most until its grace deadline (JoinUntil);
// threads still running then, and any added after that, are detached: they end when their
// code returns, and a process that exits meanwhile ends them wherever they are.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/internal/detached_threads.h"

namespace dynaflow::engine::internal {

using SteadyTime = std::chrono::steady_clock::time_point;

// Set once by a thread when its work has returned; others may wait for it with a deadline.
class Completion {
 public:
  void Set() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
  }
  bool done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  // True once set; false when `deadline` (SteadyTime::max(): none) passed first.
  bool WaitUntil(SteadyTime deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    if (deadline == SteadyTime::max()) {
      cv_.wait(lock, [&] { return done_; });
      return true;
    }
    return cv_.wait_until(lock, deadline, [&] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

class StrayThreads {
 public:
  ~StrayThreads() { JoinUntil(SteadyTime::max()); }
  // `done` is set when the thread's work has returned (so it can be joined at once); the
  // thread was started with StartTrackedThread(exit, ...). After JoinUntil the thread is
  // detached at once instead.
  void Add(std::thread thread, std::shared_ptr<Completion> done, std::shared_ptr<ThreadExit> exit) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      exit->MarkDetached();
      thread.detach();
      return;
    }
    ReapLocked();
    threads_.push_back({std::move(thread), std::move(done), std::move(exit)});
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
      if (e.done->WaitUntil(deadline)) {
        e.thread.join();
      } else {
        e.exit->MarkDetached();
        e.thread.detach();
        ++detached;
      }
    }
    return detached;
  }

 private:
  struct Entry {
    std::thread thread;
    std::shared_ptr<Completion> done;
    std::shared_ptr<ThreadExit> exit;
  };
  void ReapLocked() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->done->done()) {
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
