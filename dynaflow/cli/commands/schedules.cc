// dynaflow schedules list | show: the schedules of the store and the runs they started.
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/schedule_format.h"

namespace dynaflow::cli {

namespace {

constexpr char kListHelp[] =
    "List schedules, due first and paused last. Cost: one Query per page (--limit, 1-1000).";

struct ListFlags {
  int limit = 100;
  std::string cursor;
  bool all = false;

  void Declare(CLI::App& cmd) {
    cmd.add_option("--limit,-n", limit, "schedules per page (default 100)");
    cmd.add_option("--cursor", cursor, "continue where the previous page ended");
    cmd.add_flag("--all", all, "every page");
  }
};

int List(Context& ctx, const ListFlags& f) {
  if (f.limit < 1 || f.limit > 1000) return ctx.Fail(kExitUsage, "--limit must be 1 to 1000");
  if (f.all && !f.cursor.empty()) {
    return ctx.Fail(kExitUsage, "--all and --cursor exclude each other");
  }
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  std::vector<store::Schedule> shown;
  std::string cursor = f.cursor;
  for (;;) {
    auto page = engine->ListSchedules(f.limit, cursor);
    if (!page.ok()) {
      const bool usage = page.status().Is(StatusCode::kInvalidArgument);
      return ctx.Fail(usage ? kExitUsage : kExitFailure, page.status());
    }
    shown.insert(shown.end(), page->schedules.begin(), page->schedules.end());
    cursor = page->next_cursor;
    if (!f.all || cursor.empty()) break;
  }
  if (ctx.format == OutputFormat::kTable) {
    if (shown.empty()) {
      ctx.Message("no schedules");
    } else {
      SchedulesTable(shown, ctx.now).Print(ctx.out, ctx.color);
    }
    if (!cursor.empty()) ctx.Message("more schedules: --cursor " + cursor);
  } else if (ctx.format == OutputFormat::kJsonl) {
    std::string text;
    for (const auto& s : shown) text += ScheduleJsonLine(s) + "\n";
    if (!cursor.empty()) text += JsonFields({JsonField::Text("next_cursor", cursor)});
    ctx.Print(text);
  } else {
    ctx.Print(RenderJson(JsonLayout::kPretty,
                         [&](auto& w) {
                           w.StartObject();
                           w.Key("schedules");
                           w.StartArray();
                           for (const auto& s : shown) WriteSchedule(w, s);
                           w.EndArray();
                           WriteStringField(w, "next_cursor", cursor);
                           w.EndObject();
                         }) +
              "\n");
  }
  return kExitOk;
}

constexpr char kShowHelp[] =
    "Show a schedule and the runs its ticks started, newest first, with their status. Cost: "
    "1 GetItem, 1 Query, 1 GetItem per run shown (--runs).";

struct ShowFlags {
  std::string schedule_id;
  int runs = 10;

  void Declare(CLI::App& cmd) {
    cmd.add_option("schedule_id", schedule_id, "the schedule")->required();
    cmd.add_option("--runs", runs, "how many of its last runs to show (default 10, 0: none)");
  }
};

int Show(Context& ctx, const ShowFlags& f) {
  if (f.runs < 0 || f.runs > 1000) return ctx.Fail(kExitUsage, "--runs must be 0 to 1000");
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto schedule = engine->GetSchedule(f.schedule_id);
  if (!schedule.ok()) return ctx.Fail(kExitFailure, schedule.status());
  std::vector<std::pair<store::ScheduledRun, std::optional<Run>>> runs;
  if (f.runs > 0) {
    auto listed = engine->ListScheduleRuns(f.schedule_id, f.runs);
    if (!listed.ok()) return ctx.Fail(kExitFailure, listed.status());
    for (const auto& r : *listed) {
      auto run = engine->store().GetRun(r.run_id);  // gone once its retention passed
      runs.emplace_back(r, run.ok() ? std::optional<Run>(*run) : std::nullopt);
    }
  }
  if (ctx.format == OutputFormat::kTable) {
    std::string text = ScheduleText(*schedule, ctx.now);
    if (!runs.empty()) {
      TextTable t({"TICK", "RUN ID", "STATUS"});
      for (const auto& [link, run] : runs) {
        t.AddRow({FormatTimestamp(link.fire_at), link.run_id,
                  run ? Cell(std::string(RunStatusName(run->status)), StatusColor(run->status))
                      : Cell("expired", kDim)});
      }
      text += "\n" + t.Render(ctx.color);
    }
    ctx.Print(text);
    return kExitOk;
  }
  auto write = [&](auto& w) {
    w.StartObject();
    w.Key("schedule");
    WriteSchedule(w, *schedule);
    w.Key("runs");
    w.StartArray();
    for (const auto& [link, run] : runs) {
      w.StartObject();
      WriteStringField(w, "run_id", link.run_id);
      WriteTime(w, "fire_at", link.fire_at);
      if (run) WriteStringField(w, "status", RunStatusName(run->status));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  };
  ctx.Print(
      RenderJson(ctx.format == OutputFormat::kJson ? JsonLayout::kPretty : JsonLayout::kCompact,
                 write) +
      "\n");
  return kExitOk;
}

}  // namespace

void AddSchedules(CLI::App& app, Context& ctx) {
  CLI::App* schedules = app.add_subcommand("schedules", "List, create and drive schedules");
  schedules->require_subcommand(1);
  AddCommand<ListFlags>(*schedules, ctx, "list", kListHelp, List);
  AddCommand<ShowFlags>(*schedules, ctx, "show", kShowHelp, Show);
  AddSchedulesChange(*schedules, ctx);
}

}  // namespace dynaflow::cli
