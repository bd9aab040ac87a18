// The type-erased form of a workflow definition, built by WorkflowBuilder (engine/workflow.h)
// and executed by the worker (run_executor.h). Values travel between steps as std::any holding
// exactly the declared C++ type; payloads (recorded outputs, run input) are the Codec bytes.
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

#include "engine/retry_policy.h"
#include "model/clock.h"
#include "model/result.h"

namespace dynaflow::engine {
class StepContext;
}

namespace dynaflow::engine::internal {

using Value = std::any;

// Payload <-> value conversions of one C++ type.
struct TypeCodec {
  std::type_index type = typeid(void);
  std::string type_name;  // for error messages (typeid name; may be mangled)
  std::function<std::string(const Value&)> encode;
  std::function<Result<Value>(std::string_view)> decode;
};

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

enum class NodeKind {
  kStep,      // one step
  kParallel,  // branches run concurrently; all see the same input
  kSleep,     // durable sleep: the run leaves the worker until the wake time
};

struct Node {
  NodeKind kind = NodeKind::kStep;
  // kStep / kSleep: the step's name (recorded); kParallel: the group's name (not recorded).
  std::string name;
  std::vector<StepDef> steps;  // kStep: one; kParallel: the branches; kSleep: none
  // kParallel: the value passed on, from the outputs of the branches that ran (declaration
  // order). kStep / kSleep: unused.
  std::function<Value(std::vector<Value>)> join;
  // kSleep: the wake time, from the node's input. Empty for a fixed duration (sleep_for).
  std::function<Result<TimePoint>(StepContext&, const Value& in)> wake_at;
  Duration sleep_for{0};
  // kSleep with wake_at: the input type wake_at takes (Unit: any, ignored).
  std::type_index sleep_in_type = typeid(void);
  // The type of the value passed on after this node, set by Build(). For a conditional kStep
  // whose input and output types differ this is Unit (the next step cannot know which one it
  // gets). For kParallel set when the node is made.
  std::type_index out_type = typeid(void);
};

struct WorkflowDef {
  std::string id;
  int32_t version = 1;
  TypeCodec input;  // the first node's input type
  std::vector<Node> nodes;
  // Every recorded step name (steps, branches, sleeps) -> (node index, branch index).
  std::map<std::string, std::pair<size_t, size_t>, std::less<>> steps_by_name;

  // The StepDef of a recorded step, or nullptr (sleep nodes and unknown names).
  const StepDef* FindStep(std::string_view name) const;
};

// The prefix of compensation step ids: "compensate:<step>".
inline constexpr char kCompensatePrefix[] = "compensate:";

}  // namespace dynaflow::engine::internal
