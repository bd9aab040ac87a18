// dynaflow runs count: how many runs are in each status (of one workflow or all).
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/run_listing.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Count runs in a status. Cost: per status, gsi2-shards x pages of 1000 of the status "
    "index; with --workflow, the workflow's runs in that status are paged (1000 a page).";

struct Flags {
  std::vector<std::string> statuses;
  std::string workflow;

  void Declare(CLI::App& cmd) {
    cmd.add_option("--status,-s", statuses, "the status to count (repeatable)")->required();
    cmd.add_option("--workflow,-w", workflow, "only runs of this workflow");
  }
};

int Execute(Context& ctx, const Flags& f) {
  auto statuses = ParseStatuses(f.statuses);
  if (!statuses.ok()) return ctx.Fail(kExitUsage, statuses.status());
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  std::vector<std::pair<RunStatus, int64_t>> counts;
  int64_t total = 0;
  for (RunStatus s : *statuses) {
    RunQuery q;
    q.workflow_id = f.workflow;
    q.statuses = {s};
    auto n = CountRuns(engine->store(), q);
    if (!n.ok()) return ctx.Fail(kExitFailure, n.status());
    counts.emplace_back(s, *n);
    total += *n;
  }
  if (ctx.format == OutputFormat::kTable) {
    TextTable t({"STATUS", "RUNS"});
    for (const auto& [s, n] : counts) {
      t.AddRow({Cell(std::string(RunStatusName(s)), StatusColor(s)), std::to_string(n)});
    }
    if (counts.size() > 1) t.AddRow({"total", std::to_string(total)});
    t.Print(ctx.out, ctx.color);
    return kExitOk;
  }
  auto write = [&](auto& w) {
    w.StartObject();
    if (!f.workflow.empty()) {
      WriteStringField(w, "workflow_id", f.workflow);
    }
    w.Key("counts");
    w.StartObject();
    for (const auto& [s, n] : counts) {
      WriteString(w, RunStatusName(s));
      w.Int64(n);
    }
    w.EndObject();
    w.Key("total");
    w.Int64(total);
    w.EndObject();
  };
  const auto layout =
      ctx.format == OutputFormat::kJson ? JsonLayout::kPretty : JsonLayout::kCompact;
  ctx.Print(RenderJson(layout, write) + "\n");
  return kExitOk;
}

}  // namespace

void AddRunsCount(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "count", kHelp, Execute);
}

}  // namespace dynaflow::cli
