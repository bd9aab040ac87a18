// dynaflow runs retry: continue a FAILED run as a new run from the step that failed.
#include <memory>
#include <string>

#include "dynaflow/cli/bulk.h"
#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Retry a FAILED run as a new run (tag dynaflow.retry_of) that keeps its completed steps "
    "and resumes at the step that failed; prints the new run id. A run is retried once: "
    "retrying it again prints its existing retry and creates nothing (--fork makes a further "
    "copy). The retry takes over the run's business key. With a filter (--workflow, --status, "
    "--since, --until, --tag; the FAILED runs it selects) instead of RUN_ID: the count first "
    "(--dry-run stops there), a confirmation unless --yes, one result line per run; runs "
    "retried before are skipped, so a rerun is safe.";

struct Flags {
  std::string run_id;
  bool wait = false;
  bool fork = false;
  std::string timeout = "60s";
  BulkFlags bulk;

  void Declare(CLI::App& cmd) {
    cmd.add_option("run_id", run_id, "the FAILED run (or a filter)");
    cmd.add_flag("--fork", fork,
                 "make a further copy even when the run was retried already (it takes neither "
                 "the business key nor the run's retry link; one RUN_ID)");
    cmd.add_flag("--wait", wait, "wait until the new run finished and show it (one RUN_ID)");
    cmd.add_option("--timeout", timeout, "how long --wait waits (default 60s)");
    bulk.Declare(cmd, "retried");
  }
};

int ByFilter(Context& ctx, const Flags& f) {
  BulkAction a;
  a.command = "runs retry";
  a.verb = "retry";
  a.past = "retried";
  a.json_key = "retried";
  a.default_statuses = {RunStatus::kFailed};
  a.skip = [](const Run& r) -> std::string {
    if (r.status != RunStatus::kFailed)
      return "not FAILED (" + std::string(RunStatusName(r.status)) + ")";
    if (!r.retried_by.empty()) return "already retried as " + r.retried_by;
    return "";
  };
  a.act = [&ctx](const Run& r) {
    BulkResult out;
    out.run_id = r.run_id;
    auto started = ctx.EngineOrFail()->RetryFailedRun(r.run_id);
    if (!started.ok()) {
      out.kind = BulkResult::Kind::kFailed;
      out.text = started.status().message();
    } else if (!started->created) {  // retried meanwhile by someone else
      out.kind = BulkResult::Kind::kSkipped;
      out.text = "already retried as " + started->run_id;
      out.new_run_id = started->run_id;
    } else {
      out.text = "retried as " + started->run_id;
      out.new_run_id = started->run_id;
    }
    return out;
  };
  return RunBulk(ctx, f.bulk, a);
}

int Execute(Context& ctx, const Flags& f) {
  const std::string usage = IdsOrFilterError("runs retry", !f.run_id.empty(), f.bulk);
  if (!usage.empty()) return ctx.Fail(kExitUsage, usage);
  if (f.run_id.empty()) {
    if (f.wait || f.fork) {
      return ctx.Fail(kExitUsage, "runs retry: --wait and --fork go with one RUN_ID");
    }
    return ByFilter(ctx, f);
  }
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
    ctx.Print(JsonFields({JsonField::Text("run_id", started->run_id),
                          JsonField::Text("retry_of", f.run_id),
                          JsonField::Flag("created", started->created)}));
  }
  return kExitOk;
}

}  // namespace

void AddRunsRetry(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "retry", kHelp, Execute);
}

}  // namespace dynaflow::cli
