// The type-erased calls of a code workflow (WorkflowContext, dynaflow/engine/workflow_context.h)
// and the interface that executes them (CodeRun, dynaflow/engine/internal/code_run.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/engine/internal/definition.h"
#include "dynaflow/engine/retry_policy.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::engine::internal {

// One step-like call: a step, a Map / All branch, a state operation, a recorded value.
struct CodeCall {
  std::string name;  // empty for branches (their id comes from the group)
  std::string kind;  // StepExecution::kind of its record ("" for a step)
  StepOptions options;
  TypeCodec out;
  // One attempt; may throw (the executor turns exceptions into step failures).
  std::function<Result<Value>(StepContext&)> body;
  // Empty: nothing to undo. Registered when the step completes or replays as completed.
  std::function<Status(StepContext&, const Value& out)> compensate;
};

// Executes the calls of one execution of a code workflow's function. Every method returns the
// call's result, or the context's stop Status once the context stopped (see WorkflowContext).
class CodeHost {
 public:
  virtual ~CodeHost() = default;
  virtual const std::string& run_id() const = 0;
  virtual bool stopped() const = 0;
  virtual bool replaying() const = 0;
  virtual Result<Value> Call(CodeCall call) = 0;
  // Exactly one of `duration` and `wake` is set.
  virtual Status Sleep(const std::string& name, std::optional<Duration> duration,
                       std::optional<TimePoint> wake) = 0;
  virtual Result<Value> AwaitEvent(const std::string& name, const std::string& event_name,
                                   Duration timeout, const TypeCodec& codec) = 0;
  virtual Result<Value> Child(const std::string& name, std::shared_ptr<const WorkflowDef> child,
                              std::string input) = 0;
  // The branches' outputs in order, or the first failed branch's error.
  virtual Result<std::vector<Value>> Fan(const std::string& name, std::vector<CodeCall> branches,
                                         int max_concurrency) = 0;
  virtual bool Patched(const std::string& change_id) = 0;
  virtual Status ContinueAsNew(std::string input) = 0;
  // A fresh value for Now / Random / NewId (recorded by the caller through Call).
  virtual TimePoint FreshNow() = 0;
  virtual uint64_t FreshRandom() = 0;
};

}  // namespace dynaflow::engine::internal
