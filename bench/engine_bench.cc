// Engine throughput: runs/s and steps/s of a linear 10-step workflow (trivial steps: the cost
// measured is the engine's and the store's) executed by one Worker with 4 threads, on the memory
// and the SQLite backends, plus store requests per recorded step. BM_CodeLinear10* run the same
// ten steps as a code workflow (dynaflow/engine/durable.h: a loop of ctx.Step calls).
//
// Each iteration starts a batch of 200 runs with Engine::Start from the benchmark thread and
// waits until the worker has finished all of them. Two ways runs reach the worker:
//   handover:1  the worker accepts every run as a hand-over (handoff_backlog = the batch): each
//               run is created already leased to it, no poll and no claim -- the engine's and
//               the store's own cost (1 create + 10 step records per run);
//   handover:0  no hand-over (handoff_backlog 0 is clamped to 1, so nearly every run is created
//               PENDING): the worker's poller finds and claims them, as it does for runs started
//               by other processes (poll_interval 5 ms). Counters: runs_per_s, steps_per_s (rates
//               over the
// iteration time), requests_per_step and requests_per_run (store requests of every kind --
// creates, claims, polls, step records -- divided by the steps recorded / runs finished),
// cpu_us_per_step: the process's CPU time (user + system, getrusage RUSAGE_SELF: every worker
// thread, the starting thread, the store) divided by the steps recorded. On a loaded machine
// this is far steadier than the rates.
//
// The SQLite benchmarks also measure the file's own commit rate in the same run (raw one-row
// 1 KB commits through the sqlite3 C API, WAL, synchronous=NORMAL like the table; see
// sqlite_raw_commits.h), half before and half after the engine, and report raw_commits_per_s
// and steps_vs_raw = steps_per_s / raw_commits_per_s (wall-clock rates, noisy on a loaded
// machine), plus the same ratio in CPU time: raw_cpu_us_per_commit (the committing thread's CPU)
// and cpu_vs_raw = raw_cpu_us_per_commit / cpu_us_per_step.
//
// Run (Release build):
//   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DDYNAFLOW_BUILD_BENCH=ON
//   cmake --build build/release -j2 --target engine_bench && build/release/bench/engine_bench
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "bench/sqlite_raw_commits.h"
#include "dynaflow/engine/durable.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/memory_table.h"
#include "dynaflow/store/table/sqlite_table.h"

namespace dynaflow::engine {
namespace {

constexpr int kSteps = 10;
constexpr int kThreads = 4;
constexpr int kRunsPerIteration = 200;

Workflow LinearWorkflow() {
  WorkflowBuilder b("bench-linear", 1);
  for (int i = 0; i < kSteps; ++i) {
    b.Step(MakeStep<int64_t, int64_t>("step-" + std::to_string(i),
                                      [](StepContext&, const int64_t& v) { return v + 1; }));
  }
  return b.Build().value();
}

Workflow CodeLinearWorkflow() {
  return DurableWorkflow<int64_t, int64_t>(
             "bench-code-linear", 1,
             [](WorkflowContext& ctx, const int64_t& in) -> Result<int64_t> {
               int64_t v = in;
               for (int i = 0; i < kSteps; ++i) {
                 DYNAFLOW_ASSIGN_OR_RETURN(
                     v, ctx.Step("step-" + std::to_string(i), [v](StepContext&) { return v + 1; }));
               }
               return v;
             })
      .value();
}

// User + system CPU time of the whole process, in microseconds.
double ProcessCpuMicros() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& tv) { return tv.tv_sec * 1e6 + static_cast<double>(tv.tv_usec); };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

// Steps per second of wall time over the measured iterations (set by RunLinear).
struct Figures {
  double steps_per_s = 0;
  double cpu_us_per_step = 0;
};

Figures RunLinear(benchmark::State& state, std::shared_ptr<table::Table> table, const Workflow& wf,
                  bool handover, int threads = kThreads) {
  Figures figures;
  spdlog::set_level(spdlog::level::warn);
  EngineOptions eo;
  eo.table = std::move(table);
  auto engine = Engine::Open(eo).value();
  if (!engine->Register(wf).ok()) {
    state.SkipWithError("register failed");
    return figures;
  }
  WorkerOptions wo;
  wo.threads = threads;
  wo.poll_interval = Duration(5);
  wo.max_poll_interval = Duration(50);
  wo.handoff_backlog = handover ? kRunsPerIteration : 0;
  auto worker = engine->NewWorker(wo).value();
  if (!worker->Start().ok()) {
    state.SkipWithError("worker start failed");
    return figures;
  }
  const EngineMetrics before = engine->metrics();
  const double cpu_before = ProcessCpuMicros();
  const auto wall_before = std::chrono::steady_clock::now();
  int64_t runs = 0;
  for (auto _ : state) {
    const int64_t target = RunsFinished(engine->metrics()) + kRunsPerIteration;
    for (int i = 0; i < kRunsPerIteration; ++i) {
      if (!engine->Start(wf, int64_t{i}).ok()) {
        state.SkipWithError("start failed");
        return figures;
      }
    }
    while (RunsFinished(engine->metrics()) < target) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    runs += kRunsPerIteration;
  }
  const EngineMetrics after = engine->metrics();
  const double cpu_us = ProcessCpuMicros() - cpu_before;
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  worker->Stop();
  const double steps = static_cast<double>(StepsRecorded(after) - StepsRecorded(before));
  const double requests = static_cast<double>(after.store.requests - before.store.requests);
  state.counters["runs_per_s"] =
      benchmark::Counter(static_cast<double>(runs), benchmark::Counter::kIsRate);
  state.counters["steps_per_s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.counters["requests_per_step"] = steps > 0 ? requests / steps : 0;
  state.counters["requests_per_run"] = runs > 0 ? requests / static_cast<double>(runs) : 0;
  figures.cpu_us_per_step = steps > 0 ? cpu_us / steps : 0;
  state.counters["cpu_us_per_step"] = figures.cpu_us_per_step;
  figures.steps_per_s = wall_s > 0 ? steps / wall_s : 0;
  return figures;
}

// Both linear benchmarks: with and without hand-over, in ms of real time, 2 s at least.
void Linear10Settings(benchmark::internal::Benchmark* b) {
  b->ArgName("handover")
      ->Arg(1)
      ->Arg(0)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->MinTime(2.0);
}

void BM_Linear10Memory(benchmark::State& state) {
  RunLinear(state, std::shared_ptr<table::Table>(table::NewMemoryTable()), LinearWorkflow(),
            state.range(0) != 0);
}
BENCHMARK(BM_Linear10Memory)->Apply(Linear10Settings);

void BM_CodeLinear10Memory(benchmark::State& state) {
  RunLinear(state, std::shared_ptr<table::Table>(table::NewMemoryTable()), CodeLinearWorkflow(),
            state.range(0) != 0);
}
BENCHMARK(BM_CodeLinear10Memory)->Apply(Linear10Settings);

// A SQLite file for one benchmark (removed with its -wal / -shm files by RemoveSqlite).
std::string SqlitePath() {
  return (std::filesystem::temp_directory_path() /
          ("dynaflow_engine_bench_" + std::to_string(::getpid()) + ".db"))
      .string();
}
void RemoveSqlite(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(path + suffix, ec);
  }
}

// The engine on a SQLite table beside the file's raw one-row commits at the same synchronous
// setting, measured in the same run (half before, half after the engine).
void SqliteBesideRaw(benchmark::State& state, int threads, bool handover, bool full_sync,
                     size_t max_batch_writes) {
  const std::string path = SqlitePath();
  const std::string raw_path = path + ".raw";
  const bench::RawCommits raw_before = bench::RawSqliteCommits(raw_path, 1.0, full_sync);
  Figures figures;
  int64_t commits = 0;
  {
    table::SqliteTableOptions options;
    options.synchronous = full_sync ? table::SqliteTableOptions::Synchronous::kFull
                                    : table::SqliteTableOptions::Synchronous::kNormal;
    options.max_batch_writes = max_batch_writes;
    auto table = table::OpenSqliteTable(path, options);
    if (!table.ok()) {
      state.SkipWithError(table.error().ToString().c_str());
      return;
    }
    std::shared_ptr<table::Table> shared(std::move(table).value());
    figures = RunLinear(state, shared, LinearWorkflow(), handover, threads);
    commits = shared->stats().commits;
    const int64_t writes = shared->stats().writes;
    state.counters["writes_per_commit"] =
        commits > 0 ? static_cast<double>(writes) / static_cast<double>(commits) : 0;
  }
  const bench::RawCommits raw_after = bench::RawSqliteCommits(raw_path, 1.0, full_sync);
  const double raw = (raw_before.per_s + raw_after.per_s) / 2;
  const double raw_cpu = (raw_before.cpu_us_each + raw_after.cpu_us_each) / 2;
  state.counters["raw_commits_per_s"] = raw;
  state.counters["steps_vs_raw"] = raw > 0 ? figures.steps_per_s / raw : 0;
  // The same comparison in CPU time (steadier under load): raw CPU per commit / CPU per step.
  state.counters["raw_cpu_us_per_commit"] = raw_cpu;
  state.counters["cpu_vs_raw"] =
      figures.cpu_us_per_step > 0 ? raw_cpu / figures.cpu_us_per_step : 0;
  RemoveSqlite(path);
}

void BM_Linear10Sqlite(benchmark::State& state) {
  SqliteBesideRaw(state, kThreads, state.range(0) != 0, /*full_sync=*/false, 64);
}
BENCHMARK(BM_Linear10Sqlite)->Apply(Linear10Settings);

// Group commit: 8 worker threads, hand-over, synchronous NORMAL (sync:0) or FULL (sync:1),
// max_batch_writes 1 (every step record its own commit) or 64.
void BM_Group8Sqlite(benchmark::State& state) {
  SqliteBesideRaw(state, 8, /*handover=*/true, state.range(0) != 0,
                  static_cast<size_t>(state.range(1)));
}
BENCHMARK(BM_Group8Sqlite)
    ->ArgNames({"sync", "batch"})
    ->Args({0, 1})
    ->Args({0, 64})
    ->Args({1, 1})
    ->Args({1, 64})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

void BM_CodeLinear10Sqlite(benchmark::State& state) {
  const std::string path = SqlitePath();
  {
    auto table = table::OpenSqliteTable(path);
    if (!table.ok()) {
      state.SkipWithError(table.error().ToString().c_str());
      return;
    }
    RunLinear(state, std::shared_ptr<table::Table>(std::move(table).value()), CodeLinearWorkflow(),
              state.range(0) != 0);
  }
  RemoveSqlite(path);
}
BENCHMARK(BM_CodeLinear10Sqlite)->Apply(Linear10Settings);

}  // namespace
}  // namespace dynaflow::engine

BENCHMARK_MAIN();
