// The type-erased forms that the typed templates of the public API build: StepSpec and
// WorkflowBuilder (dynaflow/engine/workflow.h), WorkflowContext (workflow_context.h) and
// DurableWorkflow (durable.h) turn typed callables into these, and the engine executes them.
// User code does not name them; they are here because templates must see their definitions.
// A workflow's whole definition (its nodes, its name index) stays inside the engine.
//
// Values travel as std::any holding exactly the declared C++ type; payloads (recorded outputs,
// run input) are the Codec bytes.
#pragma once

#include <any>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "dynaflow/engine/codec.h"
#include "dynaflow/engine/retry_policy.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/type_name.h"

namespace dynaflow::engine {
class StepContext;
class Workflow;
class WorkflowContext;
}  // namespace dynaflow::engine

namespace dynaflow::engine::erased {

using Value = std::any;

// Payload <-> value conversions of one C++ type.
struct TypeCodec {
  std::type_index type = typeid(void);
  std::string type_name;  // for error messages (readable, see dynaflow/model/type_name.h)
  std::function<std::string(const Value&)> encode;
  std::function<Result<Value>(std::string_view)> decode;
};

template <Encodable T>
TypeCodec MakeTypeCodec() {
  TypeCodec c;
  c.type = typeid(T);
  c.type_name = TypeName(typeid(T));
  c.encode = [](const Value& v) { return Codec<T>::Encode(std::any_cast<const T&>(v)); };
  c.decode = [](std::string_view payload) -> Result<Value> {
    auto r = Codec<T>::Decode(payload);
    if (!r.ok()) return r.error();
    return Value(std::move(r).value());
  };
  return c;
}

// One step of a builder workflow.
struct StepDef {
  std::string name;
  TypeCodec in;
  TypeCodec out;
  StepOptions options;
  // One attempt. Returns the output value or the step's error. May throw (user code): the
  // caller catches.
  std::function<Result<Value>(StepContext&, const Value& in)> run;
  // Empty: the step always runs. Otherwise true: run, false: recorded SKIPPED.
  std::function<Result<bool>(StepContext&, const Value& in)> when;
  // Empty: nothing to undo. Otherwise undoes a COMPLETED step given its input and output.
  std::function<Status(StepContext&, const Value& in, const Value& out)> compensate;
};

// One step-like call of a code workflow: a step, a Map / All branch, a state operation, a
// recorded value.
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

// Executes the calls of one execution of a code workflow's function (implemented by the
// engine). Every method returns the call's result, or the context's stop Status once the
// context stopped (see WorkflowContext).
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
  // `child` is valid (checked by the caller).
  virtual Result<Value> Child(const std::string& name, const Workflow& child,
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

// Calls `f` and turns what it returns (Result<Out> | Out | Status for Out = Unit) into
// Result<Value>; exceptions are left to the caller (the executor turns them into step failures).
template <class Out, class F, class... Args>
Result<Value> InvokeCodeBody(F& f, Args&&... args) {
  using R = std::invoke_result_t<F&, Args...>;
  if constexpr (std::same_as<R, Result<Out>>) {
    Result<Out> r = f(std::forward<Args>(args)...);
    if (!r.ok()) return std::move(r).error();
    return Value(std::move(r).value());
  } else if constexpr (std::same_as<R, Status>) {
    Status s = f(std::forward<Args>(args)...);
    if (!s.ok()) return s;
    return Value(Unit{});
  } else {
    return Value(Out(f(std::forward<Args>(args)...)));
  }
}

// A code workflow from its erased function: validates id and version (as WorkflowBuilder does)
// and freezes the definition (DurableWorkflow, dynaflow/engine/durable.h).
Result<Workflow> MakeCodeWorkflow(std::string id, int32_t version, TypeCodec input,
                                  TypeCodec output,
                                  std::function<Result<Value>(WorkflowContext&, const Value&)> fn);

}  // namespace dynaflow::engine::erased
