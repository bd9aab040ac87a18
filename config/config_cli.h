// CLI11 integration: one command-line option per configuration key, plus --config.
//
//   CLI::App app{"dynaflow worker"};
//   dynaflow::config::CommandLine cl;
//   dynaflow::config::AddConfigOptions(app, &cl);
//   CLI11_PARSE(app, argc, argv);
//   auto config = dynaflow::config::LoadConfig(cl.ToLoadOptions());
//
// Option names follow the flag naming rule of config.h ("--store.table", "--worker.lease");
// each help line shows the key's default and its environment variable. Values are only
// collected here; they are checked by ApplyFlags (same messages as for any flag).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "config/config.h"

namespace dynaflow::config {

struct CommandLine {
  std::string config_path;         // --config
  std::vector<std::string> flags;  // "--<section>.<key>=<value>" for every option given

  // {config_path, env = null (process environment), flags}.
  LoadOptions ToLoadOptions() const;
};

// Registers "--config <file>" and every key's option on `app`. `out` must outlive parsing.
void AddConfigOptions(CLI::App& app, CommandLine* out);

}  // namespace dynaflow::config
