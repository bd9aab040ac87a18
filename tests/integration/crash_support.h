// What the crash tests (crash_recovery_test.cc, code_crash_test.cc) share: worker processes
// killed at random and replaced, the records seen right after each kill, the executions read
// back from the logs, and the check that nothing recorded before a kill ran again after it.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/multiprocess_support.h"

namespace dynaflow::mptest {

// (run id, step id).
using StepKey = std::pair<std::string, std::string>;

// A crash test's worker flags: the store's, then `dir`, `steps`, 4 threads, a 1 s lease, 10 ms
// polls and steps of 10-30 ms.
inline std::vector<std::string> CrashWorkerArgs(const SharedStore& store, const std::string& dir,
                                                int steps) {
  std::vector<std::string> args = store.worker_args;
  const std::vector<std::string> common = {
      "--dir",         dir,  "--steps",       std::to_string(steps),
      "--threads",     "4",  "--lease-ms",    "1000",
      "--poll-ms",     "10", "--step-ms-min", "10",
      "--step-ms-max", "30"};
  args.insert(args.end(), common.begin(), common.end());
  return args;
}

// Worker processes with the same flags, started and killed at random. Writes worker-<n>.out in
// `dir`.
class WorkerPool {
 public:
  WorkerPool(std::vector<std::string> args, std::string dir)
      : args_(std::move(args)), dir_(std::move(dir)) {}

  void Spawn() {
    workers_.push_back(std::make_unique<WorkerProcess>(
        args_, dir_ + "/worker-" + std::to_string(spawned_++) + ".out"));
  }
  int spawned() const { return spawned_; }

  // SIGKILLs a live worker chosen with `rng`, starts a replacement; the victim's pid.
  long KillOneAndReplace(std::mt19937& rng) {
    std::vector<WorkerProcess*> live;
    for (auto& w : workers_) {
      if (w->alive()) live.push_back(w.get());
    }
    WorkerProcess* victim = live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng)];
    victim->Kill();
    Spawn();
    return static_cast<long>(victim->pid());
  }

  // Stops every live worker gracefully, once it is running (its report says "ready"); the
  // pids of those that stopped with status 0 (the others are test failures).
  std::vector<long> StopAll() {
    std::vector<long> stopped;
    for (auto& w : workers_) {
      if (!w->alive()) continue;
      const std::string report = dir_ + "/report-" + std::to_string(w->pid()) + ".log";
      EXPECT_TRUE(WaitUntil([&] { return !ReadLines(report).empty(); }, std::chrono::seconds(30)))
          << "worker " << w->pid() << " never started";
      if (w->StopGracefully()) {
        stopped.push_back(static_cast<long>(w->pid()));
      } else {
        ADD_FAILURE() << "worker " << w->pid() << " did not stop gracefully";
      }
    }
    return stopped;
  }

 private:
  const std::vector<std::string> args_;
  const std::string dir_;
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
  int spawned_ = 0;
};

// The records committed when a kill was followed by a read of the store: every one of them was
// committed before `after_us`.
struct KillSnapshot {
  int64_t after_us = 0;
  std::map<StepKey, std::string> records;  // -> decoded output
};

// The recorded outputs of the runs `run_ids` now (read with 4 threads), for the steps `keep`
// accepts.
inline std::map<StepKey, std::string> RecordedOutputs(
    engine::Engine& engine, const std::vector<std::string>& run_ids,
    const std::function<bool(const std::string& step)>& keep) {
  std::map<StepKey, std::string> out;
  std::mutex mu;
  ParallelFor(run_ids.size(), 4, [&](size_t i) {
    auto d = engine.GetRun(run_ids[i], /*with_outputs=*/true);
    if (!d.ok()) return;
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [step, output] : d->outputs) {
      if (keep(step)) out[{run_ids[i], step}] = DecodeOutput(output);
    }
  });
  return out;
}

// Every execution of `dir`'s logs by (run, step), each list in start order.
inline std::map<StepKey, std::vector<Execution>> ExecutionsByStep(const std::string& dir) {
  std::map<StepKey, std::vector<Execution>> out;
  for (const Execution& e : ReadExecutions(dir)) out[{e.run_id, e.step}].push_back(e);
  for (auto& [key, list] : out) {
    std::sort(list.begin(), list.end(),
              [](const Execution& a, const Execution& b) { return a.start_us < b.start_us; });
  }
  return out;
}

// Checks that no record of `snapshots` changed later (`final_outputs`) or was executed after
// its snapshot; the number of records checked.
inline int CheckNothingRecordedRanAgain(
    const std::vector<KillSnapshot>& snapshots, const std::map<StepKey, std::string>& final_outputs,
    const std::map<StepKey, std::vector<Execution>>& executions) {
  int checked = 0;
  for (const KillSnapshot& snap : snapshots) {
    for (const auto& [key, output] : snap.records) {
      auto final_output = final_outputs.find(key);
      EXPECT_TRUE(final_output != final_outputs.end() && final_output->second == output)
          << key.first << " " << key.second << ": a record changed after it was committed";
      auto list = executions.find(key);
      if (list != executions.end()) {
        for (const Execution& e : list->second) {
          EXPECT_LE(e.start_us, snap.after_us)
              << key.first << " " << key.second << " was recorded (" << output
              << ") before a kill and executed again afterwards by " << e.id();
        }
      }
      ++checked;
    }
  }
  return checked;
}

}  // namespace dynaflow::mptest
