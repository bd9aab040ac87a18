#include "dynaflow/engine/internal/abandoned_threads.h"

#include <condition_variable>
#include <mutex>

namespace dynaflow::engine::internal {
namespace {

struct Registry {
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;  // threads marked abandoned that have not exited
};

// Never destroyed: abandoned threads may exit while static objects are being destroyed.
Registry& TheRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

}  // namespace

void ThreadExit::MarkAbandoned() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (abandoned_ || exited_) return;
  abandoned_ = true;
  ++r.running;
}

void ThreadExit::Exited() {
  Registry& r = TheRegistry();
  {
    std::lock_guard<std::mutex> lock(r.mu);
    exited_ = true;
    if (abandoned_) --r.running;
  }
  r.cv.notify_all();  // WaitForAbandonedThreads and ThreadExit::WaitUntil
}

bool ThreadExit::exited() const {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  return exited_;
}

bool ThreadExit::WaitUntil(SteadyTime deadline) const {
  Registry& r = TheRegistry();
  std::unique_lock<std::mutex> lock(r.mu);
  if (deadline == SteadyTime::max()) {
    r.cv.wait(lock, [&] { return exited_; });
    return true;
  }
  return r.cv.wait_until(lock, deadline, [&] { return exited_; });
}

bool WaitForAbandonedThreads(std::chrono::milliseconds timeout) {
  Registry& r = TheRegistry();
  std::unique_lock<std::mutex> lock(r.mu);
  auto none_left = [&] { return r.running == 0; };
  if (timeout >= std::chrono::hours(24 * 365)) {  // "forever"; also avoids overflowing now()+t
    r.cv.wait(lock, none_left);
    return true;
  }
  return r.cv.wait_for(lock, timeout, none_left);
}

}  // namespace dynaflow::engine::internal
