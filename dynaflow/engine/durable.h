// Code workflows: a workflow that is a plain C++ function, registered and started like a
// builder workflow (Engine::Register / Start, the same typed codecs):
//
//   auto fulfil = DurableWorkflow<Order, Shipment>("fulfil", 1,
//       [&](WorkflowContext& ctx, const Order& order) -> Result<Shipment> {
//         for (const Line& line : order.lines) {
//           DYNAFLOW_ASSIGN_OR_RETURN(auto hold,
//               ctx.Step("reserve", [&](StepContext& s) { return inv.Reserve(s, line); })
//                   .Compensate([&](StepContext& s, const Hold& h) { inv.Release(s, h); }));
//         }
//         ...
//       });
//
// Running a run calls the function; resuming it (after a crash, a wait, on another worker)
// calls it again from the top: recorded calls return their records, the first call without a
// record does new work. See dynaflow/engine/workflow_context.h and docs/code-workflows.md.
//
// The function runs on a worker thread, once per execution of a run, concurrently for
// different runs: it must be thread-safe, and deterministic between its calls (the same calls
// in the same order for the same input and the same recorded results). Exceptions it throws
// fail the run (kInternal).
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "dynaflow/engine/workflow.h"
#include "dynaflow/engine/workflow_context.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::engine {

// The function of a code workflow: (WorkflowContext&, const In&) -> Result<Out>.
template <class F, class In, class Out>
concept WorkflowFunction = Encodable<In> && Encodable<Out> && std::copy_constructible<F> &&
    std::invocable<F&, WorkflowContext&, const In&> &&
    std::same_as<std::invoke_result_t<F&, WorkflowContext&, const In&>, Result<Out>>;

// A code workflow. `id`: non-empty, no '#', at most 200 bytes; `version` >= 1.
// Errors: kInvalidArgument naming what is wrong.
template <Encodable In, Encodable Out, WorkflowFunction<In, Out> F>
Result<Workflow> DurableWorkflow(std::string id, int32_t version, F fn) {
  auto f = std::make_shared<F>(std::move(fn));
  auto erased = [f](WorkflowContext& ctx, const erased::Value& in) -> Result<erased::Value> {
    Result<Out> r = (*f)(ctx, std::any_cast<const In&>(in));
    if (!r.ok()) return std::move(r).error();
    return erased::Value(std::move(r).value());
  };
  return erased::MakeCodeWorkflow(std::move(id), version, erased::MakeTypeCodec<In>(),
                                  erased::MakeTypeCodec<Out>(), std::move(erased));
}

// Replays `history` (a run's records with their outputs and its input, as Engine::GetRun(id,
// true) returns them) through the function of `workflow` without executing anything: OK when
// the code asks for the recorded calls in the recorded order (it may go on past them);
// otherwise the run's non-determinism error (kConditionFailed, naming the run, the position,
// what was recorded and what the code asked for). kInvalidArgument: not a code workflow, or
// the input does not decode.
[[nodiscard]] Status CheckReplay(const Workflow& workflow, const store::RunDetails& history);

}  // namespace dynaflow::engine
