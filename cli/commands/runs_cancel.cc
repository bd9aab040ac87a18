// dynaflow runs cancel: cancel one or more runs.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/json_out.h"
#include "cli/run_format.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Cancel runs. A run nobody holds that has not started ends CANCELLED at once; otherwise "
    "its worker stops it, runs the compensations of completed steps and ends it CANCELLED. "
    "Exit 1 when any run could not be cancelled (unknown, already finished).";

struct Flags {
  std::vector<std::string> run_ids;

  void Declare(CLI::App& cmd) { cmd.add_option("run_ids", run_ids, "run ids")->required(); }
};

struct Outcome {
  std::string run_id;
  std::string result;  // "CANCELLED", "cancel requested", or the error
  bool ok = false;
};

int Execute(Context& ctx, const Flags& f) {
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
    Status s = engine->Cancel(id);
    if (!s.ok()) {
      o.result = s.message();
      ctx.EndProgress();
      ctx.Message("dynaflow: " + s.message());
    } else {
      o.ok = true;
      auto run = engine->store().GetRun(id);
      o.result = run.ok() && IsTerminal(run->status) ? std::string(RunStatusName(run->status))
                                                     : "cancel requested";
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
