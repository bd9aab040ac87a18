#include "tests/cli/ui_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/cli/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::test {

UiProcess::~UiProcess() {
  Stop();
  if (!err_path_.empty()) std::filesystem::remove(err_path_);
}

std::string UiProcess::Stderr() const {
  std::ifstream in(err_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool UiProcess::Start(const std::vector<std::string>& args,
                      const std::vector<std::string>& extra_env) {
  err_path_ = BinaryTempDir().NewFile("ui", ".err");
  pid_ = SpawnCli(args, extra_env, "/dev/null", err_path_, &error_);
  if (pid_ < 0) return false;
  const std::string marker = "listening on http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string err = Stderr();
    size_t at = err.find(marker);
    if (at != std::string::npos && err.find('\n', at) != std::string::npos) {
      port_ = std::stoi(err.substr(at + marker.size()));
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "dynaflow ui exited: " + err;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "dynaflow ui did not listen within 20 s: " + Stderr();
  return false;
}

int UiProcess::Stop() {
  if (pid_ < 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace dynaflow::test
