// dynaflow runs retry: continue a FAILED run as a new run from the step that failed.
#include <memory>
#include <string>

#include "cli/commands/commands.h"
#include "cli/json_out.h"
#include "cli/time_text.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Retry a FAILED run as a new run (tag dynaflow.retry_of) that keeps its completed steps "
    "and resumes at the step that failed; prints the new run id.";

struct Flags {
  std::string run_id;
  bool wait = false;
  std::string timeout = "60s";

  void Declare(CLI::App& cmd) {
    cmd.add_option("run_id", run_id, "the FAILED run")->required();
    cmd.add_flag("--wait", wait, "wait until the new run finished and show it");
    cmd.add_option("--timeout", timeout, "how long --wait waits (default 60s)");
  }
};

int Execute(Context& ctx, const Flags& f) {
  auto timeout = ParseDurationText(f.timeout);
  if (!timeout.ok()) return ctx.Fail(kExitUsage, timeout.status().WithContext("--timeout"));
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto started = engine->RetryFailedRun(f.run_id);
  if (!started.ok()) return ctx.Fail(kExitFailure, started.status());
  ctx.Message("run " + started->run_id + " retries " + f.run_id);
  if (f.wait) return WaitAndShow(ctx, *engine, started->run_id, *timeout);
  if (ctx.format == OutputFormat::kTable) {
    ctx.Print(started->run_id + "\n");
  } else {
    ctx.Print(JsonFields(
        {JsonField::Text("run_id", started->run_id), JsonField::Text("retry_of", f.run_id)}));
  }
  return kExitOk;
}

}  // namespace

void AddRunsRetry(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "retry", kHelp, Execute);
}

}  // namespace dynaflow::cli
