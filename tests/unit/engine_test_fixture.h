// Shared pieces of the engine unit tests (header only: every tests/unit/*_test.cc is its own
// binary). The fixture runs each test on the memory and the SQLite backends.
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

#include "engine/engine.h"
#include "store/table/memory_table.h"
#include "store/table/sqlite_table.h"
#include "tests/support/fake_clock.h"

namespace dynaflow::engine::test {

using namespace std::chrono_literals;
using ::dynaflow::test::FakeClock;
using ::dynaflow::test::FakeRandom;

enum class Backend { kMemory, kSqlite };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Sqlite";
}

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

class EngineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("dynaflow_engine_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    table_ = NewTable();
    ASSERT_NE(table_, nullptr);
  }
  void TearDown() override {
    table_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::shared_ptr<table::Table> NewTable() {
    if (GetParam() == Backend::kMemory) return table::NewMemoryTable();
    auto t = table::OpenSqliteTable((dir_ / "engine.db").string());
    if (!t.ok()) {
      ADD_FAILURE() << t.error();
      return nullptr;
    }
    return std::shared_ptr<table::Table>(std::move(t).value());
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
    EXPECT_TRUE(s.ok()) << s;
    return std::move(w).value();
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

  std::filesystem::path dir_;
  std::shared_ptr<table::Table> table_;
};

#define DYNAFLOW_ENGINE_BACKENDS(suite)                                                   \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                               \
                           ::testing::Values(::dynaflow::engine::test::Backend::kMemory,  \
                                             ::dynaflow::engine::test::Backend::kSqlite), \
                           ::dynaflow::engine::test::BackendName)

}  // namespace dynaflow::engine::test
