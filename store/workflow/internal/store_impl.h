// The WorkflowStore implementation (private). Split over store/workflow/workflow_store*.cc:
//   workflow_store.cc         factory, helpers, CreateRun, leases
//   workflow_store_writes.cc  the fenced write loop, steps, run changes, finishing, cancel
//   workflow_store_reads.cc   run reads, outputs, state, DeleteRun
//   workflow_store_lists.cc   listings, counts, due work
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/table/table.h"
#include "store/workflow/internal/items.h"
#include "store/workflow/internal/list_cursor.h"
#include "store/workflow/internal/payload.h"
#include "store/workflow/internal/run_cache.h"
#include "store/workflow/workflow_store.h"

namespace dynaflow::store::internal {

// What a run write sends besides the run item's own update (see WorkflowStoreImpl::WriteRun).
struct WritePlan {
  // Ops that must apply atomically with the run update (step and output puts, ...).
  std::vector<table::WriteOp> extra;
  // Idempotent TTL stamps on the run's other items: as many as fit ride in the run update's
  // transaction, the rest go first in transactions of 99 guarded by a check of the run item.
  std::vector<table::WriteOp> stamps;
  // The run update is also conditional on the cached stateVersion (finishing: the k:<key>
  // list must be exact).
  bool check_state_version = false;
  // Maps the failure of extra[i] (index i) to the caller's error. Default: kConditionFailed.
  std::function<Status(size_t index, const std::optional<Item>& old)> on_extra_failure;
};

// A step record ready to write: its items (chunks already written when present).
struct PreparedStep {
  StepRecord record;
  Item step_item;
  std::optional<PayloadItems> output;
  Item run_item;  // the run as known when the step was prepared (saves WriteRun a read)
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
  // Absent, or expired (DynamoDB conditions still see expired items).
  table::Condition AbsentOrExpired() const;
  // Sleeps before retry `attempt` (0-based) after a transaction conflict.
  void Backoff(int attempt);

  // --- writes (workflow_store_writes.cc)
  // kFenced / kConditionFailed (finished) from what `run` shows; OK when the fence holds.
  // *stale = the item predates the fence's epoch (re-read it).
  Status CheckFence(const Fence& fence, const Item& run, bool* stale) const;
  // The write loop of every run change: builds the next run item from the known one, writes
  // it conditional on version (+ fence, + stateVersion) together with plan ops, refreshes and
  // retries when only the version moved. Returns the run item as written.
  // `known`: the run item to start from (nullptr: the cache, else a read).
  Result<Item> WriteRun(const std::string& run_id, const Fence* fence, const Builder& build,
                        const Item* known = nullptr);
  Status ApplyChange(const Item& current, const RunChange& change, ItemMutation* m) const;
  Result<PreparedStep> PrepareStep(const Fence& fence, const StepRecord& step);
  void AddStep(const PreparedStep& step, std::optional<int64_t> ttl, ItemMutation* m,
               WritePlan* plan) const;
  Status BuildFinish(const Item& current, const RunFinish& finish, const PreparedStep* step,
                     ItemMutation* m, WritePlan* plan) const;
  Status ValidateFinish(const RunFinish& finish) const;

  // --- state (workflow_store_reads.cc)
  Result<int64_t> WriteState(const std::string& run_id, const std::string& key,
                             const std::string& value, int64_t expected_version,
                             bool* version_moved = nullptr);

  void NoteStateWrite(const std::string& run_id, const std::string& key, bool present);

  // --- listings (workflow_store_lists.cc)
  Result<RunPage> List(const ListRunsRequest& request, table::Index index,
                       std::vector<std::string> partitions, const std::string& binding);

  std::shared_ptr<table::Table> table_;
  WorkflowStoreOptions options_;
  Clock* clock_;
  Random* random_;
  RunCache cache_;
  ListCursorCodec cursors_;
};

}  // namespace dynaflow::store::internal
