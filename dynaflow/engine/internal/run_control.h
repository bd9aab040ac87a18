// RunControl: this worker's hold on one run — its fence, lease expiry, and the flags that stop
// work on it (cancel requested, lease lost, done). Every fenced store write of the run goes
// through Write(), which serializes the writes of one run (parallel branches, the heartbeat
// thread) and turns what the store answers into flags every attempt can see: a returned run
// with cancel_requested sets the cancel flag; kFenced (another owner claimed it),
// kConditionFailed (someone finished it) or kNotFound (deleted) mark the run lost.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "dynaflow/engine/internal/counters.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/workflow_types.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::engine::internal {

class RunControl {
 public:
  // `held`: the run as the claim / create returned it (lease owner and epoch set).
  RunControl(std::shared_ptr<store::WorkflowStore> store, Clock* clock,
             std::shared_ptr<Counters> counters, const Run& held, Duration lease,
             Duration heartbeat_interval);

  const std::string& run_id() const { return fence_.run_id; }
  const std::string& owner() const { return fence_.owner; }
  int64_t epoch() const { return fence_.epoch; }

  // The retry budget of one store operation of a held run (a write, or the load of its
  // records): transient errors (IsTransient) are retried up to kStoreRetries times, waiting
  // kFirstRetryWait doubling to kMaxRetryWait between tries, and never past the lease expiry.
  // Each try is one store call, whose requests the client retries itself (standard mode,
  // ClientOptions::retry.max_attempts = 3 attempts by default). So a DynamoDB outage costs a
  // held run at most 9 x 3 HTTP requests and at most 3.26 s of this budget's waiting (plus the
  // client's backoff, and never beyond the lease) before the error reaches the executor, which
  // then hands the run back or leaves it to its lease -- except a write without an answer, which
  // is settled first (kSettleFor below).
  static constexpr int kStoreRetries = 8;
  static constexpr Duration kFirstRetryWait{20};
  static constexpr Duration kMaxRetryWait{1000};
  // A write still without an answer when that budget is spent (IsAmbiguous: it may have
  // committed) is settled, not given up: the same write (same write id) is tried again every
  // kMaxRetryWait for at most kSettleFor more, past the lease expiry, until the store answers.
  // Its answer decides: the stored item names its writer, so a committed try reads as this
  // write's success, and a run taken over meanwhile fails the fence. Cut short when the run is
  // abandoned (a worker stop) or done.
  static constexpr Duration kSettleFor{30000};

  // Runs `op` (a read: no fence, no lock) under the retry budget above.
  Status RetryTransient(const std::function<Status()>& op);

  // Runs `op` with the current fence, under the retry budget above. Errors that
  // mean the run is no longer ours (IsLoss) mark it lost and are returned. After MarkDone() or
  // once lost, returns kFenced without calling `op`.
  Result<Run> Write(const std::function<Result<Run>(const store::Fence&)>& op);
  Status WriteStatus(const std::function<Status(const store::Fence&)>& op);

  // Extends the lease when it is due (less than lease - heartbeat_interval left) or `force`.
  // Returns OK, kCancelled (cancel requested), kFenced / kConditionFailed / kNotFound (lost) or
  // the store's error.
  Status Heartbeat(bool force);

  bool cancel_requested() const { return cancelled_.load(); }
  void SetCancelRequested();
  // True once the lease is lost (a fenced write or heartbeat said so) or the run was abandoned.
  bool lost() const { return lost_.load(); }

  // Worker::Stop past its grace, while an attempt of this run may still be running: marks the
  // run abandoned and lost (running attempts see StepContext::cancelled(); every later Write /
  // WriteStatus returns kFenced without calling the store) and waits for a write in flight to
  // return. Then, unless the run was finished, handed back or lost meanwhile (returns false),
  // runs `release` once with the fence (transient errors retried as Write does), stores what
  // it returned in *release_status, marks the run done and returns true. Called once, by the
  // worker.
  bool Abandon(const std::function<Status(const store::Fence&)>& release, Status* release_status);
  bool abandoned() const { return abandoned_.load(); }
  // No more writes: the run was finished or handed back. Heartbeats stop.
  void MarkDone();
  bool done() const { return done_.load(); }

  // Waits up to `d` (real time); returns early on Wake(), cancel, loss, or when `stop` (may be
  // null) is set.
  void WaitFor(Duration d, const std::atomic<bool>* stop);
  void Wake();

 private:
  // `abandoning`: the release of Abandon, which may write although lost_ is set.
  Result<Run> WriteLocked(const std::function<Result<Run>(const store::Fence&)>& op,
                          bool abandoning = false);
  void NoteRun(const Run& run);
  // A new store::Fence::write_id: unique among this worker's writes of the run (a counter) and
  // among every other writer's (a nonce from Random::Real()). Called with write_mu_ held.
  std::string NextWriteId();
  // After failed try `attempt` (0-based) with `s`: sleeps and doubles *wait, or returns false
  // when the budget is spent (s not transient, attempts used up, lease too short).
  // The settling of RunControl::kSettleFor; `last` is the ambiguous error of the last try.
  Result<Run> SettleLocked(const std::function<Result<Run>(const store::Fence&)>& op,
                           const store::Fence& fence, bool abandoning, Result<Run> last);
  bool WaitBeforeRetry(const Status& s, int attempt, Duration* wait);

  const std::shared_ptr<store::WorkflowStore> store_;
  Clock* const clock_;
  const std::shared_ptr<Counters> counters_;
  const Duration lease_;
  const Duration heartbeat_interval_;

  std::mutex write_mu_;         // serializes store writes of this run
  store::Fence fence_;          // constant after construction
  TimePoint lease_expires_at_;  // guarded by write_mu_
  const uint64_t write_nonce_;
  uint64_t writes_ = 0;  // guarded by write_mu_

  std::atomic<bool> cancelled_{false};
  std::atomic<bool> lost_{false};
  std::atomic<bool> abandoned_{false};
  std::atomic<bool> done_{false};

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  int64_t wakeups_ = 0;  // guarded by wait_mu_
};

// Throttling, unavailability, timeouts, cancelled transactions and unreadable answers: worth
// another try.
bool IsTransient(const Status& s);
// No answer, or none that can be read (kUnavailable, kTimeout, kSerialization): the write may
// have committed.
bool IsAmbiguous(const Status& s);
// kFenced, kConditionFailed, kNotFound: a fenced write found the run taken over, finished by
// someone else, or deleted.
bool IsLoss(const Status& s);

}  // namespace dynaflow::engine::internal
