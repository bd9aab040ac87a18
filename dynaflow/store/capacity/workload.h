// A workload for the capacity model, and the driver that plays its run lifecycle through a
// real WorkflowStore (over any table: the model's recording memory table, DynamoDB Local in
// tests/integration/capacity_dynamodb_test.cc).
// Thread-safety: DriveRuns uses the store from the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "dynaflow/model/status.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::capacity {

struct Workload {
  // Runs started per second, all of one workflow id.
  double runs_per_second = 10000;
  std::string workflow_id = "orders";
  // Steps per run (1..1000): steps_per_run - 1 step puts, then the last step + finish.
  int steps_per_run = 10;
  // Bytes of each run's input and of each step's output (incompressible, so stored as they
  // are); the last step's output is also the run's result.
  size_t input_bytes = 256;
  size_t output_bytes = 1024;
  // How long a step runs: a run lasts steps_per_run x step_duration.
  std::chrono::milliseconds step_duration{100};
  // Lease renewal interval of the worker holding a run (WorkerOptions: lease / 3, 10 s for the
  // default 30 s lease): a run renews floor(duration / heartbeat) times.
  std::chrono::milliseconds heartbeat{10000};
  // true: runs are created already leased to the starting worker (hand-over: no poll, no
  // claim). false: created PENDING, found by a worker's poll and claimed.
  bool handover = false;
  // Each run is started with a business key (its BKEY item is written with the run, in one
  // transaction).
  bool business_key = false;
  // Polls that find work, all workers together (hand-over: ignored). Each poll queries every
  // GSI2 shard of PENDING and claims what it found.
  double polls_per_second = 100;
};

// kInvalidArgument naming the field when a value is out of range.
Status ValidateWorkload(const Workload& w);
// floor(steps x step duration / heartbeat).
int RenewalsPerRun(const Workload& w);
// Runs one poll finds: runs per second / polls per second, clamped to 1..1000.
int RunsPerPoll(const Workload& w);
// How long a run lasts (steps x step duration).
std::chrono::milliseconds RunDuration(const Workload& w);

// Plays `count` runs of `w` through `store`, in batches of RunsPerPoll (hand-over: batches of
// 100): creates the batch; unless hand-over, polls (FindDueRuns with a DueScan) and claims
// until every run of the batch is claimed; then, run by run, records steps_per_run - 1 steps
// with RenewalsPerRun lease renewals spread among them, and the last step with the finish
// (COMPLETED, the last output as result). `seed` makes the payload bytes deterministic.
// The store's table must hold no other due runs of this store's prefix. Errors: the store's.
Status DriveRuns(store::WorkflowStore& store, const Workload& w, int count, uint32_t seed);

}  // namespace dynaflow::capacity
