// The type-erased form of a workflow definition, built by WorkflowBuilder and DurableWorkflow
// (dynaflow/engine/workflow.h, durable.h) from the erased pieces of dynaflow/engine/erased.h and
// executed by the worker (run_executor.h). Not installed: the public Workflow handle holds it
// opaquely, and the engine reaches it through DefinitionOf / WorkflowOf below.
//
// Immutable once built; shared by every run of the workflow (thread-safe to read).
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <typeindex>
#include <vector>

#include "dynaflow/engine/erased.h"
#include "dynaflow/engine/retry_policy.h"
#include "dynaflow/engine/workflow.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::engine::internal {

using erased::CodeCall;
using erased::CodeHost;
using erased::StepDef;
using erased::TypeCodec;
using erased::Value;

enum class NodeKind {
  kStep,        // one step
  kParallel,    // branches run concurrently; all see the same input
  kSleep,       // durable sleep: the run leaves the worker until the wake time
  kAwaitEvent,  // waits (parked, no lease) for a named event sent to the run, or a timeout
  kChild,       // starts a child run and waits (parked) for its outcome
};

struct WorkflowDef;

struct Node {
  NodeKind kind = NodeKind::kStep;
  // kStep / kSleep: the step's name (recorded); kParallel: the group's name (not recorded).
  std::string name;
  // kStep: one; kParallel: the branches; kSleep: none; kAwaitEvent: one without a body (its
  // output codec decodes the event); kChild: one without a body (in: the child's input, out:
  // the child's result).
  std::vector<StepDef> steps;
  // kParallel: the value passed on, from the outputs of the branches that ran (declaration
  // order). kStep / kSleep: unused.
  std::function<Value(std::vector<Value>)> join;
  // kSleep: the wake time, from the node's input. Empty for a fixed duration (sleep_for).
  std::function<Result<TimePoint>(StepContext&, const Value& in)> wake_at;
  Duration sleep_for{0};
  // kSleep with wake_at: the input type wake_at takes (Unit: any, ignored).
  std::type_index sleep_in_type = typeid(void);
  // kAwaitEvent: the event's name and how long to wait from when the run first reaches the node.
  std::string event_name;
  Duration wait_timeout{0};
  // kChild: the child workflow and how often a parked parent looks at the child anyway (in
  // case the wake-up of the worker that finished the child was lost).
  std::shared_ptr<const WorkflowDef> child;
  Duration child_recheck{60000};
  // The type of the value passed on after this node, set by Build(). For a conditional kStep
  // whose input and output types differ this is Unit (the next step cannot know which one it
  // gets). For kParallel set when the node is made.
  std::type_index out_type = typeid(void);
};

struct WorkflowDef {
  std::string id;
  int32_t version = 1;
  TypeCodec input;  // the first node's input type (a code workflow: the function's)
  // A builder workflow's nodes (at least one); empty for a code workflow.
  std::vector<Node> nodes;
  // A code workflow (DurableWorkflow): its function and result type. Empty for a builder one.
  std::function<Result<Value>(WorkflowContext&, const Value& in)> code;
  TypeCodec output;
  // Every recorded step name (steps, branches, sleeps) -> (node index, branch index).
  std::map<std::string, std::pair<size_t, size_t>, std::less<>> steps_by_name;

  // The StepDef of a recorded step, or nullptr (sleep nodes and unknown names). Await-event and
  // child nodes have one (no body): its output codec is the event's / the child's result type.
  const StepDef* FindStep(std::string_view name) const;
};

// The definition a workflow handle holds (nullptr for an empty handle), and a handle for a
// definition.
const std::shared_ptr<const WorkflowDef>& DefinitionOf(const Workflow& workflow);
Workflow WorkflowOf(std::shared_ptr<const WorkflowDef> def);

// The prefix of compensation step ids: "compensate:<step>".
inline constexpr char kCompensatePrefix[] = "compensate:";

// The record holding a code workflow's result when it is too large for the run item.
inline constexpr char kCodeResultStep[] = "@result";

// The step whose output holds a COMPLETED run's result when the run item has none inline: a
// code workflow's kCodeResultStep, a builder workflow's last step (empty: none).
std::string ResultStep(const WorkflowDef& def);

// The run id of the child a parent's step starts: "<parentRunId>.<step>" (deterministic, so a
// resumed or retried parent finds the child it started instead of starting another); when that
// is longer than a run id may be, a prefix of the parent id and a hash of both.
std::string ChildRunId(const std::string& parent_run_id, const std::string& step);

}  // namespace dynaflow::engine::internal
