// What the example programs share: the command line (their own flags plus every configuration
// key, see dynaflow/config/config_cli.h), opening the store and the engine, progress lines while
// runs execute, checking every run's outcome, and the closing summary.
//
// Thread-safety: ProgressReporter runs its own thread; everything else is for the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dynaflow/app/metrics_listener.h"
#include "dynaflow/app/open_store.h"
#include "dynaflow/config/config.h"
#include "dynaflow/config/config_cli.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/engine/worker.h"
#include "dynaflow/model/result.h"

namespace dynaflow::examples {

using config::AddBoundedOption;

struct CommonFlags {
  int runs = 200;                 // --runs: runs to start
  int threads = 0;                // --threads: worker threads; 0: [worker] threads
  double progress_seconds = 1.0;  // --progress: seconds between progress lines; 0: none
  int timeout_seconds = 600;      // --timeout: give up waiting for the runs after this long
  // --log-level: spdlog level of the engine's own messages ("error": expected step failures,
  // which the examples provoke on purpose, are not logged).
  std::string log_level = "error";
  bool keep_store = false;     // --keep-store: keep the temporary SQLite file (its path is printed)
  config::CommandLine config;  // --config FILE and --<section>.<key>=<value>
};

// Registers the flags above (with `default_runs` as --runs' default), the configuration options
// and --version ("dynaflow X.Y.Z", exit status 0) on `app`. `flags` must outlive parsing.
void AddCommonFlags(CLI::App& app, CommonFlags* flags, int default_runs);

// A loaded configuration, the opened store and an Engine over it.
struct ExampleEnv {
  config::Config config;
  app::OpenedStore store;
  std::unique_ptr<engine::Engine> engine;
  // A SQLite file made for this run (store type sqlite and no path configured anywhere);
  // RemoveTemporaryStore deletes it.
  std::string temporary_sqlite;
};

// Loads the configuration (defaults < file < environment < flags), applies --threads, and when
// the store is SQLite and store.path was not set anywhere uses a new file in the temp folder
// (so repeated runs start from an empty store); opens the store and the engine, and sets the
// spdlog level. Errors: the configuration's and OpenStore's, and kInvalidArgument for a bad
// --log-level.
Result<ExampleEnv> SetUpExample(const CommonFlags& flags, const std::string& program);

// What ParseAndSetUp gives the program: the environment, or (env empty) the exit status to end
// with: 0 after --help / --version, 2 after bad flags or a failed set-up (message printed).
struct ParsedExample {
  std::optional<ExampleEnv> env;
  int exit_code = 0;
};

// Parses argv with `app` (its flags registered, AddCommonFlags included), then
// SetUpExample(flags, workflow_program); set-up errors are printed as "<argv[0]'s file name>:
// <message>" on stderr.
ParsedExample ParseAndSetUp(CLI::App& app, int argc, char** argv, const CommonFlags& flags,
                            const std::string& workflow_program);

// The example's one worker, started, and the listener of [worker] metrics-listen (null when the
// key is empty). Destroying it stops the listener, then the worker.
struct RunningWorker {
  std::unique_ptr<engine::Worker> worker;
  std::unique_ptr<app::MetricsListener> metrics;
};

// Starts a worker with `options` over env.engine and the metrics listener of env.config.worker,
// printing "  metrics: /metrics on port N" when one listens. On failure prints
// "<program>: cannot start the worker: <error>" or "<program>: <error>" on stderr and returns
// nullopt (the example then exits with status 2).
std::optional<RunningWorker> StartExampleWorker(ExampleEnv& env,
                                                const engine::WorkerOptions& options,
                                                const char* program);

// Deletes env.temporary_sqlite (and its -wal / -shm files) unless keep. Call after the engine
// and its workers are gone.
void RemoveTemporaryStore(const ExampleEnv& env, bool keep);

// Prints "<elapsed> s  <finished>/<total> finished  COMPLETED n  COMPENSATED n  FAILED n ..."
// every `interval` on its own thread, from the engine's counters (no store request), until
// Stop() or destruction.
class ProgressReporter {
 public:
  ProgressReporter(engine::Engine& engine, int64_t total, std::chrono::milliseconds interval,
                   std::FILE* out);
  ~ProgressReporter();
  void Stop();

 private:
  void Loop();
  engine::Engine& engine_;
  const int64_t total_;
  const std::chrono::milliseconds interval_;
  std::FILE* const out_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Waits until this process's workers have finished `total` runs or `timeout` passed; returns
// whether they all finished.
bool WaitForFinishedRuns(engine::Engine& engine, int64_t total, std::chrono::seconds timeout);

// One started run and the terminal status it must end in.
struct ExpectedRun {
  std::string run_id;
  RunStatus expected = RunStatus::kCompleted;
  std::string label;  // names the run in messages, e.g. "order 14"
};

// Outcome of checking every run against the store.
struct RunCheck {
  std::map<RunStatus, int64_t> actual;    // runs by status as read back
  std::map<RunStatus, int64_t> expected;  // runs by expected status
  std::vector<std::string> problems;      // one line per run that is not as expected
};

// Reads every run (with its steps) and compares its status with the expectation; `extra`
// (optional) checks more of a run and returns a problem description, or "" when fine.
// Costs one LoadRun per run.
RunCheck CheckRuns(engine::Engine& engine, const std::vector<ExpectedRun>& runs,
                   const std::function<std::string(const ExpectedRun&, const store::RunDetails&)>&
                       extra = nullptr);

struct SummaryInput {
  std::string program;
  std::string store;  // app::OpenedStore::description
  int threads = 0;
  int64_t runs = 0;
  double elapsed_seconds = 0;
  engine::EngineMetrics metrics;  // snapshot taken when the runs had finished
  const RunCheck* check = nullptr;
  std::vector<std::string> notes;  // extra lines (e.g. the ledger check), printed as they are
};

// Prints the summary: runs by status (with the expected counts), steps executed, store
// requests (in total, per run, per recorded step), elapsed time and throughput, and OK or the
// problems found (at most 20 listed).
void PrintSummary(std::FILE* out, const SummaryInput& in);

// DynamoDB on-demand price of write request units (US East, standard table class, since the
// November 2024 price cut; docs/cost.md names the source and date) and AWS Step Functions
// Standard's price per state transition, for the summary's cost line.
inline constexpr double kOnDemandUsdPerMillionWru = 0.625;
inline constexpr double kStepFunctionsUsdPerMillionTransitions = 25.0;

// The summary's "write units" line: WRU the table reported, per recorded step and per run, and
// the price per million steps (a line saying the backend reports none on the embedded stores).
void PrintWriteCost(std::FILE* out, const table::TableStats& store, int64_t recorded_steps,
                    int64_t runs);

}  // namespace dynaflow::examples
