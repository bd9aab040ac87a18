// The `dynaflow` subcommands. Each Add* registers one command (its flags and help) on its
// parent; the command runs from the parse callback and leaves its exit code in ctx.exit_code.
// Flag storage lives in the callback's closure, so it outlives parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "dynaflow/cli/context.h"

namespace dynaflow::cli {

// Registers subcommand `name` with `help` on `parent`. `Flags` declares its own options:
// `void Declare(CLI::App& cmd)` adds them to `cmd`, bound to its members. One Flags object lives
// in the callback's closure (so it outlives parsing); the callback stores execute(ctx, flags) in
// ctx.exit_code.
template <class Flags>
void AddCommand(CLI::App& parent, Context& ctx, const std::string& name, const std::string& help,
                int (*execute)(Context&, const Flags&)) {
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = parent.add_subcommand(name, help);
  flags->Declare(*cmd);
  cmd->callback([&ctx, flags, execute] { ctx.exit_code = execute(ctx, *flags); });
}

void AddRunsList(CLI::App& runs, Context& ctx);    // runs_list.cc
void AddRunsShow(CLI::App& runs, Context& ctx);    // runs_show.cc
void AddRunsCount(CLI::App& runs, Context& ctx);   // runs_count.cc
void AddRunsCancel(CLI::App& runs, Context& ctx);  // runs_cancel.cc
void AddRunsRetry(CLI::App& runs, Context& ctx);   // runs_retry.cc
void AddRunsStart(CLI::App& runs, Context& ctx);   // runs_start.cc
void AddRunsExport(CLI::App& runs, Context& ctx);  // runs_export.cc
void AddRunsImport(CLI::App& runs, Context& ctx);  // runs_import.cc
void AddTable(CLI::App& app, Context& ctx);        // table.cc: create, verify, describe
void AddEvents(CLI::App& app, Context& ctx);       // events_send.cc: events send
void AddSchedules(CLI::App& app, Context& ctx);    // schedules.cc: list, show (+ the next)
void AddSchedulesChange(CLI::App& schedules, Context& ctx);  // schedules_change.cc: create,
                                                             // pause, resume, delete, trigger
void AddUi(CLI::App& app, Context& ctx);                     // ui.cc: the web dashboard

// `runs show` output of `details` in ctx.format: ShowText, or ShowJson (one compact line for
// jsonl).
std::string RenderShow(const Context& ctx, const store::RunDetails& details, bool timeline,
                       bool payloads);

// Shared by runs start / runs retry --wait: waits for the run, prints it (as `runs show` does,
// without payloads) and returns kExitOk when it COMPLETED, kExitFailure otherwise.
int WaitAndShow(Context& ctx, engine::Engine& engine, const std::string& run_id,
                std::chrono::milliseconds timeout);

}  // namespace dynaflow::cli
