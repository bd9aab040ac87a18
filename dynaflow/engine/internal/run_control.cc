#include "dynaflow/engine/internal/run_control.h"

#include <fmt/format.h>

#include <algorithm>

namespace dynaflow::engine::internal {

bool IsLoss(const Status& s) {
  return s.Is(StatusCode::kFenced) || s.Is(StatusCode::kConditionFailed) ||
         s.Is(StatusCode::kNotFound);
}

bool IsTransient(const Status& s) {
  switch (s.code()) {
    case StatusCode::kThrottled:
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
    case StatusCode::kTransactionCanceled:
    case StatusCode::kSerialization:
      return true;
    default:
      return false;
  }
}

bool IsAmbiguous(const Status& s) {
  return s.Is(StatusCode::kUnavailable) || s.Is(StatusCode::kTimeout) ||
         s.Is(StatusCode::kSerialization);
}

RunControl::RunControl(std::shared_ptr<store::WorkflowStore> store, Clock* clock,
                       std::shared_ptr<Counters> counters, const Run& held, Duration lease,
                       Duration heartbeat_interval)
    : store_(std::move(store)),
      clock_(clock),
      counters_(std::move(counters)),
      lease_(lease),
      heartbeat_interval_(heartbeat_interval),
      write_nonce_(Random::Real()->Next64()) {
  fence_.run_id = held.run_id;
  fence_.owner = held.lease.owner;
  fence_.epoch = held.lease.epoch;
  lease_expires_at_ = held.lease.expires_at;
  if (held.cancel_requested) cancelled_.store(true);
}

void RunControl::NoteRun(const Run& run) {
  if (run.cancel_requested && !cancelled_.load()) SetCancelRequested();
  if (run.lease.owner == fence_.owner && run.lease.epoch == fence_.epoch &&
      run.lease.expires_at > lease_expires_at_) {
    lease_expires_at_ = run.lease.expires_at;
  }
}

std::string RunControl::NextWriteId() {
  return fmt::format("{:012x}-{:x}", write_nonce_ & 0xffffffffffffull, ++writes_);
}

Result<Run> RunControl::WriteLocked(const std::function<Result<Run>(const store::Fence&)>& op,
                                    bool abandoning) {
  Duration wait = kFirstRetryWait;
  // Every try below is the same write: a try whose answer was lost and that committed is
  // recognised by the next one (store::Fence::write_id).
  store::Fence fence = fence_;
  fence.write_id = NextWriteId();
  for (int attempt = 0;; ++attempt) {
    if ((lost_.load() && !abandoning) || done_.load()) {
      return Status::Fenced("run " + fence_.run_id + " not held");
    }
    Result<Run> r = op(fence);
    if (r.ok()) {
      NoteRun(*r);
      return r;
    }
    const Status& s = r.error();
    if (IsLoss(s)) {
      lost_.store(true);
      Wake();
      return r;
    }
    if (WaitBeforeRetry(s, attempt, &wait)) continue;
    if (!IsAmbiguous(s)) return r;
    return SettleLocked(op, fence, abandoning, std::move(r));
  }
}

Result<Run> RunControl::SettleLocked(const std::function<Result<Run>(const store::Fence&)>& op,
                                     const store::Fence& fence, bool abandoning, Result<Run> last) {
  const TimePoint until = clock_->Now() + kSettleFor;
  while (IsAmbiguous(last.error()) && clock_->Now() < until) {
    if ((lost_.load() && !abandoning) || done_.load()) break;
    clock_->SleepFor(kMaxRetryWait);
    last = op(fence);
    if (last.ok()) {
      NoteRun(*last);
      return last;
    }
    if (IsLoss(last.error())) {
      lost_.store(true);
      Wake();
      return last;
    }
  }
  return last;
}

bool RunControl::WaitBeforeRetry(const Status& s, int attempt, Duration* wait) {
  // Called with write_mu_ held (lease_expires_at_ is guarded by it).
  if (!IsTransient(s) || attempt >= kStoreRetries || clock_->Now() + *wait >= lease_expires_at_) {
    return false;
  }
  clock_->SleepFor(*wait);
  *wait = std::min(kMaxRetryWait, *wait * 2);
  return true;
}

Status RunControl::RetryTransient(const std::function<Status()>& op) {
  Duration wait = kFirstRetryWait;
  for (int attempt = 0;; ++attempt) {
    Status s = op();
    if (s.ok()) return s;
    std::lock_guard<std::mutex> lock(write_mu_);  // lease_expires_at_ is guarded by it
    if (!WaitBeforeRetry(s, attempt, &wait)) return s;
  }
}

Result<Run> RunControl::Write(const std::function<Result<Run>(const store::Fence&)>& op) {
  std::lock_guard<std::mutex> lock(write_mu_);
  return WriteLocked(op);
}

Status RunControl::WriteStatus(const std::function<Status(const store::Fence&)>& op) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Result<Run> r = WriteLocked([&](const store::Fence& f) -> Result<Run> {
    Status s = op(f);
    if (!s.ok()) return s;
    return Run{};  // ReleaseRun returns no run: nothing to note
  });
  return r.status();
}

bool RunControl::Abandon(const std::function<Status(const store::Fence&)>& release,
                         Status* release_status) {
  // abandoned_ before lost_: an executor that sees lost() must be able to tell why.
  if (!lost_.load()) abandoned_.store(true);
  const bool was_lost = lost_.exchange(true);
  Wake();
  std::lock_guard<std::mutex> lock(write_mu_);  // a write in flight returns first
  if (done_.load() || was_lost) {
    done_.store(true);
    return false;
  }
  Result<Run> r = WriteLocked(
      [&](const store::Fence& f) -> Result<Run> {
        Status s = release(f);
        if (!s.ok()) return s;
        return Run{};
      },
      /*abandoning=*/true);
  MarkDone();
  *release_status = r.status();
  return true;
}

Status RunControl::Heartbeat(bool force) {
  if (done_.load()) return Status::OK();
  if (lost_.load()) return Status::Fenced("lease of run " + fence_.run_id + " lost");
  std::lock_guard<std::mutex> lock(write_mu_);
  if (done_.load()) return Status::OK();
  Duration left = std::chrono::duration_cast<Duration>(lease_expires_at_ - clock_->Now());
  if (!force && left > lease_ - heartbeat_interval_) {
    return cancel_requested() ? Status::Cancelled("run cancelled") : Status::OK();
  }
  Counters::Inc(counters_->heartbeats);
  Result<Run> r = store_->ExtendLease(fence_, lease_);
  if (r.ok()) {
    NoteRun(*r);
    return cancel_requested() ? Status::Cancelled("run cancelled") : Status::OK();
  }
  if (IsLoss(r.error())) {
    lost_.store(true);
    Wake();
  }
  return r.error();
}

void RunControl::SetCancelRequested() {
  cancelled_.store(true);
  Wake();
}

void RunControl::MarkDone() {
  done_.store(true);
  Wake();
}

void RunControl::WaitFor(Duration d, const std::atomic<bool>* stop) {
  std::unique_lock<std::mutex> lock(wait_mu_);
  int64_t seen = wakeups_;
  wait_cv_.wait_for(lock, d, [&] {
    return wakeups_ != seen || cancelled_.load() || lost_.load() || (stop && stop->load());
  });
}

void RunControl::Wake() {
  {
    std::lock_guard<std::mutex> lock(wait_mu_);
    ++wakeups_;
  }
  wait_cv_.notify_all();
}

}  // namespace dynaflow::engine::internal
