// Shared pieces of the engine tests (header only: every tests/unit/*_test.cc is its own
// binary). The fixture runs each test on the memory, SQLite and DynamoDB Local backends.
//
// The DynamoDB instances (named .../DynamoDb) need DynamoDB Local: tests/CMakeLists.txt labels
// them `engine-dynamodb` (the others `tsan`), so infra/test.sh runs them with the emulator started
// and DYNAFLOW_TEST_DYNAMODB_ENDPOINT set. Each such test creates its own table (seed layout)
// and deletes it afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dynaflow/engine/engine.h"
#include "dynaflow/model/enum_names.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/memory_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "dynaflow/store/table/sqlite_table.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::engine::test {

using namespace std::chrono_literals;
using ::dynaflow::test::FakeClock;
using ::dynaflow::test::FakeRandom;

enum class Backend { kMemory, kSqlite, kDynamoDb };

inline constexpr EnumName<Backend> kBackendNames[] = {
    {Backend::kMemory, "Memory"}, {Backend::kSqlite, "Sqlite"}, {Backend::kDynamoDb, "DynamoDb"}};

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return std::string(NameOf(kBackendNames, info.param, "Unknown"));
}
// For GoogleTest's messages and test listings.
inline void PrintTo(Backend b, std::ostream* os) { *os << NameOf(kBackendNames, b, "Unknown"); }

inline StepOptions NoRetries() {
  StepOptions o;
  o.retry = RetryPolicy::None();
  return o;
}

// A one-shot gate: Wait blocks until Open (or the timeout; returns false then).
class Gate {
 public:
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }
  bool is_open() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Counts executions per name, thread-safe.
class Calls {
 public:
  void Hit(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[name];
  }
  int Count(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[name];
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

// Records what happened, in order. Thread-safe.
class Journal {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.push_back(what);
  }
  std::vector<std::string> entries() {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> entries_;
};

// Polls `pred` every 2 ms until it holds or `timeout` passes.
template <class Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

// Success when `run` ended in status `want` with `error_part` in its error; the failure names
// both statuses and the run's error.
inline ::testing::AssertionResult EndedAs(const ::dynaflow::Run& run, RunStatus want,
                                          std::string_view error_part = "") {
  if (run.status == want && run.error.find(error_part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "run " << run.run_id << " is " << RunStatusName(run.status) << " with error \""
         << run.error << "\"; expected " << RunStatusName(want) << " with an error containing \""
         << error_part << "\"";
}

class EngineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    table_ = NewTable();
    ASSERT_NE(table_, nullptr);
  }
  void TearDown() override {
    // Step code a Worker::Stop abandoned must be done by the end of each test (the tests
    // release what they block on), so nothing of it outlives the test.
    EXPECT_TRUE(WaitForAbandonedSteps(30s)) << "abandoned step code still running";
    table_.reset();
    if (ddb_client_ && !ddb_table_name_.empty()) {
      dynamodb::DeleteTableRequest req;
      req.table_name = ddb_table_name_;
      auto deleted = ddb_client_->DeleteTable(req);
      EXPECT_OK(deleted) << "DeleteTable " << ddb_table_name_;
    }
  }

  // A table of this test's backend. Every call opens the same stored data (the same SQLite
  // file or DynamoDB table, through a new connection or client, as another process would);
  // memory tables are separate.
  std::shared_ptr<table::Table> NewTable() {
    switch (GetParam()) {
      case Backend::kMemory:
        return table::NewMemoryTable();
      case Backend::kSqlite: {
        auto t = table::OpenSqliteTable((dir_ / "engine.db").string());
        if (!t.ok()) {
          ADD_FAILURE() << t.error();
          return nullptr;
        }
        return std::shared_ptr<table::Table>(std::move(t).value());
      }
      case Backend::kDynamoDb:
        return NewDynamoDbTable();
    }
    return nullptr;
  }

  std::unique_ptr<Engine> OpenEngine(Clock* clock = nullptr, Random* random = nullptr,
                                     std::shared_ptr<table::Table> table = nullptr) {
    EngineOptions o;
    o.table = table ? table : table_;
    o.clock = clock;
    o.random = random;
    auto e = Engine::Open(o);
    if (!e.ok()) {
      ADD_FAILURE() << e.error();
      return nullptr;
    }
    return std::move(e).value();
  }

  // Polls often and backs off little, so tests run fast.
  static WorkerOptions FastWorker(int threads = 4, std::string owner = "") {
    WorkerOptions o;
    o.threads = threads;
    o.poll_interval = 5ms;
    o.max_poll_interval = 20ms;
    o.owner_id = std::move(owner);
    return o;
  }

  std::unique_ptr<Worker> StartWorker(Engine& engine, WorkerOptions o = FastWorker()) {
    auto w = engine.NewWorker(o);
    if (!w.ok()) {
      ADD_FAILURE() << w.error();
      return nullptr;
    }
    Status s = (*w)->Start();
    EXPECT_OK(s);
    return std::move(w).value();
  }

  // Registers `workflows` on `engine`, then starts a worker with `options`; errors: the first
  // failure. For ASSERT_OK_AND_ASSIGN(auto worker, Serve(*engine, {&wf})).
  static Result<std::unique_ptr<Worker>> Serve(Engine& engine,
                                               std::initializer_list<const Workflow*> workflows,
                                               const WorkerOptions& options = FastWorker()) {
    for (const Workflow* wf : workflows) DYNAFLOW_RETURN_IF_ERROR(engine.Register(*wf));
    DYNAFLOW_ASSIGN_OR_RETURN(std::unique_ptr<Worker> worker, engine.NewWorker(options));
    DYNAFLOW_RETURN_IF_ERROR(worker->Start());
    return worker;
  }

  // Waits until `engine`'s workers have completed `n` more polls (a poll counts once its queries
  // returned), so that at least n - 1 whole polls ran after this call; false after 10 s. Use it
  // before asserting that polls did NOT do something.
  static bool AwaitPolls(Engine& engine, int64_t n = 3) {
    const int64_t target = engine.metrics().polls + n;
    return Eventually([&] { return engine.metrics().polls >= target; });
  }

  // Starts a run of `workflow` with `input` on `engine` and waits for its end (10 s): the run as
  // Wait returns it, with run_id set even when waiting failed.
  template <class In>
  static ::dynaflow::Run StartAndWait(Engine& engine, const Workflow& workflow, const In& input,
                                      const StartOptions& options = {}) {
    auto started = engine.Start(workflow, input, options);
    if (!started.ok()) {
      ADD_FAILURE() << "starting a run of " << workflow.id() << ": " << started.error();
      return ::dynaflow::Run{};
    }
    ::dynaflow::Run run = Wait(engine, started->run_id);
    run.run_id = started->run_id;
    return run;
  }

  static ::dynaflow::Run Wait(Engine& engine, const std::string& run_id,
                              std::chrono::milliseconds t = 10s) {
    auto r = engine.WaitForRun(run_id, t, 20ms);
    if (!r.ok()) {
      ADD_FAILURE() << "waiting for run " << run_id << ": " << r.error();
      return ::dynaflow::Run{};
    }
    return *r;
  }

  static std::map<std::string, StepExecution> Steps(Engine& engine, const std::string& run_id) {
    std::map<std::string, StepExecution> out;
    auto d = engine.GetRun(run_id, false);
    if (!d.ok()) {
      ADD_FAILURE() << d.error();
      return out;
    }
    for (auto& s : d->steps) out[s.step_id] = s;
    return out;
  }

  ::dynaflow::test::TempDir temp_dir_{"dynaflow_engine"};
  const std::filesystem::path dir_ = temp_dir_.path();
  std::shared_ptr<table::Table> table_;
  // Set before SetUp: the DynamoDB backend's client sends through it (e.g. a fault transport).
  std::shared_ptr<dynamodb::Transport> dynamodb_transport_;

 private:
  // The first call creates this test's DynamoDB Local table (deleted in TearDown).
  std::shared_ptr<table::Table> NewDynamoDbTable() {
    std::shared_ptr<dynamodb::Client> client =
        ::dynaflow::test::NewDynamoDbLocalClient(dynamodb_transport_);
    if (!client) return nullptr;
    if (ddb_table_name_.empty()) {
      std::string name = ::dynaflow::test::UniqueTableName("engine");
      Status s = table::EnsureSeedTable(*client, name);
      if (!s.ok()) {
        ADD_FAILURE() << "creating DynamoDB Local table " << name << ": " << s;
        return nullptr;
      }
      ddb_client_ = client;
      ddb_table_name_ = name;
    }
    table::DynamoDbTableOptions options;
    options.verify_layout = false;  // checked by EnsureSeedTable
    auto t = table::OpenDynamoDbTable(client, ddb_table_name_, options);
    if (!t.ok()) {
      ADD_FAILURE() << t.error();
      return nullptr;
    }
    return std::shared_ptr<table::Table>(std::move(t).value());
  }

  std::shared_ptr<dynamodb::Client> ddb_client_;
  std::string ddb_table_name_;
};

// Runs every test of `suite` on the three backends.
#define DYNAFLOW_ENGINE_BACKENDS(suite)                                                     \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                 \
                           ::testing::Values(::dynaflow::engine::test::Backend::kMemory,    \
                                             ::dynaflow::engine::test::Backend::kSqlite,    \
                                             ::dynaflow::engine::test::Backend::kDynamoDb), \
                           ::dynaflow::engine::test::BackendName)

}  // namespace dynaflow::engine::test
