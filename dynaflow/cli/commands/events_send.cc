// dynaflow events send: deliver an event to a run (by id, or by workflow and business key).
#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_input.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/text_table.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Send the event NAME with a JSON payload to a run that is not finished: RUN_ID NAME, or "
    "--workflow W --business-key K NAME. A run waiting for NAME is made due at once. With "
    "--event-id a repeated send writes nothing (prints \"duplicate\"). Cost: 2 store requests "
    "(+1 to find the run by business key).";

struct Flags {
  std::vector<std::string> args;
  std::string workflow;
  std::string business_key;
  std::string data;
  std::string event_id;

  void Declare(CLI::App& cmd) {
    cmd.add_option("args", args, "RUN_ID NAME, or NAME with --workflow and --business-key")
        ->required()
        ->expected(1, 2);
    cmd.add_option("--workflow,-w", workflow, "the workflow of the run (with --business-key)");
    cmd.add_option("--business-key,-k", business_key, "the business key of the run");
    cmd.add_option("--data,-d", data, "the payload: JSON text, or @FILE, or @- for stdin")
        ->required();
    cmd.add_option("--event-id", event_id,
                   "idempotency id: a second send with it writes nothing (default: a new id)");
  }
};

int Execute(Context& ctx, const Flags& f) {
  const bool by_key = !f.workflow.empty() || !f.business_key.empty();
  if (by_key && (f.workflow.empty() || f.business_key.empty())) {
    return ctx.Fail(kExitUsage, "events send: --workflow and --business-key go together");
  }
  if (f.args.size() != (by_key ? 1u : 2u)) {
    return ctx.Fail(kExitUsage, by_key ? "events send: give only NAME with --business-key"
                                       : "events send: give RUN_ID and NAME (or NAME with "
                                         "--workflow and --business-key)");
  }
  const std::string name = f.args.back();
  auto payload = ReadJsonArgument("--data", f.data);
  if (!payload.ok()) return ctx.Fail(kExitUsage, payload.status());
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;
  std::string run_id = by_key ? "" : f.args.front();
  if (by_key) {
    auto found = engine->store().FindRunIdByBusinessKey(f.workflow, f.business_key);
    if (!found.ok()) {
      return ctx.Fail(kExitFailure,
                      found.status().WithContext("workflow " + f.workflow + ", business key \"" +
                                                 f.business_key + "\""));
    }
    run_id = *found;
  }
  engine::SendEventOptions o;
  o.event_id = f.event_id;
  auto sent = engine->SendEventEncoded(run_id, name, *payload, o);
  if (!sent.ok()) {
    const bool usage = sent.status().Is(StatusCode::kInvalidArgument);
    return ctx.Fail(usage ? kExitUsage : kExitFailure, sent.status());
  }
  const std::string result = sent->duplicate ? "duplicate (sent before; nothing written)"
                             : sent->woke    ? "sent; the run was waiting for it and is due now"
                                             : "sent";
  if (ctx.format == OutputFormat::kTable) {
    TextTable t({"RUN ID", "EVENT", "EVENT ID", "RESULT"});
    t.AddRow({run_id, name, sent->event_id, result});
    t.Print(ctx.out, ctx.color);
  } else {
    ctx.Print(JsonFields({JsonField::Text("run_id", run_id), JsonField::Text("name", name),
                          JsonField::Text("event_id", sent->event_id),
                          JsonField::Flag("duplicate", sent->duplicate),
                          JsonField::Flag("woke", sent->woke)}));
  }
  return kExitOk;
}

}  // namespace

void AddEvents(CLI::App& app, Context& ctx) {
  CLI::App* events = app.add_subcommand("events", "Send events to runs");
  events->require_subcommand(1);
  AddCommand<Flags>(*events, ctx, "send", kHelp, Execute);
}

}  // namespace dynaflow::cli
