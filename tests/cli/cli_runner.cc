#include "tests/cli/cli_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace dynaflow::test {

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Dropped(const char* var) {
  return std::strncmp(var, "DYNAFLOW_", 9) == 0 || std::strncmp(var, "AWS_", 4) == 0 ||
         std::strncmp(var, "NO_COLOR=", 9) == 0;
}

}  // namespace

pid_t SpawnCli(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
               const std::string& out_path, const std::string& err_path, std::string* error) {
  std::vector<std::string> argv_s = {DYNAFLOW_CLI_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!Dropped(*e)) env_s.emplace_back(*e);
  }
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = std::string("posix_spawn failed: ") + std::strerror(rc);
    return -1;
  }
  return pid;
}

CliResult RunCli(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
  const std::string base = BinaryTempDir().NewFile("cli");
  const std::string out_path = base + ".out", err_path = base + ".err";
  CliResult result;
  const pid_t pid = SpawnCli(args, extra_env, out_path, err_path, &result.err);
  if (pid < 0) return result;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = Slurp(out_path);
  result.err = Slurp(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace dynaflow::test
