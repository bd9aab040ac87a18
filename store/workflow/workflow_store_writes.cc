// WorkflowStore: the fenced write loop, step records, run changes, finishing and cancelling.
#include "store/table/internal/ttl.h"
#include "store/workflow/internal/keys.h"
#include "store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

using table::Condition;
using V = AttributeValue;

namespace {

constexpr int kMaxWriteAttempts = 16;
constexpr size_t kStampsPerTransaction = table::kMaxTransactionItems - 1;

bool IsLeasedStatus(RunStatus s) {
  return s == RunStatus::kRunning || s == RunStatus::kCompensating;
}

// kAlreadyExists when the run item `cur` lists step `step_id` as recorded.
Status StepNotRecorded(const Item& cur, const std::string& run_id, const std::string& step_id) {
  if (FindAttribute(cur, attr::kStepPrefix + step_id)) {
    return Status::AlreadyExists("step " + step_id + " of run " + run_id + " is already recorded");
  }
  return Status::OK();
}

}  // namespace

Status WorkflowStoreImpl::CheckFence(const Fence& fence, const Item& run, bool* stale) const {
  *stale = false;
  int64_t epoch = GetNOr(run, attr::kEpoch, 0);
  if (epoch > fence.epoch) {
    return Status::Fenced("run " + fence.run_id + " was claimed again (epoch " +
                          std::to_string(epoch) + " > " + std::to_string(fence.epoch) + ")");
  }
  if (epoch < fence.epoch) {
    *stale = true;
    return Status::OK();
  }
  DYNAFLOW_ASSIGN_OR_RETURN(RunStatus st, StatusOf(run));
  if (IsTerminal(st)) {
    return Status::ConditionFailed("run " + fence.run_id + " is " + std::string(RunStatusName(st)));
  }
  if (GetSOr(run, attr::kLeaseOwner) != fence.owner) {
    return Status::Fenced("run " + fence.run_id + " is no longer leased by " + fence.owner);
  }
  return Status::OK();
}

Result<Item> WorkflowStoreImpl::WriteRun(const std::string& run_id, const Fence* fence,
                                         const Builder& build, const Item* known) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  Item cur;
  if (known != nullptr) {
    cur = *known;
  } else {
    DYNAFLOW_ASSIGN_OR_RETURN(cur, KnownRun(run_id));
  }
  bool reread = false;
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    if (fence) {
      bool stale = false;
      DYNAFLOW_RETURN_IF_ERROR(CheckFence(*fence, cur, &stale));
      if (stale) {
        if (reread)
          return Status::Fenced("run " + run_id + " has no lease epoch " +
                                std::to_string(fence->epoch));
        reread = true;
        DYNAFLOW_ASSIGN_OR_RETURN(cur, ReadRun(run_id));
        --attempt;
        continue;
      }
    } else {
      DYNAFLOW_ASSIGN_OR_RETURN(RunStatus st, StatusOf(cur));
      if (IsTerminal(st)) {
        return Status::ConditionFailed("run " + run_id + " is " + std::string(RunStatusName(st)));
      }
    }
    ItemMutation m(cur);
    WritePlan plan;
    DYNAFLOW_RETURN_IF_ERROR(build(cur, &m, &plan));
    const int64_t version = GetNOr(cur, attr::kVersion, 0);
    m.Set(attr::kVersion, V::N(version + 1));
    m.Set(attr::kUpdatedAt, V::N(NowMs()));
    NormalizeRunIndexKeys(options_.key_prefix, options_.gsi2_shards, &m);

    Condition cond = EqN(attr::kVersion, version);
    if (fence) {
      cond = cond && EqS(attr::kLeaseOwner, fence->owner) && EqN(attr::kEpoch, fence->epoch);
    }
    if (plan.check_state_version) {
      cond = cond && EqN(attr::kStateVersion, GetNOr(cur, attr::kStateVersion, 0));
    }
    const table::Key key = RunKey(run_id);

    Status s;
    std::optional<Item> old;
    bool run_failed = false;  // the run's own condition failed (vs. an extra op's)
    table::TransactionFailure failure;
    if (plan.extra.empty() && plan.stamps.empty()) {
      table::WriteOptions wo;
      wo.condition = cond;
      wo.old_item_on_condition_failure = &old;
      auto written = table_->Update(key, m.update(), wo);
      if (written.ok()) {
        Remember(*written);
        return std::move(written).value();
      }
      s = written.status();
      run_failed = true;
    } else {
      // Stamps that do not fit beside the run update go first, 99 per transaction, each
      // guarded by the same condition on the run item (so a fenced writer stamps nothing).
      size_t room = table::kMaxTransactionItems - 1 - plan.extra.size();
      size_t early = plan.stamps.size() > room ? plan.stamps.size() - room : 0;
      for (size_t i = 0; s.ok() && i < early; i += kStampsPerTransaction) {
        std::vector<table::WriteOp> batch;
        batch.push_back(table::ConditionCheckOp{key, cond});
        for (size_t j = i; j < std::min(early, i + kStampsPerTransaction); ++j) {
          batch.push_back(plan.stamps[j]);
        }
        s = table_->TransactWrite(batch, &failure);
        if (s.Is(StatusCode::kConditionFailed)) run_failed = true;  // only op 0 has a condition
      }
      if (s.ok()) {
        std::vector<table::WriteOp> ops;
        ops.push_back(table::UpdateOp{key, m.update(), cond});
        for (auto& op : plan.extra) ops.push_back(op);
        for (size_t j = early; j < plan.stamps.size(); ++j) ops.push_back(plan.stamps[j]);
        s = table_->TransactWrite(ops, &failure);
        if (s.ok()) {
          Remember(m.item());
          return m.item();
        }
        if (s.Is(StatusCode::kConditionFailed)) {
          run_failed = failure.failed_index <= 0;
          if (!run_failed && static_cast<size_t>(failure.failed_index) <= plan.extra.size()) {
            size_t i = static_cast<size_t>(failure.failed_index) - 1;
            if (plan.on_extra_failure) return plan.on_extra_failure(i, failure.old_item);
            return s;
          }
        }
      }
      old = failure.old_item;
    }
    if (s.Is(StatusCode::kTransactionCanceled)) {
      Backoff(attempt);
      continue;
    }
    if (!s.Is(StatusCode::kConditionFailed) || !run_failed) return s;
    // The run item is not what we computed from: learn it and try again (the fence check at
    // the top of the loop turns a lost lease into kFenced).
    if (!old) {
      cache_.Erase(run_id);
      return Status::NotFound("run " + run_id + " not found");
    }
    cache_.Replace(run_id, *old);
    cur = std::move(*old);
    if (attempt > 0) Backoff(attempt - 1);  // a second miss in a row: contention, back off
  }
  return Status::TransactionCanceled("run " + run_id + " kept changing; gave up after " +
                                     std::to_string(kMaxWriteAttempts) + " attempts");
}

Status WorkflowStoreImpl::ApplyChange(const Item& cur, const RunChange& c, ItemMutation* m) const {
  DYNAFLOW_ASSIGN_OR_RETURN(RunStatus before, StatusOf(cur));
  RunStatus after = before;
  if (c.status) {
    if (IsTerminal(*c.status)) {
      return Status::InvalidArgument("RunChange cannot set terminal status " +
                                     std::string(RunStatusName(*c.status)) + "; use FinishRun");
    }
    after = *c.status;
    m->Set(attr::kStatus, V::S(std::string(RunStatusName(after))));
  }
  if (c.release_lease) {
    m->Remove(attr::kLeaseOwner);
    m->Remove(attr::kLeaseExpiresAt);
  }
  if (c.due_at) {
    m->Set(attr::kDueAt, Ms(*c.due_at));
  } else if (c.release_lease ||
             (after != before && (after == RunStatus::kPending || after == RunStatus::kSleeping ||
                                  (IsLeasedStatus(after) && !HasOwner(m->item()))))) {
    m->Set(attr::kDueAt, V::N(NowMs()));
  }
  if (c.cursor_step) m->Set(attr::kCursorStep, V::S(*c.cursor_step));
  if (c.error) m->Set(attr::kError, V::S(*c.error));
  return Status::OK();
}

Result<PreparedStep> WorkflowStoreImpl::PrepareStep(const Fence& fence, const StepRecord& r) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("step id", r.step_id, kMaxStepIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", fence.run_id, kMaxRunIdBytes));
  // Cheap local checks first, so a fenced or duplicate record writes no chunk at all.
  DYNAFLOW_ASSIGN_OR_RETURN(Item cur, KnownRun(fence.run_id));
  bool stale = false;
  DYNAFLOW_RETURN_IF_ERROR(CheckFence(fence, cur, &stale));
  if (!stale) DYNAFLOW_RETURN_IF_ERROR(StepNotRecorded(cur, fence.run_id, r.step_id));
  PreparedStep p;
  p.record = r;
  p.run_item = std::move(cur);
  StepExecution e = ExecutionOf(fence.run_id, r);
  e.fence_epoch = fence.epoch;
  p.step_item = StepItem(options_.key_prefix, fence.run_id, e);
  if (r.output) {
    Item extra{{attr::kRunId, V::S(fence.run_id)}, {attr::kStepId, V::S(r.step_id)}};
    p.output = SplitPayload(Pk(fence.run_id), OutputSk(r.step_id), "OUTPUT", *r.output,
                            options_.payload_chunk_bytes, NewChunkTag(*random_), extra,
                            NowSeconds() + options_.provisional_chunk_ttl.count());
    for (const Item& chunk : p.output->chunks) DYNAFLOW_RETURN_IF_ERROR(table_->Put(chunk));
  }
  return p;
}

void WorkflowStoreImpl::AddStep(const PreparedStep& p, std::optional<int64_t> ttl, ItemMutation* m,
                                WritePlan* plan) const {
  PayloadRef none;
  m->Set(attr::kStepPrefix + p.record.step_id,
         V::S(p.output ? p.output->ref.Encode() : none.Encode()));
  Item step = p.step_item;
  if (ttl) step[table::kTtl] = V::N(*ttl);
  plan->extra.push_back(table::PutOp{std::move(step), AbsentOrExpired()});
  if (p.output) {
    Item head = p.output->head;
    if (ttl) head[table::kTtl] = V::N(*ttl);
    plan->extra.push_back(table::PutOp{std::move(head), AbsentOrExpired()});
  }
  std::string run_id =
      p.step_item.at(attr::kRunId).AsS() ? *p.step_item.at(attr::kRunId).AsS() : std::string();
  std::string step_id = p.record.step_id;
  plan->on_extra_failure = [run_id, step_id](size_t, const std::optional<Item>&) {
    return Status::AlreadyExists("step " + step_id + " of run " + run_id + " is already recorded");
  };
}

Status WorkflowStoreImpl::ValidateFinish(const RunFinish& f) const {
  if (!IsTerminal(f.status)) {
    return Status::InvalidArgument("FinishRun needs a terminal status, got " +
                                   std::string(RunStatusName(f.status)));
  }
  if (f.result && f.result->size() > options_.payload_chunk_bytes) {
    return Status::LimitExceeded(
        "result is " + std::to_string(f.result->size()) + " bytes; the limit is " +
        std::to_string(options_.payload_chunk_bytes) + " (larger results belong in a step output)");
  }
  return Status::OK();
}

Status WorkflowStoreImpl::BuildFinish(const Item& cur, const RunFinish& f, const PreparedStep* step,
                                      ItemMutation* m, WritePlan* plan) const {
  const std::string run_id = GetSOr(cur, attr::kRunId);
  const std::string pk = Pk(run_id);
  const int64_t now_ms = NowMs();
  const int64_t retention = GetNOr(cur, attr::kRetention, 0);
  std::optional<int64_t> ttl;
  if (retention > 0) ttl = (now_ms + 999) / 1000 + retention;  // finish time rounded up

  m->Set(attr::kStatus, V::S(std::string(RunStatusName(f.status))));
  m->Set(attr::kFinishedAt, V::N(now_ms));
  m->Remove(attr::kLeaseOwner);
  m->Remove(attr::kLeaseExpiresAt);
  if (!f.error.empty()) m->Set(attr::kError, V::S(f.error));
  if (ttl) m->Set(table::kTtl, V::N(*ttl));
  if (f.result && f.result->size() <= options_.inline_input_max_bytes) {
    m->Set(attr::kResult, V::B(*f.result));
  } else if (f.result) {
    Item extra{{attr::kRunId, V::S(run_id)}};
    PayloadItems r = SplitPayload(pk, kResultSk, "RESULT", *f.result, options_.payload_chunk_bytes,
                                  "", extra, std::nullopt);
    if (ttl) r.head[table::kTtl] = V::N(*ttl);
    m->Set(attr::kResultRef, V::S(r.ref.Encode()));
    plan->extra.push_back(table::PutOp{std::move(r.head), std::nullopt});
  }
  if (step) {
    AddStep(*step, ttl, m, plan);
  }
  plan->check_state_version = true;

  // Every other item of the run gets the run's ttl; chunks (which carry a provisional ttl)
  // lose it when the run is kept forever.
  auto stamp = [&](const std::string& sk, bool chunk) {
    table::Update u;
    if (ttl) {
      u.Set(table::kTtl, V::N(*ttl));
    } else if (chunk) {
      u.Remove(table::kTtl);
    } else {
      return;
    }
    plan->stamps.push_back(table::UpdateOp{{pk, sk}, std::move(u), std::nullopt});
  };
  auto stamp_payload = [&](const std::string& head_sk, const PayloadRef& ref, bool head_too) {
    if (!ref.present) return;
    if (head_too) stamp(head_sk, false);
    for (const table::Key& k : ChunkKeys(pk, head_sk, ref)) stamp(k.sk, true);
  };
  if (const AttributeValue* in = FindAttribute(cur, attr::kInputRef); in && in->is_s()) {
    DYNAFLOW_ASSIGN_OR_RETURN(PayloadRef ref, PayloadRef::Decode(*in->AsS()));
    stamp_payload(kInputSk, ref, true);
  }
  for (const auto& [step_id, value] : StepRefs(cur)) {
    DYNAFLOW_ASSIGN_OR_RETURN(PayloadRef ref, PayloadRef::Decode(value));
    stamp(StepSk(step_id), false);
    stamp_payload(OutputSk(step_id), ref, true);
  }
  if (step && step->output) stamp_payload(OutputSk(step->record.step_id), step->output->ref, false);
  for (const std::string& key : StateKeys(cur)) stamp(StateSk(key), false);
  std::string bkey = GetSOr(cur, attr::kBusinessKey);
  if (!bkey.empty() && ttl) {
    std::string bpk = BusinessKeyPk(options_.key_prefix, GetSOr(cur, attr::kWorkflowId), bkey);
    table::Update u;
    u.Set(table::kTtl, V::N(*ttl));
    plan->stamps.push_back(table::UpdateOp{{bpk, bpk}, std::move(u), std::nullopt});
  }
  return Status::OK();
}

Result<Run> WorkflowStoreImpl::RecordStep(const Fence& fence, const StepRecord& step,
                                          const RunChange& change) {
  if (change.status && IsTerminal(*change.status)) {
    return Status::InvalidArgument(
        "RecordStep cannot set a terminal status; use "
        "RecordStepAndFinish");
  }
  DYNAFLOW_ASSIGN_OR_RETURN(PreparedStep p, PrepareStep(fence, step));
  DYNAFLOW_ASSIGN_OR_RETURN(
      Item written,
      WriteRun(
          fence.run_id, &fence,
          [&](const Item& cur, ItemMutation* m, WritePlan* plan) -> Status {
            DYNAFLOW_RETURN_IF_ERROR(StepNotRecorded(cur, fence.run_id, step.step_id));
            DYNAFLOW_RETURN_IF_ERROR(ApplyChange(cur, change, m));
            AddStep(p, std::nullopt, m, plan);
            return Status::OK();
          },
          &p.run_item));
  return RunFromItem(written);
}

Result<Run> WorkflowStoreImpl::RecordStepAndFinish(const Fence& fence, const StepRecord& step,
                                                   const RunFinish& finish) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateFinish(finish));
  DYNAFLOW_ASSIGN_OR_RETURN(PreparedStep p, PrepareStep(fence, step));
  DYNAFLOW_ASSIGN_OR_RETURN(
      Item written,
      WriteRun(
          fence.run_id, &fence,
          [&](const Item& cur, ItemMutation* m, WritePlan* plan) -> Status {
            DYNAFLOW_RETURN_IF_ERROR(StepNotRecorded(cur, fence.run_id, step.step_id));
            return BuildFinish(cur, finish, &p, m, plan);
          },
          &p.run_item));
  return RunFromItem(written);
}

Result<Run> WorkflowStoreImpl::UpdateRun(const Fence& fence, const RunChange& change) {
  DYNAFLOW_ASSIGN_OR_RETURN(
      Item written,
      WriteRun(fence.run_id, &fence, [&](const Item& cur, ItemMutation* m, WritePlan*) {
        return ApplyChange(cur, change, m);
      }));
  return RunFromItem(written);
}

Result<Run> WorkflowStoreImpl::FinishRun(const Fence& fence, const RunFinish& finish) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateFinish(finish));
  DYNAFLOW_ASSIGN_OR_RETURN(
      Item written,
      WriteRun(fence.run_id, &fence, [&](const Item& cur, ItemMutation* m, WritePlan* plan) {
        return BuildFinish(cur, finish, nullptr, m, plan);
      }));
  return RunFromItem(written);
}

Result<Run> WorkflowStoreImpl::RequestCancel(const std::string& run_id) {
  // An operator action, typically from another process: start from the stored item.
  DYNAFLOW_ASSIGN_OR_RETURN(Item stored, ReadRun(run_id));
  DYNAFLOW_ASSIGN_OR_RETURN(Item written,
                            WriteRun(
                                run_id, nullptr,
                                [&](const Item& cur, ItemMutation* m, WritePlan* plan) {
                                  if (LeaseLive(cur, NowMs())) {
                                    m->Set(attr::kCancelRequested, V::Bool(true));
                                    return Status::OK();
                                  }
                                  RunFinish f;
                                  f.status = RunStatus::kCancelled;
                                  f.error = "cancelled";
                                  m->Set(attr::kCancelRequested, V::Bool(true));
                                  return BuildFinish(cur, f, nullptr, m, plan);
                                },
                                &stored));
  return RunFromItem(written);
}

}  // namespace dynaflow::store::internal
