// Runs `dynaflow ui` (DYNAFLOW_CLI_PATH) as a background child process on a free loopback port
// (--listen 127.0.0.1:0; the port is read from its "listening on http://127.0.0.1:PORT/" line), for
// the dashboard's API and browser tests. The environment is RunCli's (tests/cli/cli_runner.h). The
// destructor stops it (SIGTERM, then SIGKILL after 5 s).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dynaflow::test {

class UiProcess {
 public:
  UiProcess() = default;
  ~UiProcess();
  UiProcess(const UiProcess&) = delete;
  UiProcess& operator=(const UiProcess&) = delete;

  // Starts `dynaflow ui <args>` and waits (up to 20 s) until it listens. False (with the
  // reason and its stderr in error()) when it exited or never listened.
  bool Start(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {});
  // SIGTERM and wait; its exit code (-1 when killed or not running).
  int Stop();

  int port() const { return port_; }
  const std::string& error() const { return error_; }
  // What it wrote on stderr so far.
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string err_path_;
  std::string error_;
};

}  // namespace dynaflow::test
