// Multi-process integration tests: the test binary doubles as the worker program.
//
// Each test binary defines `main` with DYNAFLOW_MULTIPROCESS_TEST_MAIN(). Run normally, it runs
// its GoogleTest tests; run as `<binary> --dynaflow-test-worker <flags>` (which WorkerProcess
// does, re-executing /proc/self/exe), it is a worker process: see worker_program.h for its
// flags and the logs it writes. This header holds the test side: the shared store, starting,
// signalling and reaping worker processes, and reading their logs.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/worker_program.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::mptest {

enum class Backend { kSqlite, kDynamoDb };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "DynamoDbLocal";
}
// For GoogleTest's messages and test listings.
inline void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "Sqlite" : "DynamoDbLocal");
}

// A store the test process and its worker processes share: a SQLite file in `dir`, or a new
// table on DynamoDB Local. `worker_args` tells a worker process where it is.
struct SharedStore {
  std::shared_ptr<table::Table> table;  // null after a recorded test failure
  std::vector<std::string> worker_args;
};

inline SharedStore OpenSharedStore(Backend backend, const std::string& dir,
                                   const std::string& name) {
  SharedStore out;
  if (backend == Backend::kSqlite) {
    const std::string path = dir + "/" + name + ".db";
    auto t = table::OpenSqliteTable(path);
    if (!t.ok()) {
      ADD_FAILURE() << t.error();
      return out;
    }
    out.table = std::move(t).value();
    out.worker_args = {"--sqlite", path};
    return out;
  }
  std::shared_ptr<dynamodb::Client> client = test::NewDynamoDbLocalClient();
  if (!client) return out;
  const std::string table_name = test::UniqueTableName(name);
  if (!test::CreateSeedLayoutTable(*client, table_name)) return out;
  auto t = table::OpenDynamoDbTable(client, table_name);
  if (!t.ok()) {
    ADD_FAILURE() << t.error();
    return out;
  }
  out.table = std::move(t).value();
  out.worker_args = {"--dynamodb", table_name};
  return out;
}

// Runs fn(i) for i in [0, n) on `threads` threads.
template <class Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < n; i += static_cast<size_t>(threads)) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

// A worker process started from this binary. Killed (SIGKILL) on destruction if still alive.
class WorkerProcess {
 public:
  // Starts `<this binary> --dynaflow-test-worker <args...>`, stdout and stderr to `output`.
  WorkerProcess(const std::vector<std::string>& args, const std::string& output) {
    std::vector<std::string> argv_s = {"/proc/self/exe", kWorkerFlag};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(self, argv.data());
      ::_exit(127);
    }
  }
  ~WorkerProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool alive() const { return pid_ > 0 && !exited_; }
  void Signal(int sig) const {
    if (alive()) ::kill(pid_, sig);
  }
  // SIGKILL and reap.
  void Kill() {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  // Waits for the exit; the wait status, or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        status_ = status;
        break;
      }
      if (std::chrono::steady_clock::now() >= end) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }
  // SIGTERM, then waits for a clean exit (status 0).
  bool StopGracefully(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    Signal(SIGTERM);
    auto st = Wait(timeout);
    return st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0;
  }
  // Process state letter from /proc (e.g. 'T' when stopped), or 0.
  char State() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto p = stat.rfind(')');
    return p != std::string::npos && p + 2 < stat.size() ? stat[p + 2] : '\0';
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// A recorded output of the chain workflow ("<pid>/<seq>", stored JSON-encoded).
inline std::string DecodeOutput(const std::string& payload) {
  auto r = engine::Codec<std::string>::Decode(payload);
  return r.ok() ? *r : "<undecodable " + payload + ">";
}

// One line of an exec log.
struct Execution {
  std::string run_id;
  std::string step;
  int attempt = 0;
  long pid = 0;
  int64_t seq = 0;
  int64_t start_us = 0;
  std::string id() const { return std::to_string(pid) + "/" + std::to_string(seq); }
};

// Every execution in every exec-*.log of `dir` (complete lines only).
inline std::vector<Execution> ReadExecutions(const std::string& dir) {
  std::vector<Execution> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("exec-", 0) != 0) continue;
    std::ifstream in(entry.path());
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream lines(content);
    std::string line;
    while (std::getline(lines, line)) {
      if (lines.eof() && content.back() != '\n') break;  // an unfinished last line
      std::istringstream fields(line);
      Execution e;
      if (fields >> e.run_id >> e.step >> e.attempt >> e.pid >> e.seq >> e.start_us) {
        out.push_back(e);
      }
    }
  }
  return out;
}

// The lines of a file (empty when missing).
inline std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// "<name> <value>" lines of a metrics file.
inline std::map<std::string, int64_t> ReadMetrics(const std::string& path) {
  std::map<std::string, int64_t> out;
  std::ifstream in(path);
  std::string k;
  int64_t v;
  while (in >> k >> v) out[k] = v;
  return out;
}

// Polls `pred` every `every` until it holds or `timeout` passes.
template <class Pred>
bool WaitUntil(Pred pred, std::chrono::milliseconds timeout,
               std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

// A fresh folder under the temp dir, removed by the destructor unless the test failed.
class TempDir : public test::TempDir {
 public:
  explicit TempDir(const std::string& name)
      : test::TempDir("dynaflow_" + name, /*keep_if_test_failed=*/true) {}
};

inline int Main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], kWorkerFlag) == 0) return WorkerMain(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// Schedules "<prefix>0" .. "<prefix><n-1>": the sum of their `fired` counters.
inline int64_t FiredTotal(engine::Engine& engine, const std::string& prefix, int n) {
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    auto s = engine.GetSchedule(prefix + std::to_string(i));
    if (s.ok()) total += s->fired;
  }
  return total;
}

// Ticks keep coming while workers run (a minute may turn meanwhile): pauses every schedule of
// FiredTotal's range (a pause races with a worker's tick on the schedule's version, so it is
// repeated until it lands), so the set of fired ticks is final, then waits until every fired run
// completed. False when either did not happen in time.
inline bool PauseSchedulesAndAwaitTheirRuns(engine::Engine& engine, const std::string& prefix,
                                            int n) {
  for (int i = 0; i < n; ++i) {
    const std::string id = prefix + std::to_string(i);
    if (!WaitUntil([&] { return engine.PauseSchedule(id).ok(); }, std::chrono::seconds(30))) {
      return false;
    }
  }
  const int64_t fired = FiredTotal(engine, prefix, n);
  return WaitUntil(
      [&] {
        auto done = engine.store().CountRunsByStatus(RunStatus::kCompleted);
        return done.ok() && *done >= fired;
      },
      std::chrono::seconds(120), std::chrono::milliseconds(100));
}

}  // namespace dynaflow::mptest

#define DYNAFLOW_MULTIPROCESS_TEST_MAIN() \
  int main(int argc, char** argv) { return ::dynaflow::mptest::Main(argc, argv); }
