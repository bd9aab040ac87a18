// dynaflow runs start: start a run of a workflow by name with an encoded (JSON) input.
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_input.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Start a run of WORKFLOW with a JSON input (as the workflow's input codec encodes it). "
    "This command does not execute it: a worker that knows the workflow and version does. "
    "Prints the run id; with --wait, the finished run (exit 1 unless it COMPLETED).";

struct Flags {
  std::string workflow;
  int version = 1;
  std::string input;
  std::string business_key;
  std::vector<std::string> tags;
  bool wait = false;
  std::string timeout = "60s";

  void Declare(CLI::App& cmd) {
    cmd.add_option("workflow", workflow, "the workflow id")->required();
    cmd.add_option("--version", version, "the workflow version (default 1)");
    cmd.add_option("--input,-i", input, "the input: JSON text, or @FILE, or @- for stdin")
        ->required();
    cmd.add_option("--business-key,-k", business_key,
                   "unique per workflow: a second start with the same key returns the first run");
    cmd.add_option("--tag", tags, "tag KEY=VALUE (repeatable)");
    cmd.add_flag("--wait", wait, "wait until the run finished and show it");
    cmd.add_option("--timeout", timeout, "how long --wait waits (default 60s)");
  }
};

int Execute(Context& ctx, const Flags& f) {
  auto input = ReadJsonArgument("--input", f.input);
  if (!input.ok()) return ctx.Fail(kExitUsage, input.status());
  auto tags = ParseTags(f.tags);
  if (!tags.ok()) return ctx.Fail(kExitUsage, tags.status());
  auto timeout = ParseDurationText(f.timeout);
  if (!timeout.ok()) return ctx.Fail(kExitUsage, timeout.status().WithContext("--timeout"));
  if (f.version < 1) return ctx.Fail(kExitUsage, "--version must be at least 1");
  engine::StartOptions o;
  o.business_key = f.business_key;
  o.tags = *tags;
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto started = engine->StartEncoded(f.workflow, f.version, *input, o);
  if (!started.ok()) {
    const bool usage = started.status().Is(StatusCode::kInvalidArgument);
    return ctx.Fail(usage ? kExitUsage : kExitFailure, started.status());
  }
  if (!started->created) {
    ctx.Message("business key \"" + f.business_key + "\" is held by run " + started->run_id +
                " already; nothing was started");
  }
  if (f.wait) return WaitAndShow(ctx, *engine, started->run_id, *timeout);
  if (ctx.format == OutputFormat::kTable) {
    ctx.Print(started->run_id + "\n");
  } else {
    ctx.Print(JsonFields({JsonField::Text("run_id", started->run_id),
                          JsonField::Flag("created", started->created)}));
  }
  return kExitOk;
}

}  // namespace

void AddRunsStart(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "start", kHelp, Execute);
}

}  // namespace dynaflow::cli
