// WorkflowStore: the single-table design, written once over table::Table. docs/table-layout.md
// shows the items, their attributes and what each operation costs.
//
// The one place that knows key formats, indexes, versions, leases, fencing and TTL. Every
// backend (memory, SQLite, DynamoDB) gets it unchanged.
//
// Items (all under PK = <prefix>RUN#<runId>; <prefix> is WorkflowStoreOptions::key_prefix):
//   run      SK RUN#<runId>        GSI1 <prefix>WORKFLOW#<workflowId>[#<nn>]
//                                       / <createdMs13>#<runId>
//                                  GSI2 <prefix>STATUS#<status>[#<nn>] / <timeMs13>#<runId>
//                                  (the last step sits in the run item, `finalStep`)
//   step     SK STEP#<stepId>      its output inline (compressed above compress_min_bytes)
//                                  up to inline_output_max_bytes, else in chunk items
//   chunk    SK OUTPUT#<stepId>#<tag>#<nnnn> (a large output), INPUT#<tag>#<nnnn> (a large input)
//   input    SK INPUT              (only when larger than inline_input_max_bytes)
//   result   SK RESULT             (only when larger than inline_input_max_bytes)
//   state    SK STATE#<key>
//   event    SK EVENT#<name>#<eventId>   an event sent to the run (SendEvent)
//   child    SK RUN#<runId>#CHILD#<childRunId>   link to a child run (written with the child)
// plus, per business key, PK = SK = <prefix>BKEY#<workflowId>#<businessKey> -> run id.
// Only the run item is in the indexes. GSI2's time (<timeMs13>) is the run's due time while it
// is not finished -- PENDING: start time, SLEEPING: wake time, RUNNING/COMPENSATING: lease
// expiry (due now when unowned) -- and its finish time once it is. <nn> = FNV-1a-64(runId) %
// gsi1_shards (GSI1) or % gsi2_shards (GSI2), two digits; with one shard the key is exactly the
// seed's WORKFLOW#<workflowId> / STATUS#<status>. A run keeps its shards for life.
//
// Writes. A step is recorded by ONE conditional PutItem of its step item (created exactly once:
// the write fails when the item exists), which writes no indexed item: 1 WRU per KB. Run-level
// transitions (claim, lease renewal, sleep, compensation decisions, cancel handling, finish)
// update the run item, conditional on its `version` as this store last saw it and, for a lease
// holder, on (lease owner, lease epoch). The last step of a run and the finish are one
// UpdateItem: the step goes into the run item as `finalStep`.
//
// Fencing. A claim by anyone bumps the epoch, after which every run-level write carrying the
// old epoch fails with kFenced and changes nothing. A step put is checked against the epoch this
// store knows, not against the stored run item, so a paused owner whose lease was taken over
// can still create a step item the new owner has not created yet. That record is a complete
// execution of the step and is never overwritten: the new owner's put of the same step fails
// (kAlreadyExists) and it adopts the record (first writer wins). If the new owner finishes the
// run with that step as its `finalStep`, the run item's record is the run's history and the
// late step item is ignored by reads.
//
// TTL without orphans and without a scan. Every item other than the run item is written with
// ttl = the run's `itemsTtl` (due time + retention + item_ttl_margin, set at creation). The run
// item gets ttl = finish time + retention when it finishes; every read goes through the run
// item (LoadRun, GetOutput and GetState read it in the same request), so the run disappears
// from reads at that second, and its other items expire by itemsTtl, unreachable. A run-level
// write of a run that could outlive itemsTtl (alive longer than item_ttl_margin / 2, or
// finishing later than itemsTtl - retention) first re-stamps every item of its partition with a
// later ttl (1 Query per 1 MB + 1 UpdateItem per item), then raises itemsTtl: no item expires
// while its run can still be read. Runs kept forever (retention 0) have no ttl anywhere.
//
// Lease expiry and clock skew: the claimant computes the expiry (its clock + lease) and stores
// it as absolute milliseconds; a later claimant judges it with ITS clock. A worker whose clock
// runs ahead by d sees leases expire d early; fencing keeps run-level writes safe whatever the
// skew, and skew only costs duplicate step *execution*: a holder that extends its lease when a
// fraction f of it is left tolerates skew up to f x lease without being taken over early.
//
// Cancellation: RequestCancel finishes an unowned or expired run CANCELLED; on a live lease it
// sets cancelRequested, which the owner sees on the Run its next run-level write returns (a
// lease renewal at the latest); the owner's writes keep working so it can still record,
// compensate and finish.
//
// Request costs are listed in docs/table-layout.md (tests count them on DynamoDB Local). Contention
// costs more: a version moved by another writer (+1 retry per move; up to 16 attempts, backing
// off from the second miss in a row) or a DynamoDB TransactionConflict (retried with backoff).
//
// Lost answers. Any write can commit and lose its answer (a reset, a timeout, a 500 after the
// commit); the client then retries it and the retry fails its own condition. Every item a write
// conditions on carries the id of the write that last wrote it (`writeId`); when a condition
// fails on an item carrying this write's id (or, for a step item, this fence's epoch), the first
// try committed, and the call returns exactly what it would have returned had its answer
// arrived (the run as written, the event as new, the state's new version, ...). Transactions
// also carry a ClientRequestToken, so DynamoDB itself answers a retried one as committed. Only a
// write that really is someone else's makes a call fail.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/workflow_types.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::store {

struct WorkflowStoreOptions {
  // Prepended to every PK and GSI partition key so deployments can share one table
  // (e.g. "prod/"); at most 256 bytes. Cursors of one prefix are rejected under another.
  std::string key_prefix;
  // GSI1 write shards per workflow id (1..100). 1 gives exactly the seed keys
  // WORKFLOW#<workflowId>; N > 1 spreads one workflow's run items over WORKFLOW#<id>#00..#<N-1>
  // (each GSI partition key takes at most 1,000 WRU/s on DynamoDB), and a listing by workflow
  // queries all N and merges them. Changing it later strands runs written under the old count
  // in shards no longer read. bench/capacity_model recommends a count for a workload.
  int gsi1_shards = 1;
  // GSI2 write shards per status (1..100). 1 gives exactly the seed keys STATUS#<status>.
  // Changing it later strands runs written under the old count in shards no longer read.
  int gsi2_shards = 1;
  // Run inputs (and results) up to this size (0..65536) live in the run item: every Run the
  // store returns then carries Run::inline_input, so a worker claiming a run needs no second
  // read. Larger ones get their own INPUT (RESULT) item (Run::inline_input is nullopt; read
  // the input with LoadRun). 0 always uses a separate item for non-empty payloads.
  size_t inline_input_max_bytes = 1024;
  // Payload bytes per item when a payload is split across items (1024..380 KB, so an item
  // stays below 400 KB including keys and attributes).
  size_t payload_chunk_bytes = 350 * 1024;
  // Step outputs whose stored (encoded) form is at most this many bytes (0..380 KB) live in the
  // step item; larger ones in chunk items of payload_chunk_bytes written before the step item.
  size_t inline_output_max_bytes = 32 * 1024;
  // Inputs, outputs and results of at least this many bytes are stored zstd-compressed when
  // that makes them smaller (the stored form names its encoding). 0: never compress.
  size_t compress_min_bytes = 512;
  // How long the run's other items may outlive the run item at most (see "TTL" above), and
  // twice the time after which a live run re-stamps them. Must be at least one hour.
  std::chrono::seconds item_ttl_margin{std::chrono::hours(24 * 30)};
  // Key for signing list cursors; empty: a built-in key (integrity against accidents only).
  std::string cursor_secret;
  // Time source (timestamps, lease expiry, due work, TTL). Not owned. nullptr: Clock::Real().
  Clock* clock = nullptr;
  // Randomness for run ids and chunk tags. Not owned. nullptr: Random::Real().
  Random* random = nullptr;
  // Run items remembered to save the read before a write (see "Writes" above). 0
  // disables the cache (every write then costs one GetItem more).
  size_t run_cache_capacity = 4096;
};

// Identifies a lease holder's write: it applies only while `owner` still holds the run with
// this `epoch` (the Run returned by ClaimRun, or by CreateRun with an owner, carries both).
struct Fence {
  Fence() = default;
  Fence(std::string run_id, std::string owner, int64_t epoch, std::string write_id = {})
      : run_id(std::move(run_id)),
        owner(std::move(owner)),
        epoch(epoch),
        write_id(std::move(write_id)) {}

  std::string run_id;
  std::string owner;
  int64_t epoch = 0;
  // Names one write across the caller's own retries of it (the same call made again after a
  // transient error whose write may have committed): a retry whose condition fails on an item
  // this id wrote returns what the first try would have (see "Lost answers" above). Empty: the
  // store names each call's write itself (its own retries are covered either way).
  std::string write_id;
};

struct NewRun {
  std::string run_id;  // empty: the store generates a time-ordered unique id (26 characters)
  std::string workflow_id;
  int32_t workflow_version = 1;
  std::string business_key;  // optional; unique per workflow id (until the run expires)
  std::map<std::string, std::string> tags;
  std::string input;                  // payload (any bytes, up to 10 MB and beyond: chunked)
  std::optional<TimePoint> start_at;  // delayed start; default now
  std::optional<TimePoint> deadline;
  std::chrono::seconds retention{std::chrono::hours(24 * 7)};  // after finish; 0: keep forever
  // When set, the run is created RUNNING and leased to this owner (epoch 1) for lease_duration:
  // the creating worker executes it without a claim round trip.
  std::optional<std::string> owner;
  std::chrono::milliseconds lease_duration{30000};
  // A child run: its parent and the parent's step. The child link item (SK
  // RUN#<parent>#CHILD#<runId> in the parent's partition) is written in the same transaction as
  // the run, so a parent lists exactly the children that exist.
  std::string parent_run_id;
  std::string parent_step;
  // Written in the same transaction as the run (e.g. a schedule's tick, see schedule_store.h):
  // `with` ops apply atomically with it (when one's condition fails nothing is written and
  // CreateRun returns kConditionFailed naming it); `links` are items put with it that name the
  // run from another partition, stamped with the run's itemsTtl (they expire with its items).
  std::vector<table::WriteOp> with;
  std::vector<Item> links;
  // A retry of the FAILED run `retry_of`: created only while that run is FAILED and names no
  // retry yet, in the same conditional write that names the new run on it (Run::retried_by),
  // so one run gets at most one retry however many callers ask; the business key (when set, it
  // must be the original's) moves from the original to the retry. With `fork`, a further copy:
  // the original is only checked to be FAILED and keeps its retried_by and business key.
  std::string retry_of;
  bool fork = false;
};

// What a waiting run waits for (Run::waiting_for, RunChange::waiting_for).
std::string EventWaitKey(const std::string& event_name);    // EVENT#<name>
std::string ChildWaitKey(const std::string& child_run_id);  // CHILD#<childRunId>

struct NewEvent {
  std::string run_id;
  std::string name;      // 1..255 bytes, no '#'
  std::string event_id;  // 1..128 bytes, no '#'; empty: a new unique, time-ordered id
  std::string payload;   // any bytes; at most payload_chunk_bytes after compression
};

struct SentEvent {
  std::string event_id;
  bool duplicate = false;  // an event with this id was sent before (nothing was written)
  bool woke = false;       // the run was waiting for this event and is now due
};

struct Event {
  std::string event_id;
  std::string name;
  std::string payload;
  TimePoint sent_at{};
};

// A child run as its parent's link names it.
struct ChildRun {
  std::string run_id;
  std::string step;  // the parent's step that started it
  std::string workflow_id;
};

// A recorded step (exactly once per step id and run).
struct StepRecord {
  std::string step_id;  // 1..255 bytes, no '#'
  StepStatus status = StepStatus::kCompleted;
  int32_t attempt = 1;
  TimePoint started_at{};
  TimePoint finished_at{};
  std::string error;
  std::optional<std::string> output;  // payload; chunked when large; nullopt: no output item
  std::string event_id;               // an await-event node: the event it consumed
  int64_t position = 0;               // a code workflow's call: see StepExecution::position
  std::string kind;                   // a code workflow's call: see StepExecution::kind
};

// The StepExecution stored when `record` is recorded for run `run_id` (fence_epoch left 0: it
// is the writer's lease epoch).
StepExecution ExecutionOf(const std::string& run_id, const StepRecord& record);

// Changes to the run item applied together with a step record or on their own.
struct RunChange {
  std::optional<RunStatus> status;  // non-terminal statuses only (use FinishRun)
  // New due time (PENDING start, SLEEPING wake). Ignored while a RUNNING/COMPENSATING run is
  // leased (its due time is the lease expiry). Default when the status changes to PENDING or
  // SLEEPING, or when the lease is released: now.
  std::optional<TimePoint> due_at;
  std::optional<std::string> cursor_step;
  std::optional<std::string> error;
  bool release_lease = false;  // e.g. going to sleep: the lease is dropped with the change
  // Set: the run waits for this (EventWaitKey / ChildWaitKey) until due_at; WakeRun with the
  // same key makes it due now. Every run-level write without it (and every claim) clears it.
  std::optional<std::string> waiting_for;
};

// The terminal transition of a run.
struct RunFinish {
  RunStatus status = RunStatus::kCompleted;  // COMPLETED, FAILED, COMPENSATED or CANCELLED
  std::optional<std::string> result;         // <= payload_chunk_bytes (kLimitExceeded otherwise)
  std::string error;                         // empty: the run's error is left as it is
};

struct RunDetails {
  Run run;
  std::vector<StepExecution> steps;            // in step id order
  std::map<std::string, std::string> outputs;  // step id -> output (when requested)
  std::string input;
  std::vector<StateEntry> state;   // in key order
  std::vector<ChildRun> children;  // in child run id order
};

// A finished run as an archive holds it (`dynaflow runs export`, dynaflow/engine/run_archive.h).
struct ArchivedRun {
  RunDetails details;                 // the run (finished), input, steps, outputs, state, children
  std::optional<std::string> result;  // the run's result, when it has one
  std::vector<Event> events;          // events sent to the run
};

struct RunPage {
  std::vector<Run> runs;
  std::string next_cursor;  // empty when done
};

struct ListRunsRequest {
  std::string workflow_id;          // ListRunsByWorkflow only
  std::optional<RunStatus> status;  // ListRunsByWorkflow: filter; ListRunsByStatus: required
  // Bounds on the listing's time key: creation time (by workflow) or the GSI2 time (by status:
  // due time, or finish time for terminal statuses).
  std::optional<TimePoint> from;  // inclusive lower bound
  std::optional<TimePoint> to;    // exclusive upper bound
  bool newest_first = true;
  int limit = 20;      // 1..1000
  std::string cursor;  // from the previous page of the SAME request
};

// Position of a rotating due-work scan (FindDueRuns(limit, scan)); one per poller, starts at
// PENDING. Not thread-safe: keep it with the thread that polls.
struct DueScan {
  int next = 0;  // index into the due statuses PENDING, SLEEPING, RUNNING, COMPENSATING
};

class WorkflowStore {
 public:
  // `table` is shared (several stores, e.g. of different prefixes, may use one table).
  // Errors: kInvalidArgument for a null table or bad options.
  static Result<std::unique_ptr<WorkflowStore>> Create(std::shared_ptr<table::Table> table,
                                                       WorkflowStoreOptions options = {});
  virtual ~WorkflowStore() = default;

  // Creates a run (PENDING due at start_at, or RUNNING leased to new_run.owner). With a
  // business key the key's item is written in the same conditional write: concurrent duplicate
  // starts yield one run. Errors: kAlreadyExists (run id or business key taken, or retry_of
  // retried already; *existing_run_id receives the run id that holds it, or the existing
  // retry), kConditionFailed (retry_of is not FAILED), kNotFound (retry_of is absent),
  // kInvalidArgument (naming the field, e.g. "business key
  // is not valid UTF-8 (byte 3)", "value of tag \"team\" is not valid UTF-8 (byte 0)"),
  // kLimitExceeded.
  virtual Result<Run> CreateRun(const NewRun& new_run, std::string* existing_run_id = nullptr) = 0;

  // Takes the lease if the run is unowned, its lease expired (judged by this store's clock
  // against the stored expiry: expiry <= now), or already `owner`'s; bumps the epoch (always,
  // so the caller's own older fences stop working too) and sets RUNNING (a COMPENSATING run
  // stays COMPENSATING). Due time is not checked. `expected_version` (when >= 0) must match the
  // run's version. Returns the run as written. Errors: kConditionFailed (held by another live
  // lease, terminal, or version moved), kNotFound.
  virtual Result<Run> ClaimRun(const std::string& run_id, const std::string& owner,
                               std::chrono::milliseconds lease, int64_t expected_version = -1) = 0;
  // Sets the lease expiry to now + lease (also after it passed, as long as nobody claimed).
  // Errors: kFenced when the lease moved on, kConditionFailed when the run is finished,
  // kNotFound.
  virtual Result<Run> ExtendLease(const Fence& fence, std::chrono::milliseconds lease) = 0;
  // Gives the run back: a RUNNING run becomes PENDING, other statuses stay unless `change`
  // says otherwise; due now unless change.due_at. Errors: as ExtendLease.
  virtual Status ReleaseRun(const Fence& fence, const RunChange& change = {}) = 0;

  // Records a step exactly once. Without run changes (an empty `change`) it is one PutItem of
  // the step item (plus one per output chunk), checked against the lease epoch this store knows
  // (see "Fencing" above); the Run returned is the run as this store knows it. With run changes
  // it is one TransactWriteItems (fenced, versioned run update + step put). A record of this
  // step under the same fence (epoch) is this holder's own (a retry whose first answer was
  // lost): it is answered as written. Errors: kAlreadyExists (the step was recorded under an
  // earlier epoch: nothing changes), kFenced (nothing changes),
  // kConditionFailed (run finished), kNotFound, kInvalidArgument (bad step id, terminal status
  // in `change`), kLimitExceeded.
  virtual Result<Run> RecordStep(const Fence& fence, const StepRecord& step,
                                 const RunChange& change = {}) = 0;
  // The last step of a run and the finish in one fenced UpdateItem of the run item (the step
  // becomes the run's `finalStep`; a TransactWriteItems when the result needs a RESULT item).
  // Errors: as FinishRun, plus kAlreadyExists when this store knows the step is recorded.
  virtual Result<Run> RecordStepAndFinish(const Fence& fence, const StepRecord& step,
                                          const RunFinish& finish) = 0;
  // Errors: as RecordStep (no kAlreadyExists).
  virtual Result<Run> UpdateRun(const Fence& fence, const RunChange& change) = 0;
  // Terminal transition; stamps ttl = finish time + retention (rounded up to a second) on the
  // run item (its other items already expire by itemsTtl, see "TTL" above); drops the lease.
  // Errors: kFenced, kConditionFailed (already finished), kNotFound, kInvalidArgument (non-terminal
  // status), kLimitExceeded (result too large).
  virtual Result<Run> FinishRun(const Fence& fence, const RunFinish& finish) = 0;
  // Cancels a run that may be owned by someone else (operator action): when a live lease holds
  // it, sets Run::cancel_requested (the owner sees it on the Run its next write returns; its
  // writes keep working so it can record, compensate and finish); when unowned or expired,
  // finishes it CANCELLED directly. Errors: kNotFound, kConditionFailed (already terminal).
  virtual Result<Run> RequestCancel(const std::string& run_id) = 0;

  // Reads (strongly consistent). Errors: kNotFound (absent or expired).
  virtual Result<Run> GetRun(const std::string& run_id) = 0;
  virtual Result<RunDetails> LoadRun(const std::string& run_id, bool with_outputs) = 0;
  // The run holding `business_key` for `workflow_id` (1 GetItem of the business-key item + the
  // GetRun). Errors: kNotFound (no run holds the key, or it expired), kInvalidArgument (bad
  // workflow id or business key).
  virtual Result<Run> FindRunByBusinessKey(const std::string& workflow_id,
                                           const std::string& business_key) = 0;
  // Errors: kNotFound (no such output), kSerialization (a chunk is missing).
  virtual Result<std::string> GetOutput(const std::string& run_id, const std::string& step_id) = 0;

  // Workflow state (not fenced: any caller may use it; CAS for coordination). Keys: 1..512
  // bytes; values up to ~390 KB (kLimitExceeded beyond). Writes need the run to exist and not
  // to be finished with a retention (kNotFound / kConditionFailed), so no state item outlives
  // its run.
  virtual Result<StateEntry> GetState(const std::string& run_id, const std::string& key) = 0;
  // Returns the new version (1 for a new key).
  virtual Result<int64_t> PutState(const std::string& run_id, const std::string& key,
                                   const std::string& value) = 0;
  // Writes only if the stored version equals `expected_version` (0: must not exist).
  // Returns expected_version + 1. Errors: kConditionFailed.
  virtual Result<int64_t> CompareAndSwapState(const std::string& run_id, const std::string& key,
                                              const std::string& value,
                                              int64_t expected_version) = 0;
  // Absent keys are not an error.
  virtual Status DeleteState(const std::string& run_id, const std::string& key) = 0;
  // In key order (empty for an unknown run).
  virtual Result<std::vector<StateEntry>> ListState(const std::string& run_id) = 0;

  // Listings (GSI1 / GSI2 fan-out over shards merged in time order behind one cursor; the
  // cursor is the last sort key emitted, signed and bound to the prefix, the request and, with
  // more than one shard, the index's shard count, so a cursor of another count is rejected). Ties
  // in time are ordered by run id. Runs that do not change while a listing pages appear exactly
  // once; a run whose time key moves meanwhile (lease extended, status changed) may be missed
  // or seen twice, as in any listing over a mutable index. With a status filter, a workflow
  // listing examines at most 10,000 runs per call, so a page may hold fewer than `limit` runs
  // and still return a cursor. GSIs are eventually consistent on DynamoDB. Errors:
  // kInvalidArgument (limit, missing workflow id / status, a cursor of another listing).
  virtual Result<RunPage> ListRunsByWorkflow(const ListRunsRequest& request) = 0;
  virtual Result<RunPage> ListRunsByStatus(const ListRunsRequest& request) = 0;
  // Exact count (pages through the index).
  virtual Result<int64_t> CountRunsByStatus(RunStatus status) = 0;

  // Runs due now: PENDING with start time passed, SLEEPING with wake time passed, RUNNING or
  // COMPENSATING with lease expired (or unowned); oldest due first, at most `limit` (1..1000).
  virtual Result<std::vector<Run>> FindDueRuns(int limit) = 0;
  // The same runs, found a status at a time (the cheap poll workers use): looks at the due
  // statuses in turn from scan.next (each with all its shards) and stops at the first that
  // holds due runs, returning at most `limit` of them, oldest first. scan.next then points past
  // that status, so under a steady stream of one kind the others still get their turn; after a
  // scan that found nothing it points at PENDING again, so a new run is found by the first
  // Query. Cost: gsi2_shards Queries per status looked at (a poll that finds a new run:
  // gsi2_shards; an empty poll: 4 x gsi2_shards). Errors: as FindDueRuns(limit).
  virtual Result<std::vector<Run>> FindDueRuns(int limit, DueScan& scan) = 0;

  // Events (see docs/workflows.md, "Events"). Sends an event to a run that is not finished: one
  // TransactWriteItems (check of the run item + conditional put of the event item, created
  // once per event id) and one conditional UpdateItem that makes the run due now when it is
  // SLEEPING waiting for this event name (WakeRun). A duplicate event id writes nothing and
  // still wakes (so a retried send repairs a send that died between its two requests). The
  // event item's ttl is the run's itemsTtl when this store knows the run, else now +
  // item_ttl_margin + 7 days when the run's itemsTtl is not later (else the run's, learnt from
  // the failed check: +1 request). Errors: kNotFound (no such run), kConditionFailed (the run
  // is finished: message names its status), kInvalidArgument, kLimitExceeded.
  virtual Result<SentEvent> SendEvent(const NewEvent& event) = 0;
  // The run's events of `name`, oldest first (by sent time, then event id). One strongly
  // consistent Query per 1 MB.
  virtual Result<std::vector<Event>> ListEvents(const std::string& run_id,
                                                const std::string& name) = 0;
  // Makes a SLEEPING run that waits for `waiting_for` due now (clears waiting_for, bumps the
  // version). One conditional UpdateItem. Returns false when the run was not waiting for it
  // (not an error). Errors: the table's.
  virtual Result<bool> WakeRun(const std::string& run_id, const std::string& waiting_for) = 0;
  // The run id a business key of a workflow names (one GetItem; FindRunByBusinessKey also
  // reads the run). Errors: kNotFound.
  virtual Result<std::string> FindRunIdByBusinessKey(const std::string& workflow_id,
                                                     const std::string& business_key) = 0;
  // The run's child links, in child run id order (one Query).
  virtual Result<std::vector<ChildRun>> ListChildren(const std::string& run_id) = 0;

  // Writes an archived finished run back as it was (ids, statuses, times, versions, error,
  // retried_by, payloads byte for byte), kept until deleted: no item gets a ttl, whatever the
  // run's retention was. The steps, outputs, input, result, state, events and child links are
  // put first (1 PutItem each, plus 1 per payload chunk), the run item last with the condition
  // that no live run item of that id exists, so reads see the run whole or not at all; the
  // business key's item is put after it when no live run holds the key (1 PutItem). An import
  // that fails before the run item leaves items no read reaches, which a retry overwrites.
  // Errors: kAlreadyExists (a run of this id exists), kInvalidArgument (a run that is not
  // finished, or a bad id, step id, state key or event name, naming it), kLimitExceeded.
  virtual Status ImportRun(const ArchivedRun& run) = 0;

  // Deletes the run and every item of it (and its business-key item, when it still points to
  // this run). Errors: kNotFound when the run has no items left.
  virtual Status DeleteRun(const std::string& run_id) = 0;
};

}  // namespace dynaflow::store
