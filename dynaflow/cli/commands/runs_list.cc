// dynaflow runs list: pages of runs by workflow and/or status.
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_filter.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/run_listing.h"
#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "List runs of a workflow and/or in a status, newest first.\n"
    "Cost: one page is one Query per GSI partition queried: 1 with --workflow alone; one per\n"
    "status and GSI2 shard with --status; one per status with both (--tag filters on the\n"
    "client and may read more pages). Never scans the table.";

struct Flags {
  RunFilterFlags filter;
  int limit = 20;
  std::string cursor;
  bool all = false;
  bool oldest_first = false;

  void Declare(CLI::App& cmd) {
    filter.Declare(cmd);
    cmd.add_option("--limit,-n", limit, "runs per page (default 20)");
    cmd.add_option("--cursor", cursor, "continue where the previous page ended");
    cmd.add_flag("--all", all, "every page (progress on stderr when it is a terminal)");
    cmd.add_flag("--oldest-first", oldest_first, "oldest first");
  }
};

// Builds the query from the flags. Errors: kInvalidArgument (usage).
Result<RunQuery> QueryOf(const Flags& f, TimePoint now) {
  DYNAFLOW_ASSIGN_OR_RETURN(RunQuery q, f.filter.Query(now));
  q.newest_first = !f.oldest_first;
  q.limit = f.limit;
  if (q.limit < 1) return Status::InvalidArgument("--limit must be at least 1");
  if (f.all && !f.cursor.empty()) {
    return Status::InvalidArgument("--all and --cursor exclude each other");
  }
  return q;
}

int Execute(Context& ctx, const Flags& f) {
  auto query = QueryOf(f, ctx.now);
  if (!query.ok()) return ctx.Fail(kExitUsage, query.status());
  if (query->workflow_id.empty() && query->statuses.empty()) {
    return ctx.Fail(kExitUsage,
                    "runs list: give --workflow ID and/or --status STATUS (listing every run "
                    "would scan the table)");
  }
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  store::WorkflowStore& store = engine->store();

  std::vector<Run> shown;  // table and json output gather every page first (aligned columns)
  std::string cursor = f.cursor;
  int pages = 0;
  for (;;) {
    auto page = ListRuns(store, *query, cursor);
    if (!page.ok()) {
      const bool usage = page.status().Is(StatusCode::kInvalidArgument);
      return ctx.Fail(usage ? kExitUsage : kExitFailure, page.status());
    }
    ++pages;
    cursor = page->next_cursor;
    if (ctx.format == OutputFormat::kJsonl) {
      ctx.Print(RunsJsonLines(page->runs));
    } else {
      shown.insert(shown.end(), page->runs.begin(), page->runs.end());
    }
    if (!f.all || cursor.empty()) break;
    ctx.Progress("runs list: " + std::to_string(pages) + " pages, " + std::to_string(shown.size()) +
                 " runs so far");
  }
  ctx.EndProgress();
  switch (ctx.format) {
    case OutputFormat::kJson:
      ctx.Print(RunsJsonDocument(shown, cursor));
      break;
    case OutputFormat::kJsonl:
      break;
    case OutputFormat::kTable:
      if (shown.empty()) {
        ctx.Message("no runs match");
      } else {
        RunsTable(shown, ctx.now).Print(ctx.out, ctx.color);
      }
      break;
  }
  if (!cursor.empty() && ctx.format == OutputFormat::kJsonl) {
    ctx.Print(JsonFields({JsonField::Text("next_cursor", cursor)}));
  } else if (!cursor.empty() && ctx.format == OutputFormat::kTable) {
    ctx.Message("more runs: --cursor " + cursor);
  }
  return kExitOk;
}

}  // namespace

void AddRunsList(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "list", kHelp, Execute);
}

}  // namespace dynaflow::cli
