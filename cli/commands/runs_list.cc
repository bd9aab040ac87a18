// dynaflow runs list: pages of runs by workflow and/or status.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/run_format.h"
#include "cli/run_listing.h"
#include "cli/time_text.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "List runs of a workflow and/or in a status, newest first.\n"
    "Cost: one page is one Query per GSI partition queried: 1 with --workflow alone; one per\n"
    "status and GSI2 shard with --status; one per status with both (--tag filters on the\n"
    "client and may read more pages). Never scans the table.";

struct Flags {
  std::string workflow;
  std::vector<std::string> statuses;
  std::string since, until;
  std::vector<std::string> tags;
  int limit = 20;
  std::string cursor;
  bool all = false;
  bool oldest_first = false;

  void Declare(CLI::App& cmd) {
    cmd.add_option("--workflow,-w", workflow, "runs of this workflow id (index GSI1)");
    cmd.add_option("--status,-s", statuses,
                   "runs in this status (repeatable): PENDING, RUNNING, SLEEPING, COMPENSATING, "
                   "COMPLETED, FAILED, COMPENSATED, CANCELLED");
    cmd.add_option("--since", since,
                   "from this time (RFC 3339, or ago: 2h, 30m, 1d): creation time with --workflow, "
                   "else the status index time (finish time of finished runs, due time of others)");
    cmd.add_option("--until", until, "until this time (same forms and time as --since)");
    cmd.add_option("--tag", tags, "only runs with tag KEY=VALUE (repeatable; client-side)");
    cmd.add_option("--limit,-n", limit, "runs per page (default 20)");
    cmd.add_option("--cursor", cursor, "continue where the previous page ended");
    cmd.add_flag("--all", all, "every page (progress on stderr when it is a terminal)");
    cmd.add_flag("--oldest-first", oldest_first, "oldest first");
  }
};

// Builds the query from the flags. Errors: kInvalidArgument (usage).
Result<RunQuery> QueryOf(const Flags& f, TimePoint now) {
  RunQuery q;
  q.workflow_id = f.workflow;
  DYNAFLOW_ASSIGN_OR_RETURN(q.statuses, ParseStatuses(f.statuses));
  DYNAFLOW_ASSIGN_OR_RETURN(q.tags, ParseTags(f.tags));
  if (!f.since.empty()) {
    auto t = ParseTimeBound(f.since, now);
    if (!t.ok()) return t.status().WithContext("--since");
    q.since = *t;
  }
  if (!f.until.empty()) {
    auto t = ParseTimeBound(f.until, now);
    if (!t.ok()) return t.status().WithContext("--until");
    q.until = *t;
  }
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
  if (!cursor.empty() && ctx.format != OutputFormat::kJson) {
    ctx.Message("more runs: --cursor " + cursor);
  }
  return kExitOk;
}

}  // namespace

void AddRunsList(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "list", kHelp, Execute);
}

}  // namespace dynaflow::cli
