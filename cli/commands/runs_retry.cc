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
    "and resumes at the step that failed; prints the new run id. A run is retried once: "
    "retrying it again prints its existing retry and creates nothing (--fork makes a further "
    "copy). The retry takes over the run's business key.";

struct Flags {
  std::string run_id;
  bool wait = false;
  bool fork = false;
  std::string timeout = "60s";

  void Declare(CLI::App& cmd) {
    cmd.add_option("run_id", run_id, "the FAILED run")->required();
    cmd.add_flag("--fork", fork,
                 "make a further copy even when the run was retried already (it takes neither "
                 "the business key nor the run's retry link)");
    cmd.add_flag("--wait", wait, "wait until the new run finished and show it");
    cmd.add_option("--timeout", timeout, "how long --wait waits (default 60s)");
  }
};

int Execute(Context& ctx, const Flags& f) {
  auto timeout = ParseDurationText(f.timeout);
  if (!timeout.ok()) return ctx.Fail(kExitUsage, timeout.status().WithContext("--timeout"));
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  engine::RetryOptions options;
  options.fork = f.fork;
  auto started = engine->RetryFailedRun(f.run_id, options);
  if (!started.ok()) return ctx.Fail(kExitFailure, started.status());
  if (started->created) {
    ctx.Message("run " + started->run_id + (f.fork ? " forks " : " retries ") + f.run_id);
  } else {
    ctx.Message("run " + f.run_id + " was retried already by run " + started->run_id +
                " (nothing created; --fork makes another copy)");
  }
  if (f.wait) return WaitAndShow(ctx, *engine, started->run_id, *timeout);
  if (ctx.format == OutputFormat::kTable) {
    ctx.Print(started->run_id + "\n");
  } else {
    ctx.Print(JsonStringFields({{"run_id", started->run_id},
                                {"retry_of", f.run_id},
                                {"created", started->created ? "true" : "false"}}));
  }
  return kExitOk;
}

}  // namespace

void AddRunsRetry(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "retry", kHelp, Execute);
}

}  // namespace dynaflow::cli
