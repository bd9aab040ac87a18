#include "dynaflow/store/dynamodb/client/credentials_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/aws_time.h"
#include "dynaflow/store/dynamodb/client/internal/credentials_util.h"
#include "dynaflow/store/dynamodb/client/internal/json.h"

extern char** environ;

namespace dynaflow::dynamodb {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Waits for `pid` and returns its wait status.
int Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

Result<Credentials> RunCredentialProcess(const std::string& command, const std::string& description,
                                         const ProcessCredentialsOptions& options) {
  const std::string subject = "credential_process of " + description;
  if (internal::TrimAscii(command).empty()) {
    return Status::InvalidArgument(subject + ": the command is empty");
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::Internal(subject + ": cannot create a pipe: " + std::strerror(errno));
  }
  Fd read_end{pipe_fds[0]};
  Fd write_end{pipe_fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDOUT_FILENO);
  // Its own process group, so a timeout kills the command and everything it started.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char**>(argv), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return Status::Internal(subject + ": cannot start /bin/sh: " + std::strerror(rc));
  }
  write_end.Close();

  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool timed_out = false;
  bool too_large = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{read_end.fd, POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    const ssize_t got = ::read(read_end.fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the command closed stdout
    output.append(buf, static_cast<size_t>(got));
    if (output.size() > options.max_output_bytes) {
      too_large = true;
      break;
    }
  }
  if (timed_out || too_large) ::kill(-pid, SIGKILL);
  read_end.Close();
  const int status = Reap(pid);
  if (timed_out) {
    SecureWipe(output);
    return Status::Timeout(subject + ": the command did not finish within " +
                           std::to_string(options.timeout.count()) + " ms and was killed");
  }
  if (too_large) {
    SecureWipe(output);
    return Status::LimitExceeded(subject + ": the command printed more than " +
                                 std::to_string(options.max_output_bytes) + " bytes");
  }
  if (WIFSIGNALED(status)) {
    SecureWipe(output);
    return Status::InvalidArgument(subject + ": the command was killed by signal " +
                                   std::to_string(WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    SecureWipe(output);
    return Status::InvalidArgument(subject + ": the command exited with status " +
                                   std::to_string(WEXITSTATUS(status)) +
                                   " (its stderr, if any, was printed above)");
  }

  const std::string what = subject + ": the command's output";
  {
    json::Document doc;
    if (Status st = doc.Parse(output); !st.ok()) {
      SecureWipe(output);
      return Status::InvalidArgument(st.WithContext(what).message());
    }
    const json::Value* version = json::Find(doc.root(), "Version");
    int v = 0;
    if (version == nullptr || !json::GetInt(*version, json::Path().Key("Version"), &v).ok() ||
        v != 1) {
      SecureWipe(output);
      return Status::InvalidArgument(what + ": expected \"Version\": 1");
    }
  }
  auto creds = internal::ParseJsonCredentials(output, "SessionToken", what);
  SecureWipe(output);
  if (!creds.ok()) return Status::InvalidArgument(creds.status().message());
  Clock* clock = options.clock ? options.clock : Clock::Real();
  if (creds->expiration && *creds->expiration <= clock->Now()) {
    return Status::InvalidArgument(subject + ": the command returned credentials that expired at " +
                                   internal::FormatIso8601(*creds->expiration));
  }
  return creds;
}

ProcessCredentialsProvider::ProcessCredentialsProvider(std::string command, std::string description,
                                                       ProcessCredentialsOptions options)
    : command_(std::move(command)),
      description_(std::move(description)),
      options_(std::move(options)) {}

Result<Credentials> ProcessCredentialsProvider::GetCredentials() {
  return RunCredentialProcess(command_, description_, options_);
}

}  // namespace dynaflow::dynamodb
