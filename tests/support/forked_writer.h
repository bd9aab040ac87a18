// A child process for the SQLite crash tests: fork()ed to run a writer that reports to the parent
// over a pipe, then killed with SIGKILL.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

namespace dynaflow::test {

struct ForkedWriter {
  pid_t pid = -1;
  int read_fd = -1;  // the read end of the pipe whose write end the child got
};

// Forks a child that runs body(write_fd); `body` must never return (it leaves with _exit, so the
// child never runs the rest of the test binary). Fork before the parent opens the database:
// SQLite connections must not cross a fork. pid -1 when pipe() or fork() failed.
inline ForkedWriter ForkWriter(const std::function<void(int write_fd)>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    body(fds[1]);
    _exit(2);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return {};
  }
  return {pid, fds[0]};
}

// Kills the child with SIGKILL and reaps it; a failure when it had exited by itself.
inline void KillAndReap(pid_t pid) {
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer exited by itself with status " << WEXITSTATUS(status);
}

}  // namespace dynaflow::test
