// The `dynaflow` subcommands. Each Add* registers one command (its flags and help) on its
// parent; the command runs from the parse callback and leaves its exit code in ctx.exit_code.
// Flag storage lives in the callback's closure, so it outlives parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/context.h"

namespace dynaflow::cli {

// Registers subcommand `name` with `help` on `parent`. Its flags are parsed into one `Flags`
// (returned, for add_option/add_flag), and its callback stores execute(ctx, flags) in
// ctx.exit_code. The flags live in the callback's closure, so they outlive parsing.
template <class Flags>
struct RegisteredCommand {
  CLI::App* cmd;
  std::shared_ptr<Flags> flags;
};
template <class Flags>
RegisteredCommand<Flags> AddCommand(CLI::App& parent, Context& ctx, const std::string& name,
                                    const std::string& help,
                                    int (*execute)(Context&, const Flags&)) {
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->callback([&ctx, flags, execute] { ctx.exit_code = execute(ctx, *flags); });
  return {cmd, flags};
}

void AddRunsList(CLI::App& runs, Context& ctx);    // runs_list.cc
void AddRunsShow(CLI::App& runs, Context& ctx);    // runs_show.cc
void AddRunsCount(CLI::App& runs, Context& ctx);   // runs_count.cc
void AddRunsCancel(CLI::App& runs, Context& ctx);  // runs_cancel.cc
void AddRunsRetry(CLI::App& runs, Context& ctx);   // runs_retry.cc
void AddRunsStart(CLI::App& runs, Context& ctx);   // runs_start.cc
void AddTable(CLI::App& app, Context& ctx);        // table.cc: create, verify, describe
void AddUi(CLI::App& app, Context& ctx);           // ui.cc: the web dashboard (if built)

// `runs show` output of `details` in ctx.format: ShowText, or ShowJson (one compact line for
// jsonl).
std::string RenderShow(const Context& ctx, const store::RunDetails& details, bool timeline,
                       bool payloads);

// Shared by runs start / runs retry --wait: waits for the run, prints it (as `runs show` does,
// without payloads) and returns kExitOk when it COMPLETED, kExitFailure otherwise.
int WaitAndShow(Context& ctx, engine::Engine& engine, const std::string& run_id,
                std::chrono::milliseconds timeout);

}  // namespace dynaflow::cli
