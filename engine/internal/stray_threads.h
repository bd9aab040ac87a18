// Threads of timed-out step attempts: the worker moved on, the step's code still runs. They are
// joined when the worker stops (Worker::Stop waits for them), never detached.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace dynaflow::engine::internal {

class StrayThreads {
 public:
  ~StrayThreads() { JoinAll(); }
  // `done` turns true when the thread's work has returned (so it can be joined at once).
  void Add(std::thread thread, std::shared_ptr<std::atomic<bool>> done) {
    std::lock_guard<std::mutex> lock(mu_);
    ReapLocked();
    threads_.push_back({std::move(thread), std::move(done)});
  }
  void JoinAll() {
    std::vector<Entry> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      all.swap(threads_);
    }
    for (auto& e : all) e.thread.join();
  }

 private:
  struct Entry {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void ReapLocked() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::mutex mu_;
  std::vector<Entry> threads_;
};

}  // namespace dynaflow::engine::internal
