#include "dynaflow/config/config_cli.h"

namespace dynaflow::config {

LoadOptions CommandLine::ToLoadOptions() const {
  LoadOptions options;
  options.path = config_path;
  options.flags = flags;
  return options;
}

void AddConfigOptions(CLI::App& app, CommandLine* out) {
  app.add_option("--config", out->config_path,
                 "configuration file (TOML); default: $DYNAFLOW_CONFIG, else none");
  for (const KeyInfo& key : ConfigKeys()) {
    const std::string flag = FlagName(key);
    std::string help = std::string(key.description) +
                       " [default: " + std::string(key.default_value) +
                       "; env: " + EnvVarName(key) + "]";
    app.add_option_function<std::string>(
           flag,
           [out, flag](const std::string& value) { out->flags.push_back(flag + "=" + value); },
           help)
        ->type_name(key.type == KeyType::kInteger    ? "INT"
                    : key.type == KeyType::kBoolean  ? "BOOL"
                    : key.type == KeyType::kDuration ? "DURATION"
                                                     : "TEXT");
  }
}

}  // namespace dynaflow::config
