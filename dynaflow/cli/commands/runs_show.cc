// dynaflow runs show: one run with its steps (and optionally payloads and a timeline).
#include <memory>
#include <string>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Show a run: its fields, its steps in the order they ran (status, attempt, start, "
    "duration, error; compensations are the compensate:<step> records).";

struct Flags {
  std::string run_id;
  std::string business_key;
  std::string workflow;
  bool payloads = false;
  bool timeline = false;

  void Declare(CLI::App& cmd) {
    cmd.add_option("run_id", run_id, "the run id");
    cmd.add_option("--business-key,-k", business_key, "find the run by business key");
    cmd.add_option("--workflow,-w", workflow, "the workflow of --business-key");
    cmd.add_flag("--payloads", payloads, "add the input, step outputs and result (JSON)");
    cmd.add_flag("--timeline", timeline, "add a text Gantt chart of the steps");
  }
};

int Execute(Context& ctx, const Flags& f) {
  if (f.run_id.empty() == f.business_key.empty()) {
    return ctx.Fail(kExitUsage, "runs show: give RUN_ID or --business-key K --workflow ID");
  }
  if (!f.business_key.empty() && f.workflow.empty()) {
    return ctx.Fail(kExitUsage, "runs show: --business-key needs --workflow ID");
  }
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  std::string run_id = f.run_id;
  if (!f.business_key.empty()) {
    auto found = engine->store().FindRunByBusinessKey(f.workflow, f.business_key);
    if (!found.ok()) return ctx.Fail(kExitFailure, found.status());
    run_id = found->run_id;
  }
  auto details = engine->GetRun(run_id, f.payloads);
  if (!details.ok()) return ctx.Fail(kExitFailure, details.status());
  ctx.Print(RenderShow(ctx, *details, f.timeline, f.payloads));
  return kExitOk;
}

}  // namespace

std::string RenderShow(const Context& ctx, const store::RunDetails& details, bool timeline,
                       bool payloads) {
  if (ctx.format == OutputFormat::kTable) {
    return ShowText(details, ctx.now, timeline, payloads, ctx.color);
  }
  std::string json = ShowJson(details, payloads);
  if (ctx.format == OutputFormat::kJsonl) {  // one line: re-render compactly
    json = RelayoutJson(JsonLayout::kCompact, json) + "\n";
  }
  return json;
}

int WaitAndShow(Context& ctx, engine::Engine& engine, const std::string& run_id,
                std::chrono::milliseconds timeout) {
  ctx.Progress("waiting for run " + run_id);
  auto done = engine.WaitForRun(run_id, timeout);
  ctx.EndProgress();
  if (!done.ok()) {
    return ctx.Fail(kExitFailure, done.status().WithContext("waiting for run " + run_id));
  }
  auto details = engine.GetRun(run_id, false);
  if (!details.ok()) return ctx.Fail(kExitFailure, details.status());
  ctx.Print(RenderShow(ctx, *details, false, false));
  if (details->run.status != RunStatus::kCompleted) {
    return ctx.Fail(kExitFailure,
                    "run " + run_id + " ended " + std::string(RunStatusName(details->run.status)));
  }
  return kExitOk;
}

void AddRunsShow(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "show", kHelp, Execute);
}

}  // namespace dynaflow::cli
