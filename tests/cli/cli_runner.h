// Runs the real `dynaflow` binary (DYNAFLOW_CLI_PATH) as a child process and captures its
// stdout, stderr and exit status, for the end-to-end tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dynaflow::test {

struct CliResult {
  int exit_code = -1;  // the exit status; -1 when it did not exit normally
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `dynaflow <args...>` with the environment of this process minus every DYNAFLOW_* and
// AWS_* variable and NO_COLOR (so only `args` configure it), plus `extra_env` ("NAME=value").
// stdout and stderr go to files (never a terminal: no colour, no progress lines).
CliResult RunCli(const std::vector<std::string>& args,
                 const std::vector<std::string>& extra_env = {});

// Starts `dynaflow <args...>` with RunCli's environment, stdin from /dev/null, stdout to
// `out_path` and stderr to `err_path` (created or truncated) and returns the child's pid; -1,
// with the reason in *error, when it could not start. The caller waits for the child.
pid_t SpawnCli(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
               const std::string& out_path, const std::string& err_path, std::string* error);

}  // namespace dynaflow::test
