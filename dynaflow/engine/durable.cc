// CheckReplay: a code workflow's function replayed over a recorded history, executing nothing.
#include "dynaflow/engine/durable.h"

#include "dynaflow/engine/internal/code_run.h"
#include "dynaflow/engine/internal/definition.h"

namespace dynaflow::engine {

Status CheckReplay(const Workflow& workflow, const store::RunDetails& history) {
  const auto& shared = internal::DefinitionOf(workflow);
  if (shared == nullptr || !shared->code) {
    return Status::InvalidArgument("CheckReplay needs a code workflow (DurableWorkflow)");
  }
  const internal::WorkflowDef& def = *shared;
  auto input = def.input.decode(history.input);
  if (!input.ok()) return input.error().WithContext("input of run " + history.run.run_id);
  std::map<std::string, StepExecution> records;
  for (const auto& step : history.steps) records[step.step_id] = step;
  internal::CodeRun run(nullptr, def, history.run.run_id, std::move(records), history.outputs,
                        /*replay_only=*/true);
  WorkflowContext ctx(&run);
  Result<internal::Value> returned = Status::Internal("not run");
  try {
    returned = def.code(ctx, *input);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("the workflow function threw: ") + e.what());
  }
  if (run.why() == internal::CodeRun::Why::kNonDeterminism) return run.error();
  if (run.why() == internal::CodeRun::Why::kFatal) return run.error();
  if (!run.stopped()) return run.CheckEnd().ok() ? Status::OK() : run.error();
  return Status::OK();  // the code went on past the recorded history
}

}  // namespace dynaflow::engine
