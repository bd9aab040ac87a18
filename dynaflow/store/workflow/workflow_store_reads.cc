// WorkflowStore: run reads, outputs, workflow state and DeleteRun.
#include <algorithm>

#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

using table::Condition;
using V = AttributeValue;

namespace {

constexpr int kMaxStateAttempts = 8;

// Loads an inline or separately stored payload (input / result) of a run item.
Result<std::optional<std::string>> PayloadOfRun(table::Table& table, const std::string& pk,
                                                const Item& run, const char* inline_attr,
                                                const char* encoding_attr, const char* ref_attr,
                                                const char* head_sk) {
  if (const AttributeValue* v = FindAttribute(run, inline_attr); v && v->is_b()) {
    DYNAFLOW_ASSIGN_OR_RETURN(std::string bytes,
                              DecodePayload(*v->AsB(), GetSOr(run, encoding_attr),
                                            std::string(inline_attr) + " of " + pk));
    return std::optional<std::string>(std::move(bytes));
  }
  if (FindAttribute(run, ref_attr) == nullptr) return std::optional<std::string>();
  auto payload = ReadPayload(table, pk, head_sk);
  if (!payload.ok()) {
    if (payload.status().Is(StatusCode::kNotFound)) {
      return Status::Serialization(std::string(head_sk) + " item of " + pk + " is missing");
    }
    return payload.status();
  }
  return std::optional<std::string>(std::move(payload).value());
}

// The step record of the run item's finalStep when it is `step_id` ("" = any), else nullptr.
const AttributeMap* FinalStepOf(const Item& run, std::string_view step_id = "") {
  const AttributeValue* f = FindAttribute(run, attr::kFinalStep);
  if (f == nullptr || !f->is_m()) return nullptr;
  if (!step_id.empty() && GetSOr(*f->AsM(), attr::kStepId) != step_id) return nullptr;
  return f->AsM();
}

// Whether a step item belongs to the run `run` (not to an expired earlier run of the same id).
bool BelongsTo(const Item& step, const Item& run) {
  const AttributeValue* c = FindAttribute(step, attr::kRunCreatedAt);
  return c == nullptr || GetNOr(step, attr::kRunCreatedAt, -1) == GetNOr(run, attr::kCreatedAt, 0);
}

}  // namespace

Result<std::optional<std::string>> WorkflowStoreImpl::OutputOf(const std::string& run_id,
                                                               const Item& step, const Item& run) {
  const std::string step_id = GetSOr(step, attr::kStepId);
  const std::string what = "output of step " + step_id + " of run " + run_id;
  const AttributeValue* ref_attr = FindAttribute(step, attr::kOutputRef);
  if (ref_attr == nullptr || !ref_attr->is_s()) return std::optional<std::string>();
  if (*ref_attr->AsS() == kOutputIsResult) {
    DYNAFLOW_ASSIGN_OR_RETURN(Run r, RunFromItem(run));
    return std::optional<std::string>(r.result.value_or(""));
  }
  DYNAFLOW_ASSIGN_OR_RETURN(PayloadRef ref, PayloadRef::Decode(*ref_attr->AsS()));
  std::string bytes;
  if (ref.chunks == 0) {
    bytes = GetBytes(step, attr::kOutput);
  } else {
    std::vector<table::Key> keys = ChunkKeys(Pk(run_id), OutputSk(step_id), ref);
    DYNAFLOW_ASSIGN_OR_RETURN(auto chunks, table_->BatchGet(keys));
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (!chunks[i]) {
        return Status::Serialization(what + ": chunk " + std::to_string(i + 1) + " is missing");
      }
      bytes += GetBytes(*chunks[i], attr::kData);
    }
  }
  DYNAFLOW_ASSIGN_OR_RETURN(
      std::string out, DecodePayload(std::move(bytes), GetSOr(step, attr::kOutputEncoding), what));
  return std::optional<std::string>(std::move(out));
}

Result<Run> WorkflowStoreImpl::GetRun(const std::string& run_id) {
  DYNAFLOW_ASSIGN_OR_RETURN(Item item, ReadRun(run_id));
  DYNAFLOW_ASSIGN_OR_RETURN(Run run, RunFromItem(item));
  if (FindAttribute(item, attr::kResultRef)) {
    DYNAFLOW_ASSIGN_OR_RETURN(
        run.result, PayloadOfRun(*table_, Pk(run_id), item, attr::kResult, attr::kResultEncoding,
                                 attr::kResultRef, kResultSk));
  }
  return run;
}

Result<Run> WorkflowStoreImpl::FindRunByBusinessKey(const std::string& workflow_id,
                                                    const std::string& business_key) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("workflow id", workflow_id, kMaxWorkflowIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("business key", business_key, kMaxBusinessKeyBytes));
  const std::string key = BusinessKeyPk(options_.key_prefix, workflow_id, business_key);
  auto item = table_->Get(table::Key{key, key});
  if (!item.ok()) {
    if (item.status().Is(StatusCode::kNotFound)) {
      return Status::NotFound("no run of workflow " + workflow_id + " has business key \"" +
                              business_key + "\"");
    }
    return item.status();
  }
  const std::string run_id = GetSOr(*item, attr::kRunId);
  if (run_id.empty()) return Status::Serialization("business-key item " + key + " has no runId");
  return GetRun(run_id);
}

Result<RunDetails> WorkflowStoreImpl::LoadRun(const std::string& run_id, bool with_outputs) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  const std::string pk = Pk(run_id);
  // RUN#<id> < RUN#<id>#CHILD#... < STATE#... < STEP#...: one key range holds the run, its child
  // links, its state and its steps.
  table::QueryRequest q;
  q.partition = pk;
  q.sort = table::SortKeyCondition::Ge(RunSk(run_id));
  q.consistent = true;
  RunDetails details;
  std::optional<Item> run_item;
  std::vector<Item> step_items;
  DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](Item& item) -> Status {
    std::string sk = GetSOr(item, table::kSk);
    if (sk == RunSk(run_id)) {
      run_item = std::move(item);
    } else if (sk.rfind(kStepSkPrefix, 0) == 0) {
      step_items.push_back(std::move(item));
    } else if (sk.rfind(kStateSkPrefix, 0) == 0) {
      DYNAFLOW_ASSIGN_OR_RETURN(StateEntry e, StateFromItem(item));
      details.state.push_back(std::move(e));
    } else if (sk.rfind(ChildSkPrefix(run_id), 0) == 0) {
      details.children.push_back(ChildRunOf(item));
    }
    return Status::OK();
  }));
  if (!run_item) return Status::NotFound("run " + run_id + " not found");
  Remember(*run_item);
  DYNAFLOW_ASSIGN_OR_RETURN(details.run, RunFromItem(*run_item));
  DYNAFLOW_ASSIGN_OR_RETURN(auto input,
                            PayloadOfRun(*table_, pk, *run_item, attr::kInput, attr::kInputEncoding,
                                         attr::kInputRef, kInputSk));
  details.input = input.value_or("");
  if (FindAttribute(*run_item, attr::kResultRef)) {
    DYNAFLOW_ASSIGN_OR_RETURN(details.run.result,
                              PayloadOfRun(*table_, pk, *run_item, attr::kResult,
                                           attr::kResultEncoding, attr::kResultRef, kResultSk));
  }
  // The run item's final step is the run's record of that step (see "Fencing" in the header).
  const AttributeMap* final_step = FinalStepOf(*run_item);
  const std::string final_id = final_step ? GetSOr(*final_step, attr::kStepId) : "";
  std::vector<const Item*> records;
  for (const Item& item : step_items) {
    if (!BelongsTo(item, *run_item) || GetSOr(item, attr::kStepId) == final_id) continue;
    records.push_back(&item);
  }
  if (final_step) records.push_back(final_step);
  std::sort(records.begin(), records.end(), [](const Item* a, const Item* b) {
    return GetSOr(*a, attr::kStepId) < GetSOr(*b, attr::kStepId);
  });
  for (const Item* record : records) {
    DYNAFLOW_ASSIGN_OR_RETURN(StepExecution step, StepFromItem(*record));
    if (with_outputs) {
      DYNAFLOW_ASSIGN_OR_RETURN(auto out, OutputOf(run_id, *record, *run_item));
      if (out) details.outputs[step.step_id] = std::move(*out);
    }
    details.steps.push_back(std::move(step));
  }
  return details;
}

Result<std::string> WorkflowStoreImpl::GetOutput(const std::string& run_id,
                                                 const std::string& step_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("step id", step_id, kMaxStepIdBytes));
  // The run and the step in one request: no run, no output (it expired with the run).
  const table::Key keys[] = {RunKey(run_id), {Pk(run_id), StepSk(step_id)}};
  DYNAFLOW_ASSIGN_OR_RETURN(auto items, table_->BatchGet(keys));
  auto none = [&] {
    return Status::NotFound("no output of step " + step_id + " of run " + run_id);
  };
  if (!items[0]) return Status::NotFound("run " + run_id + " not found");
  const Item& run = *items[0];
  const Item* record = FinalStepOf(run, step_id);
  if (record == nullptr && items[1] && BelongsTo(*items[1], run)) record = &*items[1];
  if (record == nullptr) return none();
  DYNAFLOW_ASSIGN_OR_RETURN(auto out, OutputOf(run_id, *record, run));
  if (!out) return none();
  return std::move(*out);
}

Result<StateEntry> WorkflowStoreImpl::GetState(const std::string& run_id, const std::string& key) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("state key", key, kMaxStateKeyBytes));
  // With the run item in the same request: state disappears with its run.
  const table::Key keys[] = {RunKey(run_id), {Pk(run_id), StateSk(key)}};
  DYNAFLOW_ASSIGN_OR_RETURN(auto items, table_->BatchGet(keys));
  if (!items[0] || !items[1]) return Status::NotFound("no state '" + key + "' in run " + run_id);
  return StateFromItem(*items[1]);
}

Item WorkflowStoreImpl::StateItem(const std::string& run_id, const StateEntry& entry,
                                  int64_t updated_ms) const {
  Item state{{table::kPk, V::S(Pk(run_id))},      {table::kSk, V::S(StateSk(entry.key))},
             {attr::kType, V::S("STATE")},        {attr::kRunId, V::S(run_id)},
             {attr::kKey, V::S(entry.key)},       {attr::kVersion, V::N(entry.version)},
             {attr::kUpdatedAt, V::N(updated_ms)}};
  if (!entry.value.empty()) state[attr::kValue] = V::B(entry.value);
  return state;
}

Result<int64_t> WorkflowStoreImpl::WriteState(const std::string& run_id, const std::string& key,
                                              const std::string& value, int64_t expected_version,
                                              bool* version_moved) {
  if (version_moved) *version_moved = false;
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("state key", key, kMaxStateKeyBytes));
  if (expected_version < 0) return Status::InvalidArgument("expected_version is negative");
  DYNAFLOW_ASSIGN_OR_RETURN(Item run, KnownRun(run_id));
  const std::string write_id = WriteIdFor(nullptr);
  for (int attempt = 0;; ++attempt) {
    // The run must exist and not be finished with a retention (a state item written then would
    // outlive it), and the state item expires with the run's other items: the check pins the
    // itemsTtl the item is written with.
    const std::optional<int64_t> items_ttl = ItemsTtlOf(run);
    Condition run_ok =
        Condition::Exists(table::kPk) && Condition::NotExists(table::kTtl) &&
        (items_ttl ? EqN(attr::kItemsTtl, *items_ttl) : Condition::NotExists(attr::kItemsTtl));
    Item state = StateItem(run_id, StateEntry{key, value, expected_version + 1}, NowMs());
    state[attr::kWriteId] = V::S(write_id);
    if (items_ttl) state[table::kTtl] = V::N(*items_ttl);
    Condition state_ok =
        expected_version == 0 ? AbsentOrExpired() : EqN(attr::kVersion, expected_version);
    std::vector<table::WriteOp> ops = {table::ConditionCheckOp{RunKey(run_id), run_ok},
                                       table::PutOp{std::move(state), state_ok}};
    table::TransactionFailure failure;
    Status s = table_->TransactWrite(ops, &failure);
    if (s.ok()) return expected_version + 1;
    if (s.Is(StatusCode::kTransactionCanceled) && attempt + 1 < kMaxStateAttempts) {
      Backoff(attempt);
      continue;
    }
    if (!s.Is(StatusCode::kConditionFailed)) return s;
    if (failure.failed_index == 0) {
      if (!failure.old_item) {
        cache_.Erase(run_id);
        return Status::NotFound("run " + run_id + " not found");
      }
      if (FindAttribute(*failure.old_item, table::kTtl) != nullptr) {
        return Status::ConditionFailed("run " + run_id + " is finished; its state is read-only");
      }
      if (attempt + 1 < kMaxStateAttempts) {  // itemsTtl moved (or this store's copy was old)
        cache_.Replace(run_id, *failure.old_item);
        run = *failure.old_item;
        continue;
      }
      return Status::TransactionCanceled("run " + run_id + " kept changing; gave up");
    }
    if (WrittenBy(failure.old_item, write_id)) return expected_version + 1;  // answer lost
    int64_t stored = failure.old_item ? GetNOr(*failure.old_item, attr::kVersion, 0) : 0;
    if (version_moved) *version_moved = true;
    return Status::ConditionFailed("state '" + key + "' of run " + run_id + " is at version " +
                                   std::to_string(stored) + ", expected " +
                                   std::to_string(expected_version));
  }
}

Result<int64_t> WorkflowStoreImpl::PutState(const std::string& run_id, const std::string& key,
                                            const std::string& value) {
  for (int attempt = 0; attempt < kMaxStateAttempts; ++attempt) {
    int64_t version = 0;
    auto current = GetState(run_id, key);
    if (current.ok()) {
      version = current->version;
    } else if (!current.status().Is(StatusCode::kNotFound)) {
      return current.status();
    }
    bool moved = false;
    auto written = WriteState(run_id, key, value, version, &moved);
    // A concurrent writer moved the version between the read and the write: read again.
    if (!moved) return written;
  }
  return Status::TransactionCanceled("state '" + key + "' of run " + run_id +
                                     " kept changing; gave up");
}

Result<int64_t> WorkflowStoreImpl::CompareAndSwapState(const std::string& run_id,
                                                       const std::string& key,
                                                       const std::string& value,
                                                       int64_t expected_version) {
  return WriteState(run_id, key, value, expected_version);
}

Status WorkflowStoreImpl::DeleteState(const std::string& run_id, const std::string& key) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("state key", key, kMaxStateKeyBytes));
  Condition run_ok = Condition::Exists(table::kPk) && Condition::NotExists(table::kTtl);
  std::vector<table::WriteOp> ops = {table::ConditionCheckOp{RunKey(run_id), run_ok},
                                     table::DeleteOp{{Pk(run_id), StateSk(key)}, std::nullopt}};
  for (int attempt = 0;; ++attempt) {
    table::TransactionFailure failure;
    Status s = table_->TransactWrite(ops, &failure);
    if (s.ok()) return s;
    if (s.Is(StatusCode::kTransactionCanceled) && attempt + 1 < kMaxStateAttempts) {
      Backoff(attempt);
      continue;
    }
    if (s.Is(StatusCode::kConditionFailed)) {
      if (!failure.old_item) return Status::NotFound("run " + run_id + " not found");
      return Status::ConditionFailed("run " + run_id + " is finished; its state is read-only");
    }
    return s;
  }
}

Result<std::vector<StateEntry>> WorkflowStoreImpl::ListState(const std::string& run_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  // RUN#<id> .. STATE#<last>: the run item first, so state disappears with its run.
  table::QueryRequest q;
  q.partition = Pk(run_id);
  q.sort = table::SortKeyCondition::Between(RunSk(run_id), "STATE$");
  q.consistent = true;
  std::vector<StateEntry> out;
  bool run_seen = false;
  DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](const Item& item) -> Status {
    std::string sk = GetSOr(item, table::kSk);
    if (sk == RunSk(run_id)) run_seen = true;
    if (sk.rfind(kStateSkPrefix, 0) != 0) return Status::OK();
    DYNAFLOW_ASSIGN_OR_RETURN(StateEntry e, StateFromItem(item));
    out.push_back(std::move(e));
    return Status::OK();
  }));
  if (!run_seen) out.clear();
  return out;
}

Status WorkflowStoreImpl::DeleteRun(const std::string& run_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  table::QueryRequest q;
  q.partition = Pk(run_id);
  q.consistent = true;
  std::vector<table::Key> keys;
  std::optional<Item> run_item;
  DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](const Item& item) {
    std::string sk = GetSOr(item, table::kSk);
    if (sk == RunSk(run_id)) run_item = item;
    keys.push_back({q.partition, std::move(sk)});
    return Status::OK();
  }));
  cache_.Erase(run_id);
  if (keys.empty()) return Status::NotFound("run " + run_id + " not found");
  // The business key first: a crash after it leaves items without a key pointing at them,
  // never a key pointing at a half-deleted run.
  if (run_item) {
    std::string bkey = GetSOr(*run_item, attr::kBusinessKey);
    if (!bkey.empty()) {
      std::string bpk =
          BusinessKeyPk(options_.key_prefix, GetSOr(*run_item, attr::kWorkflowId), bkey);
      table::WriteOptions wo;
      wo.condition = EqS(attr::kRunId, run_id);
      Status s = table_->Delete({bpk, bpk}, wo);
      if (!s.ok() && !s.Is(StatusCode::kConditionFailed)) return s;
    }
  }
  return table_->BatchDelete(keys);
}

}  // namespace dynaflow::store::internal
