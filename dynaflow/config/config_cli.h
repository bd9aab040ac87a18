// CLI11 integration: one command-line option per configuration key, plus --config.
//
//   CLI::App app{"dynaflow worker"};
//   dynaflow::config::CommandLine cl;
//   dynaflow::config::AddConfigOptions(app, &cl);
//   CLI11_PARSE(app, argc, argv);
//   auto config = dynaflow::config::LoadConfig(cl.ToLoadOptions());
//
// Option names follow the flag naming rule of config.h ("--store.table",
// "--worker.lease-duration"); each help line shows the key's default and its environment variable.
// Values are only collected here; they are checked by ApplyFlags (same messages as for any flag).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "dynaflow/config/config.h"

namespace dynaflow::config {

struct CommandLine {
  std::string config_path;         // --config
  std::vector<std::string> flags;  // "--<section>.<key>=<value>" for every option given

  // {config_path, env = null (process environment), flags}.
  LoadOptions ToLoadOptions() const;
};

// Registers "--config <file>" and every key's option on `app`. `out` must outlive parsing.
void AddConfigOptions(CLI::App& app, CommandLine* out);

// Adds option `name` to `app` with its value checked to lie in [lo, hi] and its default shown in
// --help.
template <class T, class Bound>
CLI::Option* AddBoundedOption(CLI::App& app, const std::string& name, T& value,
                              const std::string& help, Bound lo, Bound hi) {
  return app.add_option(name, value, help)->check(CLI::Range(lo, hi))->capture_default_str();
}

}  // namespace dynaflow::config
