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
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/internal/detached_threads.h"

namespace dynaflow::engine::internal {

class StrayThreads {
 public:
  ~StrayThreads() { JoinUntil(SteadyTime::max()); }
  // `thread` was started with StartTrackedThread(exit, ...). After JoinUntil the thread is
  // detached at once instead.
  void Add(std::thread thread, std::shared_ptr<ThreadExit> exit) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      exit->MarkDetached();
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
