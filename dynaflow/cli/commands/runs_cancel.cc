// dynaflow runs cancel: cancel one or more runs.
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/bulk.h"
#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Cancel runs: RUN_ID..., or the runs a filter selects (--workflow, --status, --since, "
    "--until, --tag; without --status the unfinished ones). A run nobody holds that has not "
    "started ends CANCELLED at once; otherwise its worker stops it, runs the compensations of "
    "completed steps and ends it CANCELLED. By filter: the count first (--dry-run stops there), "
    "a confirmation unless --yes, one result line per run; finished runs are skipped, so a "
    "rerun is safe. Exit 1 when any run could not be cancelled (by id: unknown, already "
    "finished).";

struct Flags {
  std::vector<std::string> run_ids;
  BulkFlags bulk;

  void Declare(CLI::App& cmd) {
    cmd.add_option("run_ids", run_ids, "run ids (or a filter)");
    bulk.Declare(cmd, "cancelled");
  }
};

// Cancels one run: "CANCELLED" when it ended at once, else "cancel requested".
Status CancelOne(engine::Engine& engine, const std::string& id, std::string* result) {
  Status s = engine.Cancel(id);
  if (!s.ok()) return s;
  auto run = engine.store().GetRun(id);
  *result = run.ok() && IsTerminal(run->status) ? std::string(RunStatusName(run->status))
                                                : "cancel requested";
  return Status::OK();
}

int ByFilter(Context& ctx, const Flags& f) {
  BulkAction a;
  a.command = "runs cancel";
  a.verb = "cancel";
  a.past = "cancelled";
  a.json_key = "cancelled";
  a.default_statuses = {RunStatus::kPending, RunStatus::kRunning, RunStatus::kSleeping,
                        RunStatus::kCompensating};
  a.skip = [](const Run& r) -> std::string {
    if (IsTerminal(r.status)) return "already " + std::string(RunStatusName(r.status));
    if (r.cancel_requested) return "cancel already requested";
    return "";
  };
  a.act = [&ctx](const Run& r) {
    BulkResult out;
    out.run_id = r.run_id;
    Status s = CancelOne(*ctx.EngineOrFail(), r.run_id, &out.text);
    if (s.Is(StatusCode::kConditionFailed)) {  // finished since it was listed
      out.kind = BulkResult::Kind::kSkipped;
      out.text = s.message();
    } else if (!s.ok()) {
      out.kind = BulkResult::Kind::kFailed;
      out.text = s.message();
    }
    return out;
  };
  return RunBulk(ctx, f.bulk, a);
}

struct Outcome {
  std::string run_id;
  std::string result;  // "CANCELLED", "cancel requested", or the error
  bool ok = false;
};

int Execute(Context& ctx, const Flags& f) {
  const std::string usage = IdsOrFilterError("runs cancel", !f.run_ids.empty(), f.bulk);
  if (!usage.empty()) return ctx.Fail(kExitUsage, usage);
  if (f.run_ids.empty()) return ByFilter(ctx, f);
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  std::vector<Outcome> outcomes;
  size_t done = 0;
  for (const std::string& id : f.run_ids) {
    if (f.run_ids.size() > 1) {
      ctx.Progress("runs cancel: " + std::to_string(done) + "/" + std::to_string(f.run_ids.size()));
    }
    ++done;
    Outcome o;
    o.run_id = id;
    Status s = CancelOne(*engine, id, &o.result);
    if (!s.ok()) {
      o.result = s.message();
      ctx.EndProgress();
      ctx.Message("dynaflow: " + s.message());
    } else {
      o.ok = true;
    }
    outcomes.push_back(std::move(o));
  }
  ctx.EndProgress();
  bool all_ok = true;
  for (const auto& o : outcomes) all_ok = all_ok && o.ok;
  if (ctx.format == OutputFormat::kTable) {
    TextTable t({"RUN ID", "RESULT"});
    for (const auto& o : outcomes) {
      t.AddRow({o.run_id, Cell(o.ok ? o.result : "error: " + o.result, o.ok ? "" : kRed)});
    }
    t.Print(ctx.out, ctx.color);
  } else {
    std::string text;
    for (const auto& o : outcomes) {
      text += RenderJson(JsonLayout::kCompact, [&](auto& w) {
        w.StartObject();
        WriteStringField(w, "run_id", o.run_id);
        w.Key("ok");
        w.Bool(o.ok);
        w.Key(o.ok ? "result" : "error");
        WriteString(w, o.result);
        w.EndObject();
      });
      text += ctx.format == OutputFormat::kJsonl ? "\n" : ",";
    }
    if (ctx.format == OutputFormat::kJson) {
      if (!text.empty()) text.pop_back();
      text = "{\"cancelled\": [" + text + "]}\n";
    }
    ctx.Print(text);
  }
  ctx.exit_code = all_ok ? kExitOk : kExitFailure;
  return ctx.exit_code;
}

}  // namespace

void AddRunsCancel(CLI::App& runs, Context& ctx) {
  AddCommand<Flags>(runs, ctx, "cancel", kHelp, Execute);
}

}  // namespace dynaflow::cli
