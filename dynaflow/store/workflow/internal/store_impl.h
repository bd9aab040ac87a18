// The WorkflowStore implementation (private). Split over
// dynaflow/store/workflow/workflow_store*.cc:
//   workflow_store.cc         factory, helpers, CreateRun, leases
//   workflow_store_writes.cc  the fenced write loop, steps, run changes, finishing, cancel
//   workflow_store_reads.cc   run reads, outputs, state, DeleteRun
//   workflow_store_lists.cc   listings, counts, due work
//   workflow_store_events.cc  events, wake-ups, child links
//   workflow_store_ttl.cc     itemsTtl: expiry of the run's other items, re-stamping
//   workflow_store_import.cc  ImportRun: an archived run written back
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dynaflow/store/table/table.h"
#include "dynaflow/store/workflow/internal/items.h"
#include "dynaflow/store/workflow/internal/list_cursor.h"
#include "dynaflow/store/workflow/internal/payload.h"
#include "dynaflow/store/workflow/internal/payload_encoding.h"
#include "dynaflow/store/workflow/internal/run_cache.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::store::internal {

// What a run write sends besides the run item's own update (see WorkflowStoreImpl::WriteRun).
struct WritePlan {
  // Ops that must apply atomically with the run update (a step put, a RESULT item, ...); with
  // any, the write is a transaction.
  std::vector<table::WriteOp> extra;
  // Maps the failure of extra[i] (index i) to the caller's error. Default: kConditionFailed.
  std::function<Status(size_t index, const std::optional<Item>& old)> on_extra_failure;
};

// The outcome of one attempt to write a run item (WorkflowStoreImpl::SendRunWrite).
struct RunWriteOutcome {
  Status status;  // OK: `written` holds the run item as written
  std::optional<Item> written;
  std::optional<Item> old;  // the stored run item when the run's own condition failed
  bool run_failed = false;  // kConditionFailed came from the run item's own condition
  bool settled = false;     // an extra op failed: `status` is WriteRun's final answer
};

// The child run a LINK item (SK RUN#<parent>#CHILD#<child>) names (workflow_store_events.cc).
ChildRun ChildRunOf(const Item& link);

// A step record ready to write: the step item (output inline or named chunks) and the chunks,
// which PrepareStep has already written.
struct PreparedStep {
  StepRecord record;
  Item step_item;
  // The output's encoded bytes when they sit in the step item (finalStep may reuse the result).
  std::optional<EncodedPayload> inline_output;
  Item run_item;  // the run as known when the step was prepared (saves WriteRun a read)
};

// What every item CreateRun writes for one new run shares.
struct NewRunContext {
  const NewRun& request;
  std::string run_id;
  std::string pk;
  int64_t now_ms = 0;
  std::optional<int64_t> items_ttl;  // the run's itemsTtl (nullopt: kept forever)
  std::string write_id;              // stamped on the run item (see WrittenBy)
};

class WorkflowStoreImpl final : public WorkflowStore {
 public:
  WorkflowStoreImpl(std::shared_ptr<table::Table> table, WorkflowStoreOptions options);

  Result<Run> CreateRun(const NewRun& new_run, std::string* existing_run_id) override;
  Result<Run> ClaimRun(const std::string& run_id, const std::string& owner,
                       std::chrono::milliseconds lease, int64_t expected_version) override;
  Result<Run> ExtendLease(const Fence& fence, std::chrono::milliseconds lease) override;
  Status ReleaseRun(const Fence& fence, const RunChange& change) override;
  Result<Run> RecordStep(const Fence& fence, const StepRecord& step,
                         const RunChange& change) override;
  Result<Run> RecordStepAndFinish(const Fence& fence, const StepRecord& step,
                                  const RunFinish& finish) override;
  Result<Run> UpdateRun(const Fence& fence, const RunChange& change) override;
  Result<Run> FinishRun(const Fence& fence, const RunFinish& finish) override;
  Result<Run> RequestCancel(const std::string& run_id) override;
  Result<Run> GetRun(const std::string& run_id) override;
  Result<RunDetails> LoadRun(const std::string& run_id, bool with_outputs) override;
  Result<Run> FindRunByBusinessKey(const std::string& workflow_id,
                                   const std::string& business_key) override;
  Result<std::string> GetOutput(const std::string& run_id, const std::string& step_id) override;
  Result<StateEntry> GetState(const std::string& run_id, const std::string& key) override;
  Result<int64_t> PutState(const std::string& run_id, const std::string& key,
                           const std::string& value) override;
  Result<int64_t> CompareAndSwapState(const std::string& run_id, const std::string& key,
                                      const std::string& value, int64_t expected_version) override;
  Status DeleteState(const std::string& run_id, const std::string& key) override;
  Result<std::vector<StateEntry>> ListState(const std::string& run_id) override;
  Result<RunPage> ListRunsByWorkflow(const ListRunsRequest& request) override;
  Result<RunPage> ListRunsByStatus(const ListRunsRequest& request) override;
  Result<int64_t> CountRunsByStatus(RunStatus status) override;
  Result<std::vector<Run>> FindDueRuns(int limit) override;
  Result<std::vector<Run>> FindDueRuns(int limit, DueScan& scan) override;
  Status DeleteRun(const std::string& run_id) override;
  Status ImportRun(const ArchivedRun& run) override;
  Result<SentEvent> SendEvent(const NewEvent& event) override;
  Result<std::vector<Event>> ListEvents(const std::string& run_id,
                                        const std::string& name) override;
  Result<bool> WakeRun(const std::string& run_id, const std::string& waiting_for) override;
  Result<std::vector<ChildRun>> ListChildren(const std::string& run_id) override;
  Result<std::string> FindRunIdByBusinessKey(const std::string& workflow_id,
                                             const std::string& business_key) override;

 private:
  using Builder = std::function<Status(const Item& current, ItemMutation* run, WritePlan* plan)>;

  // --- helpers (workflow_store.cc)
  TimePoint Now() const;
  int64_t NowMs() const { return ToUnixMillis(Now()); }
  int64_t NowSeconds() const;
  std::string Pk(const std::string& run_id) const;
  table::Key RunKey(const std::string& run_id) const;
  // The run item: from the cache, else read (and cached). kNotFound.
  Result<Item> KnownRun(const std::string& run_id);
  Result<Item> ReadRun(const std::string& run_id);
  void Remember(const Item& run_item);
  // Due runs of `statuses` (all shards), merged oldest first, at most `limit`.
  Result<std::vector<Run>> FindDueIn(int limit, std::span<const RunStatus> statuses);
  // Calls visit(item) on every item `q` matches, page after page (pages of 1000 items); stops at
  // the first error, a query's or visit's.
  Status ForEachQueried(table::QueryRequest q, const std::function<Status(Item&)>& visit);
  // A strongly consistent query of the items of run `run_id` whose SK begins with `sk_prefix`.
  table::QueryRequest RunItemsQuery(const std::string& run_id, std::string sk_prefix) const;
  // Absent, or expired (DynamoDB conditions still see expired items).
  table::Condition AbsentOrExpired() const;
  // Sleeps before retry `attempt` (0-based) after a transaction conflict.
  void Backoff(int attempt);
  // The id a write stamps on its item (attr::kWriteId): the fence's when it names one (so the
  // caller's retries of one write share it), else a new one.
  std::string WriteIdFor(const Fence* fence);
  // True when `stored` (an item a write's condition failed on) carries `write_id`: the write
  // committed before (its answer was lost) and nothing has overwritten it since.
  static bool WrittenBy(const std::optional<Item>& stored, const std::string& write_id);

  // --- run creation (workflow_store.cc), the phases of CreateRun
  // The run item (without its input), due at `due_ms`.
  ItemMutation NewRunItem(const NewRunContext& run, int64_t due_ms) const;
  // Puts the encoded input inline on `m` when small enough; otherwise returns the INPUT head and
  // chunks (the head's reference set on `m`). nullopt when inline or empty.
  std::optional<PayloadItems> PlaceInput(const NewRunContext& run, ItemMutation* m);
  // Appends the items written with the run item: its business key item (ops index 1), the link
  // in its parent's partition, the request's own links and, last, the retry's op (RetryOfOp).
  void AddRunCompanions(const NewRunContext& run, std::vector<table::WriteOp>* ops) const;
  // The item of a business key naming `run_id` (without ttl).
  Item BusinessKeyItem(const std::string& workflow_id, const std::string& business_key,
                       const std::string& run_id, int64_t created_ms,
                       const std::string& write_id) const;
  // The link item naming `child` in its parent's partition (without ttl).
  Item ChildLinkItem(const std::string& parent_run_id, const ChildRun& child,
                     int64_t created_ms) const;
  // The item of an event sent to `run_id` (without ttl and write id).
  Item EventItem(const std::string& run_id, const std::string& name, const std::string& event_id,
                 TimePoint sent_at, EncodedPayload payload) const;
  // The item of a state entry (without ttl and write id).
  Item StateItem(const std::string& run_id, const StateEntry& entry, int64_t updated_ms) const;
  // The op of a retry (NewRun::retry_of) on the original run item: names the retry on it while
  // it is FAILED with no retry yet (a fork only checks it is FAILED).
  table::WriteOp RetryOfOp(const NewRunContext& run) const;
  // The error of a retry whose op failed on `original` (nullopt: absent).
  static Status RetryRefusal(const NewRun& nr, const std::optional<Item>& original,
                             std::string* existing_run_id);
  // One attempt: a conditional Put when `ops` holds only the run item, else a transaction.
  Status WriteNewRunOnce(const std::vector<table::WriteOp>& ops,
                         table::TransactionFailure* failure);
  // The run id the business key item of `nr` names (from the failure, else read); "" if none.
  std::string BusinessKeyHolder(const NewRun& nr, const table::TransactionFailure& failure);
  // True when the write whose condition failed with `failure` had committed before (an
  // earlier try of this CreateRun whose answer was lost): the run item carries its write id.
  // Reads the run item unless the failure shows it (ops[0]) or the key is another run's.
  bool CommittedBefore(const NewRunContext& run, const table::TransactionFailure& failure);
  // Writes `ops` (ops[0] the run item), retrying conflicts and taking over a business key whose
  // run is gone. kAlreadyExists (run id or business key taken; *existing_run_id names the
  // holder), kConditionFailed (one of request.with, from index `with_begin`, failed).
  Status WriteNewRun(const NewRunContext& run, size_t with_begin, std::vector<table::WriteOp>* ops,
                     std::string* existing_run_id);

  // --- writes (workflow_store_writes.cc)
  // kFenced / kConditionFailed (finished) from what `run` shows; OK when the fence holds.
  // *stale = the item predates the fence's epoch (re-read it).
  Status CheckFence(const Fence& fence, const Item& run, bool* stale) const;
  // The write loop of every run change: builds the next run item from the known one, writes
  // it conditional on version (+ fence) together with plan ops, refreshes and retries when only
  // the version moved. Raises itemsTtl first when the run could outlive it. Returns the run item
  // as written. `known`: the run item to start from (nullptr: the cache, else a read).
  Result<Item> WriteRun(const std::string& run_id, const Fence* fence, const Builder& build,
                        const Item* known = nullptr);
  // WriteRun, returning the written run as a Run.
  Result<Run> WriteRunAsRun(const std::string& run_id, const Fence* fence, const Builder& build,
                            const Item* known = nullptr);
  // The phases of one WriteRun attempt. CheckWritable: `*cur` may be written under `fence`
  // (re-read once, tracked by *reread, when it predates the fence's epoch) or, without one, is
  // not finished. BuildNextRun: the next run item on `m` (version, updatedAt, index keys,
  // itemsTtl); returns the version the write is conditional on. SendRunWrite: an UpdateItem,
  // or a transaction with plan->extra (moved out of `plan`).
  Status CheckWritable(const std::string& run_id, const Fence* fence, bool* reread, Item* cur);
  Result<int64_t> BuildNextRun(const Item& cur, const Builder& build, const std::string& write_id,
                               ItemMutation* m, WritePlan* plan);
  RunWriteOutcome SendRunWrite(const table::Key& key, const ItemMutation& m,
                               table::Condition condition, WritePlan* plan);
  Status ApplyChange(const Item& current, const RunChange& change, ItemMutation* m) const;
  Result<PreparedStep> PrepareStep(const Fence& fence, const StepRecord& step);
  // Puts `output` on `step_item` (inline when small enough: returns its encoded bytes) or in
  // chunk items carrying `ttl`, which it writes (returns nullopt).
  Result<std::optional<EncodedPayload>> PlaceOutput(const std::string& run_id,
                                                    const std::string& step_id,
                                                    const std::string& output,
                                                    std::optional<int64_t> ttl, Item* step_item);
  // Puts `result` inline on the run item `m` when small enough (nullopt), else returns the
  // RESULT item (with `ttl`) to write with it and names it on `m`.
  std::optional<Item> PlaceResult(const std::string& run_id, const std::string& result,
                                  std::optional<int64_t> ttl, ItemMutation* m);
  // The step item as a transaction op (created exactly once).
  void AddStep(const PreparedStep& step, WritePlan* plan) const;
  Status BuildFinish(const Item& current, const RunFinish& finish, const PreparedStep* step,
                     ItemMutation* m, WritePlan* plan);
  Status ValidateFinish(const RunFinish& finish) const;

  // --- item expiry (workflow_store_ttl.cc)
  // itemsTtl of a new run due at `due_ms` (nullopt: kept forever).
  std::optional<int64_t> ItemsTtlFor(int64_t due_ms, int64_t retention_s) const;
  // Makes sure every item of the run expires no earlier than `needed_s`: when the run item's
  // itemsTtl is below it (or absent), re-stamps every
  // other item of the partition with `new_ttl` and sets itemsTtl = new_ttl on `m`.
  Status EnsureItemsOutlive(const Item& run, int64_t needed_s, int64_t new_ttl, ItemMutation* m);
  // What a live run's itemsTtl must be at least (`needed`: due time or now + retention + half
  // the margin) and what it is raised to when it is not (`raised`); nullopt when none of the
  // run's items expire (the run is kept forever: no itemsTtl).
  struct ItemsTtlBounds {
    int64_t needed = 0;
    int64_t raised = 0;
  };
  std::optional<ItemsTtlBounds> LiveItemsTtlBounds(const Item& run) const;
  // The itemsTtl raise (if any) a non-terminal run-level write of `next` (the run item as it
  // will be written) needs.
  Status KeepItemsAlive(const Item& next, ItemMutation* m);
  // After a claim: when the claimed run could outlive its items' ttl, raises it (through a
  // fenced UpdateRun); otherwise returns `claimed` as it is.
  Result<Run> KeepClaimedItemsAlive(const Item& written, Run claimed);
  // Items other than the run item carry this ttl (nullopt: none), from the run item.
  static std::optional<int64_t> ItemsTtlOf(const Item& run);
  // The condition a step or state item's creation needs: absent, or expired, or (for steps)
  // left by an earlier run of the same id.
  table::Condition FreshStepSlot(int64_t run_created_ms) const;

  // --- reads of steps (workflow_store_reads.cc)
  // The output a step record (step item or finalStep) names; `run` for "result" references.
  // Chunk items are read with one BatchGet. nullopt when the step has no output.
  Result<std::optional<std::string>> OutputOf(const std::string& run_id, const Item& step,
                                              const Item& run);

  // --- state (workflow_store_reads.cc)
  Result<int64_t> WriteState(const std::string& run_id, const std::string& key,
                             const std::string& value, int64_t expected_version,
                             bool* version_moved = nullptr);

  // --- listings (workflow_store_lists.cc)
  Result<RunPage> List(const ListRunsRequest& request, table::Index index,
                       std::vector<std::string> partitions, const std::string& binding);

  std::shared_ptr<table::Table> table_;
  WorkflowStoreOptions options_;
  Clock* clock_;
  Random* random_;
  RunCache cache_;
  ListCursorSigner cursors_;
  WriteIds write_ids_;
};

}  // namespace dynaflow::store::internal
