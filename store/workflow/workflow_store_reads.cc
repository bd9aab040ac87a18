// WorkflowStore: run reads, outputs, workflow state and DeleteRun.
#include "store/workflow/internal/keys.h"
#include "store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

using table::Condition;
using V = AttributeValue;

namespace {

constexpr int kMaxStateAttempts = 8;

// Loads an inline or separately stored payload (input / result) of a run item.
Result<std::optional<std::string>> PayloadOfRun(table::Table& table, const std::string& pk,
                                                const Item& run, const char* inline_attr,
                                                const char* ref_attr, const char* head_sk) {
  if (const AttributeValue* v = FindAttribute(run, inline_attr); v && v->is_b()) {
    return std::optional<std::string>(*v->AsB());
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

}  // namespace

Result<Run> WorkflowStoreImpl::GetRun(const std::string& run_id) {
  DYNAFLOW_ASSIGN_OR_RETURN(Item item, ReadRun(run_id));
  DYNAFLOW_ASSIGN_OR_RETURN(Run run, RunFromItem(item));
  if (FindAttribute(item, attr::kResultRef)) {
    DYNAFLOW_ASSIGN_OR_RETURN(run.result, PayloadOfRun(*table_, Pk(run_id), item, attr::kResult,
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
  // RUN#<id> < STATE#... < STEP#...: one key range holds the run, its state and its steps.
  table::QueryRequest q;
  q.partition = pk;
  q.sort = table::SortKeyCondition::Ge(RunSk(run_id));
  q.consistent = true;
  q.limit = 1000;
  RunDetails details;
  std::optional<Item> run_item;
  for (;;) {
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    for (const Item& item : page.items) {
      std::string sk = GetSOr(item, table::kSk);
      if (sk == RunSk(run_id)) {
        run_item = item;
      } else if (sk.rfind(kStepSkPrefix, 0) == 0) {
        DYNAFLOW_ASSIGN_OR_RETURN(StepExecution step, StepFromItem(item));
        details.steps.push_back(std::move(step));
      } else if (sk.rfind(kStateSkPrefix, 0) == 0) {
        DYNAFLOW_ASSIGN_OR_RETURN(StateEntry e, StateFromItem(item));
        details.state.push_back(std::move(e));
      }
    }
    if (page.next_cursor.empty()) break;
    q.cursor = std::move(page.next_cursor);
  }
  if (!run_item) return Status::NotFound("run " + run_id + " not found");
  Remember(*run_item);
  DYNAFLOW_ASSIGN_OR_RETURN(details.run, RunFromItem(*run_item));
  DYNAFLOW_ASSIGN_OR_RETURN(
      auto input, PayloadOfRun(*table_, pk, *run_item, attr::kInput, attr::kInputRef, kInputSk));
  details.input = input.value_or("");
  if (FindAttribute(*run_item, attr::kResultRef)) {
    DYNAFLOW_ASSIGN_OR_RETURN(
        details.run.result,
        PayloadOfRun(*table_, pk, *run_item, attr::kResult, attr::kResultRef, kResultSk));
  }
  if (!with_outputs) return details;

  // Heads of every recorded output in one batch, then every extra chunk in another.
  std::vector<std::string> step_ids;
  std::vector<table::Key> heads;
  for (const auto& [step_id, value] : StepRefs(*run_item)) {
    DYNAFLOW_ASSIGN_OR_RETURN(PayloadRef ref, PayloadRef::Decode(value));
    if (!ref.present) continue;
    step_ids.push_back(step_id);
    heads.push_back({pk, OutputSk(step_id)});
  }
  if (heads.empty()) return details;
  DYNAFLOW_ASSIGN_OR_RETURN(auto head_items, table_->BatchGet(heads));
  std::vector<table::Key> chunk_keys;
  std::vector<size_t> first_chunk(heads.size() + 1, 0);
  for (size_t i = 0; i < heads.size(); ++i) {
    first_chunk[i] = chunk_keys.size();
    if (!head_items[i]) {
      return Status::Serialization("output of step " + step_ids[i] + " of run " + run_id +
                                   " is missing");
    }
    for (auto& k : ChunkKeys(pk, heads[i].sk, RefOfHead(*head_items[i]))) {
      chunk_keys.push_back(std::move(k));
    }
  }
  first_chunk[heads.size()] = chunk_keys.size();
  std::vector<std::optional<Item>> chunks;
  if (!chunk_keys.empty()) {
    DYNAFLOW_ASSIGN_OR_RETURN(chunks, table_->BatchGet(chunk_keys));
  }
  for (size_t i = 0; i < heads.size(); ++i) {
    std::vector<std::optional<Item>> mine(chunks.begin() + first_chunk[i],
                                          chunks.begin() + first_chunk[i + 1]);
    DYNAFLOW_ASSIGN_OR_RETURN(details.outputs[step_ids[i]], AssemblePayload(*head_items[i], mine));
  }
  return details;
}

Result<std::string> WorkflowStoreImpl::GetOutput(const std::string& run_id,
                                                 const std::string& step_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("step id", step_id, kMaxStepIdBytes));
  auto out = ReadPayload(*table_, Pk(run_id), OutputSk(step_id));
  if (out.status().Is(StatusCode::kNotFound)) {
    return Status::NotFound("no output of step " + step_id + " of run " + run_id);
  }
  return out;
}

Result<StateEntry> WorkflowStoreImpl::GetState(const std::string& run_id, const std::string& key) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("state key", key, kMaxStateKeyBytes));
  auto item = table_->Get({Pk(run_id), StateSk(key)});
  if (item.status().Is(StatusCode::kNotFound)) {
    return Status::NotFound("no state '" + key + "' in run " + run_id);
  }
  DYNAFLOW_RETURN_IF_ERROR(item.status());
  return StateFromItem(*item);
}

Result<int64_t> WorkflowStoreImpl::WriteState(const std::string& run_id, const std::string& key,
                                              const std::string& value, int64_t expected_version,
                                              bool* version_moved) {
  if (version_moved) *version_moved = false;
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("state key", key, kMaxStateKeyBytes));
  if (expected_version < 0) return Status::InvalidArgument("expected_version is negative");
  const std::string pk = Pk(run_id);
  // The run lists the key (so finishing stamps its ttl) and must not be finished with a
  // retention (a state item written after the stamp would outlive the run).
  table::Update run_update;
  run_update.Set(attr::kStatePrefix + key, V::N(1));
  run_update.Add(attr::kStateVersion, 1);
  Condition run_ok = Condition::Exists(table::kPk) && Condition::NotExists(table::kTtl);
  Item state{{table::kPk, V::S(pk)},           {table::kSk, V::S(StateSk(key))},
             {attr::kType, V::S("STATE")},     {attr::kRunId, V::S(run_id)},
             {attr::kKey, V::S(key)},          {attr::kVersion, V::N(expected_version + 1)},
             {attr::kUpdatedAt, V::N(NowMs())}};
  if (!value.empty()) state[attr::kValue] = V::B(value);
  Condition state_ok = expected_version == 0 ? Condition::NotExists(table::kPk)
                                             : EqN(attr::kVersion, expected_version);
  std::vector<table::WriteOp> ops = {table::UpdateOp{RunKey(run_id), run_update, run_ok},
                                     table::PutOp{std::move(state), state_ok}};
  for (int attempt = 0;; ++attempt) {
    table::TransactionFailure failure;
    Status s = table_->TransactWrite(ops, &failure);
    if (s.ok()) {
      NoteStateWrite(run_id, key, /*present=*/true);
      return expected_version + 1;
    }
    if (s.Is(StatusCode::kTransactionCanceled) && attempt + 1 < kMaxStateAttempts) {
      Backoff(attempt);
      continue;
    }
    if (!s.Is(StatusCode::kConditionFailed)) return s;
    if (failure.failed_index == 0) {
      if (!failure.old_item) return Status::NotFound("run " + run_id + " not found");
      return Status::ConditionFailed("run " + run_id + " is finished; its state is read-only");
    }
    int64_t stored = failure.old_item ? GetNOr(*failure.old_item, attr::kVersion, 0) : 0;
    if (version_moved) *version_moved = true;
    return Status::ConditionFailed("state '" + key + "' of run " + run_id + " is at version " +
                                   std::to_string(stored) + ", expected " +
                                   std::to_string(expected_version));
  }
}

void WorkflowStoreImpl::NoteStateWrite(const std::string& run_id, const std::string& key,
                                       bool present) {
  // Keeps this store's known run item in step with its own state writes, so the owner's
  // finish needs no retry. Safe even when the entry was stale: finishing is conditional on
  // stateVersion, and a wrong guess only costs that retry.
  cache_.Mutate(run_id, [&](Item* run) {
    if (present) {
      (*run)[attr::kStatePrefix + key] = V::N(1);
    } else {
      run->erase(attr::kStatePrefix + key);
    }
    (*run)[attr::kStateVersion] = V::N(GetNOr(*run, attr::kStateVersion, 0) + 1);
  });
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
  table::Update run_update;
  run_update.Remove(attr::kStatePrefix + key);
  run_update.Add(attr::kStateVersion, 1);
  Condition run_ok = Condition::Exists(table::kPk) && Condition::NotExists(table::kTtl);
  std::vector<table::WriteOp> ops = {table::UpdateOp{RunKey(run_id), run_update, run_ok},
                                     table::DeleteOp{{Pk(run_id), StateSk(key)}, std::nullopt}};
  for (int attempt = 0;; ++attempt) {
    table::TransactionFailure failure;
    Status s = table_->TransactWrite(ops, &failure);
    if (s.ok()) {
      NoteStateWrite(run_id, key, /*present=*/false);
      return s;
    }
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
  table::QueryRequest q;
  q.partition = Pk(run_id);
  q.sort = table::SortKeyCondition::BeginsWith(kStateSkPrefix);
  q.consistent = true;
  q.limit = 1000;
  std::vector<StateEntry> out;
  for (;;) {
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    for (const Item& item : page.items) {
      DYNAFLOW_ASSIGN_OR_RETURN(StateEntry e, StateFromItem(item));
      out.push_back(std::move(e));
    }
    if (page.next_cursor.empty()) return out;
    q.cursor = std::move(page.next_cursor);
  }
}

Status WorkflowStoreImpl::DeleteRun(const std::string& run_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  table::QueryRequest q;
  q.partition = Pk(run_id);
  q.consistent = true;
  q.limit = 1000;
  std::vector<table::Key> keys;
  std::optional<Item> run_item;
  for (;;) {
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    for (const Item& item : page.items) {
      std::string sk = GetSOr(item, table::kSk);
      if (sk == RunSk(run_id)) run_item = item;
      keys.push_back({q.partition, std::move(sk)});
    }
    if (page.next_cursor.empty()) break;
    q.cursor = std::move(page.next_cursor);
  }
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
