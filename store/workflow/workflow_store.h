// WorkflowStore: the single-table design of DESIGN.md, written once over table::Table.
//
// The one place that knows key formats, indexes, versions, leases, fencing and TTL. Every
// backend (memory, SQLite, DynamoDB) gets it unchanged.
//
// Items (all under PK = <prefix>RUN#<runId>; <prefix> is WorkflowStoreOptions::key_prefix):
//   run      SK RUN#<runId>        GSI1 <prefix>WORKFLOW#<workflowId> / <createdMs13>#<runId>
//                                  GSI2 <prefix>STATUS#<status>[#<nn>] / <dueMs13>#<runId>
//   input    SK INPUT              (only when larger than inline_input_max_bytes)
//   step     SK STEP#<stepId>
//   output   SK OUTPUT#<stepId>    (+ SK OUTPUT#<stepId>#<epoch>#<nnnn> chunks when large)
//   state    SK STATE#<key>
// plus, per business key, PK = SK = <prefix>BKEY#<workflowId>#<businessKey> -> run id.
//
// The run item also lists what belongs to the run (attribute "s:<stepId>" per recorded step
// holding its output chunk count, "k:<key>" per state key), so finishing a run can stamp the
// run's `ttl` on every item of the run in the same transaction, without a query: nothing is
// orphaned when TTL deletes the run.
//
// Concurrency: every run update is conditional. Writes of a lease holder are fenced by
// (lease owner, lease epoch): a claim by anyone bumps the epoch, after which writes carrying the
// old epoch fail with kFenced and change nothing.
//
// Request costs (DynamoDB requests; the README's table lists them, tests count them):
//   CreateRun 1 · ClaimRun 1 · ExtendLease 1 · ReleaseRun 1 · RecordStep 1 (+1 per extra
//   350 KB output chunk) · UpdateRun 1 · FinishRun 1 (+1 per 100 items beyond the first 100)
//   · GetRun 1 · LoadRun 1 per page · FindDueRuns 4 x shards · ListRuns* >= 1 per shard.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/result.h"
#include "model/workflow_types.h"
#include "store/table/table.h"

namespace dynaflow::store {

struct WorkflowStoreOptions {
  // Prepended to every PK and GSI partition key so deployments can share one table
  // (e.g. "prod/"). Cursors of one prefix are rejected under another.
  std::string key_prefix;
  // GSI2 write shards per status (1..64). 1 gives exactly the seed keys STATUS#<status>.
  int gsi2_shards = 1;
  // Run inputs up to this size live in the run item (saves a read when a worker claims a run);
  // larger ones get their own INPUT item(s). 0 always uses a separate item.
  size_t inline_input_max_bytes = 1024;
  // Payload bytes per item when a payload is split across items (must stay below 400 KB
  // including keys and attributes).
  size_t payload_chunk_bytes = 350 * 1024;
  // Extra chunk items of an output are written before the step is recorded and carry this
  // provisional TTL until the run finishes (then the run's TTL replaces it), so chunks of a
  // record that never committed expire on their own.
  std::chrono::seconds provisional_chunk_ttl{std::chrono::hours(24 * 30)};
  // Key for signing list cursors; empty: a built-in key (integrity against accidents only).
  std::string cursor_secret;
  // Time source. Not owned. nullptr: Clock::Real().
  Clock* clock = nullptr;
};

// Identifies a lease holder's write: it applies only while `owner` still holds the run with
// this `epoch`.
struct Fence {
  std::string run_id;
  std::string owner;
  int64_t epoch = 0;
};

struct NewRun {
  std::string run_id;  // empty: the store generates a time-ordered unique id
  std::string workflow_id;
  int32_t workflow_version = 1;
  std::string business_key;  // optional; unique per workflow id
  std::map<std::string, std::string> tags;
  std::string input;           // payload (any bytes, up to 10 MB and beyond: chunked)
  std::optional<TimePoint> start_at;  // delayed start; default now
  std::optional<TimePoint> deadline;
  std::chrono::seconds retention{std::chrono::hours(24 * 7)};  // after finish; 0: keep forever
  // When set, the run is created RUNNING and leased to this owner (epoch 1) for lease_duration:
  // the creating worker executes it without a claim round trip.
  std::optional<std::string> owner;
  std::chrono::milliseconds lease_duration{30000};
};

// A recorded step (exactly once per step id and run).
struct StepRecord {
  std::string step_id;
  StepStatus status = StepStatus::kCompleted;
  int32_t attempt = 1;
  TimePoint started_at{};
  TimePoint finished_at{};
  std::string error;
  std::optional<std::string> output;  // payload; chunked when large
};

// Changes to the run item applied together with a step record or on their own.
struct RunChange {
  std::optional<RunStatus> status;     // non-terminal statuses only (use FinishRun)
  std::optional<TimePoint> due_at;     // e.g. SLEEPING wake time
  std::optional<std::string> cursor_step;
  std::optional<std::string> error;
  bool release_lease = false;  // e.g. going to sleep: the lease is dropped with the change
};

// The terminal transition of a run.
struct RunFinish {
  RunStatus status = RunStatus::kCompleted;  // COMPLETED, FAILED, COMPENSATED or CANCELLED
  std::optional<std::string> result;
  std::string error;
};

struct RunDetails {
  Run run;
  std::vector<StepExecution> steps;          // in step id order
  std::map<std::string, std::string> outputs;  // step id -> output (when requested)
  std::string input;
};

struct RunPage {
  std::vector<Run> runs;
  std::string next_cursor;  // empty when done
};

struct ListRunsRequest {
  std::string workflow_id;            // ListRunsByWorkflow only
  std::optional<RunStatus> status;    // ListRunsByWorkflow: filter; ListRunsByStatus: required
  std::optional<TimePoint> from;      // inclusive lower bound on the listing's time key
  std::optional<TimePoint> to;        // exclusive upper bound
  bool newest_first = true;
  int limit = 20;                     // 1..1000
  std::string cursor;
};

class WorkflowStore {
 public:
  // `table` must outlive nothing: it is shared. Errors: kInvalidArgument for bad options.
  static Result<std::unique_ptr<WorkflowStore>> Create(std::shared_ptr<table::Table> table,
                                                        WorkflowStoreOptions options = {});
  virtual ~WorkflowStore() = default;

  // Creates a run (PENDING, or RUNNING leased to new_run.owner). With a business key the key's
  // item is written in the same conditional write: concurrent duplicate starts yield one run.
  // Errors: kAlreadyExists (run id or business key taken; *existing_run_id receives the run
  // id that holds it), kInvalidArgument, kLimitExceeded.
  virtual Result<Run> CreateRun(const NewRun& new_run, std::string* existing_run_id = nullptr) = 0;

  // Takes the lease if the run is unowned, its lease expired (judged by this store's clock
  // against the stored expiry), or already `owner`'s; bumps the epoch and sets RUNNING (a
  // COMPENSATING run stays COMPENSATING). `expected_version` (when >= 0) must match the run's
  // version. Returns the run as written. Errors: kConditionFailed (held by another live lease,
  // terminal, or version moved), kNotFound.
  virtual Result<Run> ClaimRun(const std::string& run_id, const std::string& owner,
                               std::chrono::milliseconds lease, int64_t expected_version = -1) = 0;
  // Errors: kFenced when the lease moved on.
  virtual Result<Run> ExtendLease(const Fence& fence, std::chrono::milliseconds lease) = 0;
  // Gives the run back (status PENDING due now unless `change` says otherwise).
  virtual Status ReleaseRun(const Fence& fence, const RunChange& change = {}) = 0;

  // Records a step exactly once, fenced, with optional run changes, in one request (plus one
  // per extra output chunk). Errors: kAlreadyExists (the step was recorded before: nothing
  // changes), kFenced (nothing changes), kLimitExceeded.
  virtual Result<Run> RecordStep(const Fence& fence, const StepRecord& step,
                                 const RunChange& change = {}) = 0;
  // Like RecordStep + FinishRun in one transaction (the last step of a run).
  virtual Result<Run> RecordStepAndFinish(const Fence& fence, const StepRecord& step,
                                          const RunFinish& finish) = 0;
  virtual Result<Run> UpdateRun(const Fence& fence, const RunChange& change) = 0;
  // Terminal transition; stamps ttl = finish time + retention on every item of the run.
  virtual Result<Run> FinishRun(const Fence& fence, const RunFinish& finish) = 0;
  // Cancels a run that may be owned by someone else (operator action): sets a cancel request
  // flag the owner sees on its next write (kCancelled) or, when unowned/expired, finishes it
  // CANCELLED directly. Errors: kNotFound, kConditionFailed (already terminal).
  virtual Result<Run> RequestCancel(const std::string& run_id) = 0;

  // Reads. Errors: kNotFound (absent or expired).
  virtual Result<Run> GetRun(const std::string& run_id) = 0;
  virtual Result<RunDetails> LoadRun(const std::string& run_id, bool with_outputs) = 0;
  virtual Result<std::string> GetOutput(const std::string& run_id, const std::string& step_id) = 0;

  // Workflow state (not fenced: any caller may use it; CAS for coordination).
  virtual Result<StateEntry> GetState(const std::string& run_id, const std::string& key) = 0;
  // Returns the new version.
  virtual Result<int64_t> PutState(const std::string& run_id, const std::string& key,
                                   const std::string& value) = 0;
  // Writes only if the stored version equals `expected_version` (0: must not exist).
  // Errors: kConditionFailed.
  virtual Result<int64_t> CompareAndSwapState(const std::string& run_id, const std::string& key,
                                              const std::string& value,
                                              int64_t expected_version) = 0;
  virtual Status DeleteState(const std::string& run_id, const std::string& key) = 0;
  virtual Result<std::vector<StateEntry>> ListState(const std::string& run_id) = 0;

  // Listings (GSI1 / GSI2 fan-out over shards merged in time order behind one cursor).
  virtual Result<RunPage> ListRunsByWorkflow(const ListRunsRequest& request) = 0;
  virtual Result<RunPage> ListRunsByStatus(const ListRunsRequest& request) = 0;
  // Exact count (pages through the index).
  virtual Result<int64_t> CountRunsByStatus(RunStatus status) = 0;

  // Runs due now: PENDING with start time passed, SLEEPING with wake time passed, RUNNING or
  // COMPENSATING with lease expired; oldest due first, at most `limit`.
  virtual Result<std::vector<Run>> FindDueRuns(int limit) = 0;

  // Deletes the run and every item of it (and its business key item).
  virtual Status DeleteRun(const std::string& run_id) = 0;
};

}  // namespace dynaflow::store
