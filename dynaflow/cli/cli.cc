#include "dynaflow/cli/cli.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/context.h"
#include "dynaflow/cli/unknown_command.h"
#include "dynaflow/model/version.h"

namespace dynaflow::cli {

int Main(int argc, char** argv, std::FILE* out, std::FILE* err) {
  // The engine's log lines go to stderr (stdout carries only data), warnings and worse only.
  auto logger = spdlog::stderr_logger_mt("dynaflow");
  logger->set_level(spdlog::level::warn);
  spdlog::set_default_logger(logger);

  Context ctx(out, err);
  CLI::App app{
      "dynaflow: query, drive and provision dynaflow workflow runs.\n"
      "Configuration as for workers: --config FILE (else $DYNAFLOW_CONFIG), DYNAFLOW_* "
      "variables, --store.<key>=VALUE flags.\n"
      "Exit status: 0 success, 1 failure or not found, 2 usage or configuration error.",
      "dynaflow"};
  app.set_version_flag("--version", "dynaflow " + std::string(dynaflow::Version()));
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the subcommands
  config::AddConfigOptions(app, &ctx.flags.config);
  app.add_option("-o,--output", ctx.flags.output, "output: table (default), json or jsonl");
  app.add_option("--now", ctx.flags.now, "reference time of relative times (tests)")->group("");
  app.parse_complete_callback([&ctx] {
    Status s = ctx.Prepare();
    if (!s.ok()) throw CLI::ValidationError(s.message());
  });

  CLI::App* runs = app.add_subcommand("runs", "Query and drive workflow runs");
  runs->require_subcommand(1);
  AddRunsList(*runs, ctx);
  AddRunsShow(*runs, ctx);
  AddRunsCount(*runs, ctx);
  AddRunsCancel(*runs, ctx);
  AddRunsRetry(*runs, ctx);
  AddRunsStart(*runs, ctx);
  AddRunsExport(*runs, ctx);
  AddRunsImport(*runs, ctx);
  AddEvents(app, ctx);
  AddSchedules(app, ctx);
  AddTable(app, ctx);
  AddUi(app, ctx);
  // The command never runs a worker: --worker.* flags are accepted (one configuration for all)
  // but not listed in --help.
  for (CLI::Option* o : app.get_options()) {
    if (o->get_name().rfind("--worker.", 0) == 0) o->group("");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    std::ostringstream text, unused;
    app.exit(e, text, unused);
    std::fputs(text.str().c_str(), out);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr ||
        dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
      const std::string unknown =
          UnknownCommandMessage(app, std::vector<std::string>(argv + 1, argv + argc));
      if (!unknown.empty()) message = unknown;
    }
    std::fprintf(err, "dynaflow: %s\nRun with --help for more information.\n", message.c_str());
    return kExitUsage;
  }
  std::fflush(out);
  return ctx.exit_code;
}

}  // namespace dynaflow::cli
