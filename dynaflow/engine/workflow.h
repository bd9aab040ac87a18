// Workflow definitions: typed steps with stable names, assembled by WorkflowBuilder into an
// immutable Workflow. Definitions are separate from execution: a Workflow is a light, copyable
// handle that Engine::Register hands to workers; runs re-attach to it by (id, version) and by
// step name after any restart, so names must never change within a version.
//
//   auto wf = WorkflowBuilder("order-saga", 1)
//       .Step(MakeStep<Order, Reservation>("reserve", Reserve).Compensate(Release))
//       .Step<Reservation, Payment>("charge", Charge, charge_options)  // a StepOptions
//       .Parallel("notify", MakeStep<Payment, Unit>("email", Email),
//                           MakeStep<Payment, Unit>("sms", Sms).When(WantsSms))
//       .Sleep("cool-off", std::chrono::minutes(10))
//       .Step<Unit, Shipment>("ship", Ship)  // Unit input: reads ctx.Output<Payment>("charge")
//       .Build();
//
// Data flow: a step's input is the value passed on by the node before it (the run's input for
// the first node). A step whose input type is Unit accepts any value (and ignores it). What a
// node passes on:
//   step            its output; a conditional step passes its input on when it was SKIPPED, so
//                   when its input and output types differ it passes on Unit (read the output
//                   by name instead)
//   parallel group  std::vector<T> of the outputs of the branches that ran, in declaration
//                   order, when every branch returns T; otherwise Unit
//   sleep           its input, unchanged
// Build() checks the whole chain and fails with kInvalidArgument naming the first mismatch.
//
// Step callables: (StepContext&, const In&) -> Result<Out> | Out (| Status when Out is Unit).
// They run concurrently for different runs and must be thread-safe; exceptions they throw
// become step failures (kInternal, retried per the policy), never escape the engine.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "dynaflow/engine/codec.h"
#include "dynaflow/engine/erased.h"
#include "dynaflow/engine/retry_policy.h"
#include "dynaflow/engine/step_context.h"
#include "dynaflow/model/type_name.h"

namespace dynaflow::engine {

template <class R, class Out>
concept StepReturn = std::same_as<R, Result<Out>> ||
                     (std::same_as<R, Status>&& std::same_as<Out, Unit>) ||
                     (!std::same_as<R, Status> && std::convertible_to<R, Out>);

// A step body: (StepContext&, const In&) returning Result<Out>, Out, or Status for Out = Unit.
template <class F, class In, class Out>
concept StepFunction = Encodable<In> && Encodable<Out> && std::copy_constructible<F> &&
    std::invocable<F&, StepContext&, const In&> &&
    StepReturn<std::invoke_result_t<F&, StepContext&, const In&>, Out>;

// Undoes a completed step: (StepContext&, const In&, const Out&) -> Status | void.
template <class C, class In, class Out>
concept CompensationFunction = std::copy_constructible<C> &&
    std::invocable<C&, StepContext&, const In&, const Out&> &&
    (std::same_as<std::invoke_result_t<C&, StepContext&, const In&, const Out&>, Status> ||
     std::is_void_v<std::invoke_result_t<C&, StepContext&, const In&, const Out&>>);

// Decides whether a conditional step runs: (StepContext&, const In&) -> bool | Result<bool>.
// Earlier outputs are available through ctx.Output<T>(name).
template <class P, class In>
concept StepPredicate = std::copy_constructible<P> && std::invocable<P&, StepContext&, const In&> &&
    (std::same_as<std::invoke_result_t<P&, StepContext&, const In&>, Result<bool>> ||
     std::convertible_to<std::invoke_result_t<P&, StepContext&, const In&>, bool>);

// Computes a wake time: (StepContext&, const In&) -> TimePoint | Result<TimePoint>.
template <class F, class In>
concept WakeFunction = std::copy_constructible<F> && std::invocable<F&, StepContext&, const In&> &&
    (std::same_as<std::invoke_result_t<F&, StepContext&, const In&>, Result<TimePoint>> ||
     std::same_as<std::invoke_result_t<F&, StepContext&, const In&>, TimePoint>);

// One typed step: name, body, options, optional compensation and condition.
template <Encodable In, Encodable Out>
class StepSpec {
 public:
  template <StepFunction<In, Out> F>
  StepSpec(std::string name, F fn) {
    def_.name = std::move(name);
    def_.in = erased::MakeTypeCodec<In>();
    def_.out = erased::MakeTypeCodec<Out>();
    auto f = std::make_shared<F>(std::move(fn));
    def_.run = [f](StepContext& ctx, const erased::Value& in) -> Result<erased::Value> {
      using R = std::invoke_result_t<F&, StepContext&, const In&>;
      const In& typed = std::any_cast<const In&>(in);
      if constexpr (std::same_as<R, Result<Out>>) {
        Result<Out> r = (*f)(ctx, typed);
        if (!r.ok()) return std::move(r).error();
        return erased::Value(std::move(r).value());
      } else if constexpr (std::same_as<R, Status>) {
        Status s = (*f)(ctx, typed);
        if (!s.ok()) return s;
        return erased::Value(Unit{});
      } else {
        return erased::Value(Out((*f)(ctx, typed)));
      }
    };
  }

  StepSpec& Options(StepOptions options) {
    def_.options = std::move(options);
    return *this;
  }
  StepSpec& Retry(RetryPolicy policy) {
    def_.options.retry = std::move(policy);
    return *this;
  }
  StepSpec& Timeout(Duration attempt_timeout) {
    def_.options.attempt_timeout = attempt_timeout;
    return *this;
  }
  // Runs (persisted as step "compensate:<name>", retried per options.compensation_retry) when
  // a later step fails for good or the run is cancelled, in reverse order of the steps.
  template <CompensationFunction<In, Out> C>
  StepSpec& Compensate(C fn) {
    auto c = std::make_shared<C>(std::move(fn));
    def_.compensate = [c](StepContext& ctx, const erased::Value& in,
                          const erased::Value& out) -> Status {
      const In& i = std::any_cast<const In&>(in);
      const Out& o = std::any_cast<const Out&>(out);
      if constexpr (std::is_void_v<std::invoke_result_t<C&, StepContext&, const In&, const Out&>>) {
        (*c)(ctx, i, o);
        return Status::OK();
      } else {
        return (*c)(ctx, i, o);
      }
    };
    return *this;
  }
  // Makes the step conditional: recorded SKIPPED when `predicate` is false. A predicate error
  // fails the step like a non-retryable step error.
  template <StepPredicate<In> P>
  StepSpec& When(P predicate) {
    auto p = std::make_shared<P>(std::move(predicate));
    def_.when = [p](StepContext& ctx, const erased::Value& in) -> Result<bool> {
      using R = std::invoke_result_t<P&, StepContext&, const In&>;
      if constexpr (std::same_as<R, Result<bool>>) {
        return (*p)(ctx, std::any_cast<const In&>(in));
      } else {
        return static_cast<bool>((*p)(ctx, std::any_cast<const In&>(in)));
      }
    };
    return *this;
  }

  const std::string& name() const { return def_.name; }

 private:
  friend class WorkflowBuilder;
  erased::StepDef def_;
};

template <Encodable In, Encodable Out, StepFunction<In, Out> F>
StepSpec<In, Out> MakeStep(std::string name, F fn) {
  return StepSpec<In, Out>(std::move(name), std::move(fn));
}

class Workflow;
namespace internal {
struct Node;
struct WorkflowDef;
const std::shared_ptr<const WorkflowDef>& DefinitionOf(const Workflow& workflow);
Workflow WorkflowOf(std::shared_ptr<const WorkflowDef> def);
}  // namespace internal

// A built definition: a light, copyable handle to an immutable shared definition (opaque: the
// engine reads it).
class Workflow {
 public:
  Workflow() = default;  // empty: valid() is false

  bool valid() const { return def_ != nullptr; }
  const std::string& id() const;
  int32_t version() const;
  // The type the run's input must have (the first node's input type).
  std::type_index input_type() const;
  // The type of a completed run's result: a code workflow's result type, the output type of a
  // builder workflow's last step, await or child node; typeid(void) when it has none.
  std::type_index result_type() const;
  // input_type() as a readable name, e.g. "int".
  std::string input_type_name() const;
  // OK when a run input of type `in` fits; kInvalidArgument naming both types (or an empty
  // workflow) otherwise.
  Status CheckInput(const std::type_info& in) const;
  // Every recorded step name, in definition order (parallel branches in declaration order); none
  // for a code workflow (its calls are known only when it runs).
  std::vector<std::string> step_names() const;

 private:
  friend const std::shared_ptr<const internal::WorkflowDef>& internal::DefinitionOf(
      const Workflow& workflow);
  friend Workflow internal::WorkflowOf(std::shared_ptr<const internal::WorkflowDef> def);
  std::shared_ptr<const internal::WorkflowDef> def_;
};

// Assembles a workflow. Methods record the first error (bad name, bad options) and Build()
// returns it; methods never throw.
class WorkflowBuilder {
 public:
  // `id`: non-empty, no '#', at most 200 bytes. `version` >= 1.
  WorkflowBuilder(std::string id, int32_t version = 1);
  WorkflowBuilder(const WorkflowBuilder& other);
  WorkflowBuilder(WorkflowBuilder&& other) noexcept;
  WorkflowBuilder& operator=(const WorkflowBuilder& other);
  WorkflowBuilder& operator=(WorkflowBuilder&& other) noexcept;
  ~WorkflowBuilder();

  template <Encodable In, Encodable Out, StepFunction<In, Out> F>
  WorkflowBuilder& Step(std::string name, F fn, StepOptions options = {}) {
    return Step(StepSpec<In, Out>(std::move(name), std::move(fn)).Options(std::move(options)));
  }
  template <Encodable In, Encodable Out>
  WorkflowBuilder& Step(const StepSpec<In, Out>& spec) {
    return AddStep(spec.def_);
  }

  // Fan-out / fan-in: the branches run concurrently (each one a recorded step with its own
  // retry policy, compensation and condition); the next node starts when all have finished.
  // `group` names the group in logs and must be unique like step names; it is not recorded.
  template <Encodable In, Encodable... Outs>
  WorkflowBuilder& Parallel(std::string group, const StepSpec<In, Outs>&... branches) {
    std::vector<erased::StepDef> steps;
    (steps.push_back(branches.def_), ...);
    if constexpr (sizeof...(Outs) > 0 && AllSame<Outs...>()) {
      using T = std::tuple_element_t<0, std::tuple<Outs...>>;
      auto join = [](std::vector<erased::Value> values) {
        std::vector<T> out;
        out.reserve(values.size());
        for (auto& v : values) out.push_back(std::move(std::any_cast<T&>(v)));
        return erased::Value(std::move(out));
      };
      return AddParallel(std::move(group), std::move(steps), join, typeid(std::vector<T>));
    } else {
      auto join = [](std::vector<erased::Value>) { return erased::Value(Unit{}); };
      return AddParallel(std::move(group), std::move(steps), join, typeid(Unit));
    }
  }

  // Durable sleep for `duration` from the moment the run first reaches this node (that wake
  // time is recorded as the node's output, so a resumed run keeps it). Passes its input on.
  WorkflowBuilder& Sleep(std::string name, Duration duration);

  // Durable sleep until the time `fn` computes from the node's input (recorded like Sleep).
  template <Encodable In, WakeFunction<In> F>
  WorkflowBuilder& SleepUntil(std::string name, F fn) {
    auto f = std::make_shared<F>(std::move(fn));
    auto wake_at = [f](StepContext& ctx, const erased::Value& in) -> Result<TimePoint> {
      return (*f)(ctx, std::any_cast<const In&>(in));
    };
    return AddSleepUntil(std::move(name), wake_at, typeid(In));
  }

  // Waits for the event `event_name` sent to the run (Engine::SendEvent) and passes its payload
  // on, decoded as T (recorded as the node's output, with the event's id). The run is parked
  // while it waits (SLEEPING, no lease, no thread) and any worker resumes it when the event
  // arrives or `timeout` (from when the run first reached the node) passes; a timeout fails the
  // node with kTimeout, so earlier steps are compensated. Events of one name are consumed in the
  // order they were sent, each by one node: an event sent before the run reached the node is
  // kept and consumed at once. The node is recorded as `name` (the event name by default).
  template <Encodable T>
  WorkflowBuilder& AwaitEvent(std::string event_name, Duration timeout) {
    std::string name = event_name;
    return AwaitEvent<T>(std::move(name), std::move(event_name), timeout);
  }
  template <Encodable T>
  WorkflowBuilder& AwaitEvent(std::string name, std::string event_name, Duration timeout) {
    return AddAwaitEvent(std::move(name), std::move(event_name), timeout,
                         erased::MakeTypeCodec<T>());
  }

  // Starts a run of `child` (its input: the value passed on to this node) and waits for it,
  // parked like AwaitEvent; passes on the child's result (the output of its last node, which
  // must be a step). The child's run id is derived from this run's id and `name`
  // (ChildRunId), so a resumed parent never starts a second child. A child that ends other
  // than COMPLETED fails this node (earlier steps are compensated); cancelling the parent
  // cancels its running children. The parent resumes when the child finishes (the worker
  // finishing it wakes the parent) and, as a safety net, every `recheck`. Workers of the
  // parent's process need `child` registered to run it there.
  WorkflowBuilder& Child(std::string name, const Workflow& child,
                         Duration recheck = std::chrono::seconds(60));

  // Validates and freezes the definition. Errors: kInvalidArgument (no steps, empty, duplicate
  // or reserved names, type mismatches along the chain, bad options).
  Result<Workflow> Build() const;

 private:
  template <class First, class... Rest>
  static constexpr bool AllSame() {
    return (std::is_same_v<First, Rest> && ...);
  }
  WorkflowBuilder& AddStep(erased::StepDef step);
  WorkflowBuilder& AddParallel(std::string group, std::vector<erased::StepDef> branches,
                               std::function<erased::Value(std::vector<erased::Value>)> join,
                               std::type_index out_type);
  // `in_type`: the input type `wake_at` takes (Unit: any, ignored), checked by Build().
  WorkflowBuilder& AddSleepUntil(
      std::string name,
      std::function<Result<TimePoint>(StepContext&, const erased::Value&)> wake_at,
      std::type_index in_type);
  WorkflowBuilder& AddAwaitEvent(std::string name, std::string event_name, Duration timeout,
                                 erased::TypeCodec payload);
  WorkflowBuilder& Add(internal::Node node);

  std::string id_;
  int32_t version_;
  std::vector<internal::Node> nodes_;  // complete in workflow.cc
};

}  // namespace dynaflow::engine
