// dynaflow schedules create | pause | resume | delete | trigger.
#include <memory>
#include <string>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_input.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/schedule_format.h"
#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli {

namespace {

// The schedule as the command's output: its fields (table) or its JSON object.
void PrintSchedule(Context& ctx, const store::Schedule& s) {
  if (ctx.format == OutputFormat::kTable) {
    ctx.Print(ScheduleText(s, ctx.now));
  } else {
    ctx.Print(
        RenderJson(ctx.format == OutputFormat::kJson ? JsonLayout::kPretty : JsonLayout::kCompact,
                   [&](auto& w) { WriteSchedule(w, s); }) +
        "\n");
  }
}

int FailWith(Context& ctx, const Status& s) {
  return ctx.Fail(s.Is(StatusCode::kInvalidArgument) ? kExitUsage : kExitFailure, s);
}

constexpr char kCreateHelp[] =
    "Create a schedule that starts a run of WORKFLOW with INPUT at every tick of a cron "
    "expression (5 fields, e.g. \"*/5 * * * *\", or @hourly, @daily, ...). Workers fire the "
    "ticks. Cost: one PutItem.";

struct CreateFlags {
  std::string schedule_id;
  std::string workflow;
  int version = 1;
  std::string cron;
  std::string input;
  std::string time_zone;
  std::string overlap = "skip";
  std::string catch_up_window = "60s";
  std::string run_retention = "7d";
  bool paused = false;

  void Declare(CLI::App& cmd) {
    cmd.add_option("schedule_id", schedule_id, "the new schedule's id (1-100 bytes, no '#')")
        ->required();
    cmd.add_option("--workflow,-w", workflow, "the workflow to start")->required();
    cmd.add_option("--version", version, "the workflow version (default 1)");
    cmd.add_option("--cron", cron, "when: a 5-field cron expression or @daily, @hourly, ...")
        ->required();
    cmd.add_option("--input,-i", input, "every run's input: JSON text, or @FILE, or @- for stdin")
        ->required();
    cmd.add_option("--time-zone", time_zone,
                   "the zone the cron fields are read in: UTC (default), +05:30, Europe/Berlin");
    cmd.add_option("--overlap", overlap,
                   "when the last run is still going: skip (default), allow, buffer-one");
    cmd.add_option("--catch-up-window", catch_up_window,
                   "ticks missed by longer than this are dropped (default 60s)");
    cmd.add_option("--run-retention", run_retention,
                   "how long each run is kept after it finished (default 7d)");
    cmd.add_flag("--paused", paused, "create it paused (schedules resume starts it)");
  }
};

Result<std::chrono::seconds> Seconds(const std::string& flag, const std::string& text) {
  auto d = ParseDurationText(text);
  if (!d.ok()) return d.status().WithContext(flag);
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

int Create(Context& ctx, const CreateFlags& f) {
  auto input = ReadJsonArgument("--input", f.input);
  if (!input.ok()) return ctx.Fail(kExitUsage, input.status());
  if (f.version < 1) return ctx.Fail(kExitUsage, "--version must be at least 1");
  engine::ScheduleOptions o;
  o.schedule_id = f.schedule_id;
  o.cron = f.cron;
  o.time_zone = f.time_zone;
  std::string overlap;
  for (char c : f.overlap) overlap.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  auto policy = store::ParseOverlapPolicy(overlap);
  if (!policy.ok()) {
    return ctx.Fail(kExitUsage,
                    "--overlap: expected skip, allow or buffer-one, got \"" + f.overlap + "\"");
  }
  o.overlap = *policy;
  auto window = Seconds("--catch-up-window", f.catch_up_window);
  if (!window.ok()) return ctx.Fail(kExitUsage, window.status());
  o.catch_up_window = *window;
  auto retention = Seconds("--run-retention", f.run_retention);
  if (!retention.ok()) return ctx.Fail(kExitUsage, retention.status());
  o.run_retention = *retention;
  o.paused = f.paused;
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto created = engine->CreateScheduleEncoded(f.workflow, f.version, *input, o);
  if (!created.ok()) return FailWith(ctx, created.status());
  PrintSchedule(ctx, *created);
  return kExitOk;
}

struct IdFlags {
  std::string schedule_id;
  void Declare(CLI::App& cmd) {
    cmd.add_option("schedule_id", schedule_id, "the schedule")->required();
  }
};

int Pause(Context& ctx, const IdFlags& f) {
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto s = engine->PauseSchedule(f.schedule_id);
  if (!s.ok()) return FailWith(ctx, s.status());
  PrintSchedule(ctx, *s);
  return kExitOk;
}

int Resume(Context& ctx, const IdFlags& f) {
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto s = engine->ResumeSchedule(f.schedule_id);
  if (!s.ok()) return FailWith(ctx, s.status());
  PrintSchedule(ctx, *s);
  return kExitOk;
}

int Delete(Context& ctx, const IdFlags& f) {
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  Status s = engine->DeleteSchedule(f.schedule_id);
  if (!s.ok()) return FailWith(ctx, s);
  if (ctx.format == OutputFormat::kTable) {
    ctx.Print("schedule " + f.schedule_id + " deleted (the runs it started stay)\n");
  } else {
    ctx.Print(JsonFields(
        {JsonField::Text("schedule_id", f.schedule_id), JsonField::Flag("deleted", true)}));
  }
  return kExitOk;
}

// The tags of a run started by `schedules trigger`.
constexpr char kScheduleTag[] = "dynaflow.schedule";
constexpr char kTriggerTag[] = "dynaflow.trigger";

int Trigger(Context& ctx, const IdFlags& f) {
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  auto s = engine->GetSchedule(f.schedule_id);
  if (!s.ok()) return FailWith(ctx, s.status());
  engine::StartOptions o;
  o.tags[kScheduleTag] = s->schedule_id;
  o.tags[kTriggerTag] = "manual";
  o.retention = s->run_retention;
  auto started = engine->StartEncoded(s->workflow_id, s->workflow_version, s->input, o);
  if (!started.ok()) return FailWith(ctx, started.status());
  if (ctx.format == OutputFormat::kTable) {
    ctx.Print(started->run_id + "\n");
  } else {
    ctx.Print(JsonFields({JsonField::Text("run_id", started->run_id),
                          JsonField::Text("schedule_id", s->schedule_id)}));
  }
  return kExitOk;
}

}  // namespace

void AddSchedulesChange(CLI::App& schedules, Context& ctx) {
  AddCommand<CreateFlags>(schedules, ctx, "create", kCreateHelp, Create);
  AddCommand<IdFlags>(schedules, ctx, "pause",
                      "Pause a schedule: no tick fires until it is resumed (1 GetItem + 1 "
                      "UpdateItem).",
                      Pause);
  AddCommand<IdFlags>(schedules, ctx, "resume",
                      "Resume a paused schedule with the first tick after now (ticks of the "
                      "pause are not caught up).",
                      Resume);
  AddCommand<IdFlags>(schedules, ctx, "delete",
                      "Delete a schedule; the runs it started stay until their retention ends.",
                      Delete);
  AddCommand<IdFlags>(schedules, ctx, "trigger",
                      "Start one run of the schedule now, outside its cron ticks: same workflow, "
                      "version, input and retention, tagged dynaflow.schedule=<id> and "
                      "dynaflow.trigger=manual. The schedule itself is unchanged (next tick, "
                      "fired count). Prints the run id.",
                      Trigger);
}

}  // namespace dynaflow::cli
