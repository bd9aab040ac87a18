// dynaflow runs export: archive runs (steps, outputs, state, events) as versioned JSON lines.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/export_format.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_filter.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Write runs, one JSON object per line (format dynaflow.run.v1, docs/cli.md): the run, its "
    "input, steps with their outputs, state, children, result and events, every payload byte "
    "for byte. RUN_ID..., or the runs a filter selects (--workflow, --status, --since, "
    "--until, --tag), page by page. Progress on stderr; with --max-runs, or when the store "
    "fails, the last line is {\"next_cursor\": \"...\"} to continue with --cursor. Events are "
    "stored by name: --event NAME (repeatable) adds those of NAME, besides the one a run waits "
    "for. Cost per run: 1 GetItem + the Query of its items, 1 Query per event name.";

struct Flags {
  std::vector<std::string> run_ids;
  RunFilterFlags filter;
  std::string cursor;
  int page_size = 100;
  int64_t max_runs = 0;
  std::string file;
  bool append = false;
  std::vector<std::string> events;

  void Declare(CLI::App& cmd) {
    cmd.add_option("run_ids", run_ids, "the runs to export (or a filter)");
    filter.Declare(cmd);
    cmd.add_option("--cursor", cursor, "continue an export where its next_cursor line left off");
    cmd.add_option("--page-size", page_size, "runs listed per page (default 100, 1-200)");
    cmd.add_option("--max-runs", max_runs,
                   "stop after this many runs (0: all) and end with the next_cursor line");
    cmd.add_option("--file,-f", file, "write to this file instead of stdout");
    cmd.add_flag("--append", append, "append to --file (to continue an export with --cursor)");
    cmd.add_option("--event", events, "also export the events of this name (repeatable)");
  }
};

int Execute(Context& ctx, const Flags& f) {
  const bool by_filter = !f.filter.empty();
  if (by_filter == !f.run_ids.empty()) {
    return ctx.Fail(kExitUsage, "runs export: give RUN_ID... or a filter (--workflow, --status)");
  }
  if (!by_filter && (!f.cursor.empty() || f.max_runs != 0)) {
    return ctx.Fail(kExitUsage, "runs export: --cursor and --max-runs go with a filter");
  }
  if (f.page_size < 1 || f.page_size > 200) {
    return ctx.Fail(kExitUsage, "--page-size must be 1 to 200");
  }
  if (f.max_runs < 0) return ctx.Fail(kExitUsage, "--max-runs must not be negative");
  if (f.append && f.file.empty()) return ctx.Fail(kExitUsage, "--append goes with --file");
  RunQuery query;
  if (by_filter) {
    auto q = f.filter.Query(ctx.now);
    if (!q.ok()) return ctx.Fail(kExitUsage, q.status());
    query = *q;
    query.limit = f.page_size;
  }
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  std::FILE* out = ctx.out;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  if (!f.file.empty()) {
    owned.reset(std::fopen(f.file.c_str(), f.append ? "ab" : "wb"));
    if (owned == nullptr) return ctx.Fail(kExitFailure, "cannot write " + f.file);
    out = owned.get();
  }
  int64_t written = 0;
  auto write = [&](const std::string& line) {
    std::fputs(line.c_str(), out);
    std::fputc('\n', out);
  };
  // Ends an export that stops before the last run: the cursor line and how to continue.
  auto stop = [&](const std::string& cursor, const std::string& why) {
    ctx.EndProgress();
    std::fputs(JsonFields({JsonField::Text("next_cursor", cursor)}).c_str(), out);
    ctx.Message("runs export: " + std::to_string(written) + " runs written; " + why +
                "; continue with --cursor " + cursor);
  };

  if (!by_filter) {
    for (const std::string& id : f.run_ids) {
      auto e = CollectRun(*engine, id, f.events);
      if (!e.ok()) return ctx.Fail(kExitFailure, e.status().WithContext("run " + id));
      write(ExportLine(*e));
      ++written;
    }
    ctx.Message("runs export: " + std::to_string(written) + " runs written");
    return kExitOk;
  }
  std::string cursor = f.cursor;
  for (;;) {
    auto page = ListRuns(engine->store(), query, cursor);
    if (!page.ok()) {
      if (page.status().Is(StatusCode::kInvalidArgument)) {
        return ctx.Fail(kExitUsage, page.status());
      }
      if (written > 0 || !cursor.empty()) stop(cursor, page.status().message());
      return ctx.Fail(kExitFailure, page.status());
    }
    for (const Run& r : page->runs) {
      auto e = CollectRun(*engine, r.run_id, f.events);
      if (!e.ok()) {
        // The page is not finished: resuming repeats it (a run exported twice is harmless).
        stop(cursor, e.status().message());
        return ctx.Fail(kExitFailure, e.status().WithContext("run " + r.run_id));
      }
      write(ExportLine(*e));
      ++written;
    }
    std::fflush(out);
    cursor = page->next_cursor;
    if (cursor.empty()) break;
    if (f.max_runs > 0 && written >= f.max_runs) {
      stop(cursor, "--max-runs reached");
      return kExitOk;
    }
    ctx.Progress("runs export: " + std::to_string(written) + " runs written");
  }
  ctx.EndProgress();
  ctx.Message("runs export: " + std::to_string(written) + " runs written");
  return kExitOk;
}

}  // namespace

void AddRunsExport(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "export", kHelp, Execute);
}

}  // namespace dynaflow::cli
