// StepContext: what a running step (or compensation, predicate, wake-time function) can see and
// do. The engine creates one per attempt and passes it by reference; it is valid during the
// call (and, for a timed-out attempt, until the step's code returns).
//
// Thread-safety: a context belongs to one attempt; its methods may be called from threads the
// step starts, but the step must not keep the reference after it returned.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>

#include "dynaflow/engine/codec.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/workflow_types.h"

namespace dynaflow::engine {

namespace internal {
struct RunShared;
struct AttemptShared;
}  // namespace internal

class StepContext {
 public:
  // Built by the engine only.
  StepContext(std::shared_ptr<internal::RunShared> run,
              std::shared_ptr<internal::AttemptShared> attempt);
  ~StepContext();
  StepContext(const StepContext&) = delete;
  StepContext& operator=(const StepContext&) = delete;

  const std::string& run_id() const;
  const std::string& workflow_id() const;
  int32_t workflow_version() const;
  // The step's stable name; "compensate:<step>" inside a compensation.
  const std::string& step_name() const;
  // 1 for the first attempt. Counted per worker session: a run resumed elsewhere restarts at 1.
  int attempt() const;
  // The worker (lease owner) executing this attempt.
  const std::string& worker_id() const;
  // "<run id>/<step name>": the same for every attempt on every worker, so side effects keyed
  // by it happen once (pass it to payment APIs and the like).
  std::string idempotency_key() const;
  // The engine's clock.
  TimePoint now() const;
  // The run's deadline, if it has one.
  std::optional<TimePoint> deadline() const;

  // True once the run was cancelled, this attempt timed out, or the worker lost the run's lease
  // (another worker took it over). Long steps should poll it and return early.
  bool cancelled() const;

  // Extends the run's lease when it is due (the worker also does this on its own, every
  // heartbeat interval, for as long as the step runs). Returns OK, kCancelled (cancel requested:
  // return soon), kFenced (the lease is lost: this attempt's result will be discarded) or the
  // store's error.
  Status Heartbeat();

  // Durable sleep from inside a step. Returns OK when `wake` has passed: carry on. Otherwise
  // records the request and returns a non-OK Status (kCancelled, "sleeping until ...") that
  // the step should return at once: the step is not recorded, the run is released SLEEPING
  // until `wake`, and any worker runs this step again (attempt 1) after `wake`, when the same
  // call returns OK. So compute `wake` from recorded data (input, earlier outputs, state),
  // never from now(): a step that asks for now() + 1 h sleeps forever.
  Status SleepUntil(TimePoint wake);

  // The recorded output of an earlier step (or parallel branch) of this run, decoded as T.
  // Errors: kNotFound (no such step, or it has not completed: not yet run, or SKIPPED),
  // kInvalidArgument (T is not the step's declared output type), kSerialization.
  template <Encodable T>
  Result<T> Output(std::string_view step) const {
    auto payload = OutputEncoded(step, typeid(T));
    if (!payload.ok()) return payload.error();
    return Codec<T>::Decode(*payload);
  }
  // The raw payload of an earlier step's output; `expected` (when not null) must be the step's
  // declared output type. Errors as Output().
  Result<std::string> OutputEncoded(std::string_view step,
                                    const std::type_info& expected = typeid(void)) const;

  // Workflow state of this run (any string value; not fenced). Errors: as the WorkflowStore's
  // (GetState: kNotFound; CompareAndSwapState: kConditionFailed when the version moved;
  // expected_version 0 means "must not exist").
  Result<StateEntry> GetState(const std::string& key);
  Result<int64_t> PutState(const std::string& key, const std::string& value);
  Result<int64_t> CompareAndSwapState(const std::string& key, const std::string& value,
                                      int64_t expected_version);

  // A logger named "dynaflow run=<run id> step=<step name>" writing to the engine's sinks.
  spdlog::logger& logger();

 private:
  std::shared_ptr<internal::RunShared> run_;
  std::shared_ptr<internal::AttemptShared> attempt_;
  std::shared_ptr<spdlog::logger> logger_;  // created on first use
};

}  // namespace dynaflow::engine
