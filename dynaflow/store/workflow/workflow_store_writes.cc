// WorkflowStore: the fenced write loop, step records, run changes, finishing and cancelling.
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

using table::Condition;
using V = AttributeValue;

namespace {

constexpr int kMaxWriteAttempts = 16;

bool IsLeasedStatus(RunStatus s) {
  return s == RunStatus::kRunning || s == RunStatus::kCompensating;
}

Status AlreadyRecorded(const std::string& run_id, const std::string& step_id) {
  return Status::AlreadyExists("step " + step_id + " of run " + run_id + " is already recorded");
}

// kAlreadyExists when the run item `cur` shows step `step_id` as recorded (as its final step).
Status StepNotRecorded(const Item& cur, const std::string& run_id, const std::string& step_id) {
  if (const V* f = FindAttribute(cur, attr::kFinalStep); f && f->is_m()) {
    if (GetSOr(*f->AsM(), attr::kStepId) == step_id) return AlreadyRecorded(run_id, step_id);
  }
  return Status::OK();
}

// The step item's attributes without keys, type and ttl: the run item's finalStep.
AttributeMap FinalStepOf(const Item& step_item) {
  AttributeMap m = step_item;
  for (const char* name : {table::kPk, table::kSk, attr::kType, table::kTtl}) m.erase(name);
  return m;
}

// True when `stored` (the step item a step put's condition failed on) was written under
// `fence`'s epoch: one lease holder writes a step once, so the record is this writer's own
// (an earlier try whose answer was lost).
bool RecordedUnder(const std::optional<Item>& stored, const Fence& fence) {
  return stored && GetNOr(*stored, attr::kFenceEpoch, -1) == fence.epoch &&
         FindAttribute(*stored, attr::kRunId) != nullptr &&
         GetSOr(*stored, attr::kRunId) == fence.run_id;
}

// kConditionFailed naming the status when `run` (the item of run `run_id`) is finished.
Status NotFinished(const Item& run, const std::string& run_id) {
  DYNAFLOW_ASSIGN_OR_RETURN(RunStatus st, StatusOf(run));
  if (IsTerminal(st)) {
    return Status::ConditionFailed("run " + run_id + " is " + std::string(RunStatusName(st)));
  }
  return Status::OK();
}

// The condition of a run write: the version it was computed from and, for a lease holder, the
// lease (owner, epoch).
Condition RunWriteCondition(int64_t version, const Fence* fence) {
  Condition cond = EqN(attr::kVersion, version);
  if (fence) {
    cond = cond && EqS(attr::kLeaseOwner, fence->owner) && EqN(attr::kEpoch, fence->epoch);
  }
  return cond;
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
  DYNAFLOW_RETURN_IF_ERROR(NotFinished(run, fence.run_id));
  if (GetSOr(run, attr::kLeaseOwner) != fence.owner) {
    return Status::Fenced("run " + fence.run_id + " is no longer leased by " + fence.owner);
  }
  return Status::OK();
}

Status WorkflowStoreImpl::CheckWritable(const std::string& run_id, const Fence* fence, bool* reread,
                                        Item* cur) {
  if (fence == nullptr) return NotFinished(*cur, run_id);
  for (;;) {
    bool stale = false;
    DYNAFLOW_RETURN_IF_ERROR(CheckFence(*fence, *cur, &stale));
    if (!stale) return Status::OK();
    if (*reread) {
      return Status::Fenced("run " + run_id + " has no lease epoch " +
                            std::to_string(fence->epoch));
    }
    *reread = true;
    DYNAFLOW_ASSIGN_OR_RETURN(*cur, ReadRun(run_id));
  }
}

Result<int64_t> WorkflowStoreImpl::BuildNextRun(const Item& cur, const Builder& build,
                                                const std::string& write_id, ItemMutation* m,
                                                WritePlan* plan) {
  DYNAFLOW_RETURN_IF_ERROR(build(cur, m, plan));
  const int64_t version = GetNOr(cur, attr::kVersion, 0);
  m->Set(attr::kVersion, V::N(version + 1));
  m->Set(attr::kWriteId, V::S(write_id));
  m->Set(attr::kUpdatedAt, V::N(NowMs()));
  NormalizeRunIndexKeys(options_.key_prefix, options_.gsi2_shards, m);
  DYNAFLOW_RETURN_IF_ERROR(KeepItemsAlive(m->item(), m));
  return version;
}

RunWriteOutcome WorkflowStoreImpl::SendRunWrite(const table::Key& key, const ItemMutation& m,
                                                Condition condition, WritePlan* plan) {
  RunWriteOutcome out;
  if (plan->extra.empty()) {
    table::WriteOptions wo;
    wo.condition = std::move(condition);
    wo.old_item_on_condition_failure = &out.old;
    auto written = table_->Update(key, m.update(), wo);
    if (written.ok()) {
      out.written = std::move(written).value();
    } else {
      out.status = written.status();
      out.run_failed = true;
    }
    return out;
  }
  std::vector<table::WriteOp> ops;
  ops.reserve(1 + plan->extra.size());
  ops.push_back(table::UpdateOp{key, m.update(), std::move(condition)});
  for (auto& op : plan->extra) ops.push_back(std::move(op));
  table::TransactionFailure failure;
  out.status = table_->TransactWrite(ops, &failure);
  if (out.status.ok()) {
    out.written = m.item();
    return out;
  }
  if (out.status.Is(StatusCode::kConditionFailed) && failure.failed_index > 0) {
    const auto i = static_cast<size_t>(failure.failed_index) - 1;
    if (plan->on_extra_failure) out.status = plan->on_extra_failure(i, failure.old_item);
    out.settled = true;
    return out;
  }
  out.run_failed = out.status.Is(StatusCode::kConditionFailed);
  out.old = std::move(failure.old_item);
  return out;
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
  const std::string write_id = WriteIdFor(fence);
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    // The run as known carries this write's id: an earlier try of it committed (its answer was
    // lost) and the caller is trying again. Nothing is written twice.
    if (WrittenBy(cur, write_id)) return cur;
    DYNAFLOW_RETURN_IF_ERROR(CheckWritable(run_id, fence, &reread, &cur));
    ItemMutation m(cur);
    WritePlan plan;
    DYNAFLOW_ASSIGN_OR_RETURN(const int64_t version, BuildNextRun(cur, build, write_id, &m, &plan));
    RunWriteOutcome o = SendRunWrite(RunKey(run_id), m, RunWriteCondition(version, fence), &plan);
    if (o.settled) return o.status;
    if (o.status.ok()) {
      Remember(*o.written);
      return std::move(*o.written);
    }
    if (o.status.Is(StatusCode::kTransactionCanceled)) {
      Backoff(attempt);
      continue;
    }
    if (!o.status.Is(StatusCode::kConditionFailed) || !o.run_failed) return o.status;
    if (WrittenBy(o.old, write_id)) {
      // An earlier try of this write committed and its answer was lost: the stored item is
      // what this write wrote (nobody has written the run since).
      Remember(*o.old);
      return std::move(*o.old);
    }
    // The run item is not what we computed from: learn it and try again (the fence check at
    // the top of the loop turns a lost lease into kFenced).
    if (!o.old) {
      cache_.Erase(run_id);
      return Status::NotFound("run " + run_id + " not found");
    }
    cache_.Replace(run_id, *o.old);
    cur = std::move(*o.old);
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
  if (c.waiting_for) {
    m->Set(attr::kWaitingFor, V::S(*c.waiting_for));
  } else {
    m->Remove(attr::kWaitingFor);
  }
  return Status::OK();
}

Result<std::optional<EncodedPayload>> WorkflowStoreImpl::PlaceOutput(const std::string& run_id,
                                                                     const std::string& step_id,
                                                                     const std::string& output,
                                                                     std::optional<int64_t> ttl,
                                                                     Item* step_item) {
  EncodedPayload enc = EncodePayload(output, options_.compress_min_bytes);
  if (!enc.encoding.empty()) (*step_item)[attr::kOutputEncoding] = V::S(enc.encoding);
  if (enc.bytes.size() <= options_.inline_output_max_bytes) {
    PayloadRef inline_ref;
    inline_ref.present = true;
    (*step_item)[attr::kOutputRef] = V::S(inline_ref.Encode());
    if (!enc.bytes.empty()) (*step_item)[attr::kOutput] = V::B(enc.bytes);
    return std::optional<EncodedPayload>(std::move(enc));
  }
  PayloadRef ref;
  ref.present = true;
  ref.tag = NewChunkTag(*random_);
  std::vector<Item> chunks = ChunkItems(Pk(run_id), OutputSk(step_id), ref.tag, enc.bytes,
                                        options_.payload_chunk_bytes, ttl);
  ref.chunks = static_cast<int>(chunks.size());
  (*step_item)[attr::kOutputRef] = V::S(ref.Encode());
  for (const Item& chunk : chunks) DYNAFLOW_RETURN_IF_ERROR(table_->Put(chunk));
  return std::optional<EncodedPayload>();
}

Result<PreparedStep> WorkflowStoreImpl::PrepareStep(const Fence& fence, const StepRecord& r) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("step id", r.step_id, kMaxStepIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", fence.run_id, kMaxRunIdBytes));
  // Cheap local checks first, so a fenced or duplicate record writes no chunk at all.
  DYNAFLOW_ASSIGN_OR_RETURN(Item cur, KnownRun(fence.run_id));
  PreparedStep p;
  p.record = r;
  if (WrittenBy(cur, fence.write_id)) {
    // An earlier try of this very write committed with the run item (a step recorded with a run
    // change, or the last step and the finish): WriteRun returns the run as it wrote it.
    p.run_item = std::move(cur);
    return p;
  }
  bool stale = false;
  DYNAFLOW_RETURN_IF_ERROR(CheckFence(fence, cur, &stale));
  if (stale) {
    // This store's copy predates the caller's claim: learn the run as it is.
    DYNAFLOW_ASSIGN_OR_RETURN(cur, ReadRun(fence.run_id));
    DYNAFLOW_RETURN_IF_ERROR(CheckFence(fence, cur, &stale));
    if (stale) {
      return Status::Fenced("run " + fence.run_id + " has no lease epoch " +
                            std::to_string(fence.epoch));
    }
  }
  DYNAFLOW_RETURN_IF_ERROR(StepNotRecorded(cur, fence.run_id, r.step_id));
  StepExecution e = ExecutionOf(fence.run_id, r);
  e.fence_epoch = fence.epoch;
  p.step_item = StepItem(options_.key_prefix, fence.run_id, e, GetNOr(cur, attr::kCreatedAt, 0));
  const std::optional<int64_t> ttl = ItemsTtlOf(cur);
  if (ttl) p.step_item[table::kTtl] = V::N(*ttl);
  if (r.output) {
    DYNAFLOW_ASSIGN_OR_RETURN(p.inline_output,
                              PlaceOutput(fence.run_id, r.step_id, *r.output, ttl, &p.step_item));
  }
  p.run_item = std::move(cur);
  return p;
}

void WorkflowStoreImpl::AddStep(const PreparedStep& p, WritePlan* plan) const {
  const int64_t created = GetNOr(p.run_item, attr::kCreatedAt, 0);
  plan->extra.push_back(table::PutOp{p.step_item, FreshStepSlot(created)});
  std::string run_id = GetSOr(p.step_item, attr::kRunId);
  std::string step_id = p.record.step_id;
  plan->on_extra_failure = [run_id, step_id](size_t, const std::optional<Item>&) {
    return AlreadyRecorded(run_id, step_id);
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

std::optional<Item> WorkflowStoreImpl::PlaceResult(const std::string& run_id,
                                                   const std::string& result,
                                                   std::optional<int64_t> ttl, ItemMutation* m) {
  EncodedPayload enc = EncodePayload(result, options_.compress_min_bytes);
  if (enc.bytes.size() <= options_.inline_input_max_bytes) {
    m->Set(attr::kResult, V::B(enc.bytes));
    if (!enc.encoding.empty()) m->Set(attr::kResultEncoding, V::S(enc.encoding));
    return std::nullopt;
  }
  Item extra{{attr::kRunId, V::S(run_id)}};
  if (!enc.encoding.empty()) extra[attr::kEncoding] = V::S(enc.encoding);
  PayloadItems r = SplitPayload(Pk(run_id), kResultSk, "RESULT", enc.bytes,
                                options_.payload_chunk_bytes, "", extra, std::nullopt);
  if (ttl) r.head[table::kTtl] = V::N(*ttl);
  m->Set(attr::kResultRef, V::S(r.ref.Encode()));
  return std::move(r.head);
}

Status WorkflowStoreImpl::BuildFinish(const Item& cur, const RunFinish& f, const PreparedStep* step,
                                      ItemMutation* m, WritePlan* plan) {
  const std::string run_id = GetSOr(cur, attr::kRunId);
  const int64_t now_ms = NowMs();
  const int64_t retention = GetNOr(cur, attr::kRetention, 0);
  std::optional<int64_t> ttl;
  if (retention > 0) ttl = (now_ms + 999) / 1000 + retention;  // finish time rounded up

  m->Set(attr::kStatus, V::S(std::string(RunStatusName(f.status))));
  m->Set(attr::kFinishedAt, V::N(now_ms));
  m->Remove(attr::kLeaseOwner);
  m->Remove(attr::kLeaseExpiresAt);
  if (!f.error.empty()) m->Set(attr::kError, V::S(f.error));
  if (ttl) {
    m->Set(table::kTtl, V::N(*ttl));
    // The run's other items must not expire before it (a run that lived past its margin).
    DYNAFLOW_RETURN_IF_ERROR(EnsureItemsOutlive(cur, *ttl, *ttl, m));
  }
  if (f.result) {
    if (std::optional<Item> head = PlaceResult(run_id, *f.result, ttl, m)) {
      plan->extra.push_back(table::PutOp{std::move(*head), std::nullopt});
    }
  }
  if (step) {
    AttributeMap final_step = FinalStepOf(step->step_item);
    if (step->inline_output && f.result && f.result == step->record.output &&
        FindAttribute(m->item(), attr::kResult) != nullptr) {
      // The output is the run's (inline) result: store the bytes once.
      final_step.erase(attr::kOutput);
      final_step.erase(attr::kOutputEncoding);
      final_step[attr::kOutputRef] = V::S(kOutputIsResult);
    }
    m->Set(attr::kFinalStep, V::M(std::move(final_step)));
  }
  return Status::OK();
}

namespace {
bool ChangesNothing(const RunChange& c) {
  return !c.status && !c.due_at && !c.cursor_step && !c.error && !c.release_lease && !c.waiting_for;
}
}  // namespace

Result<Run> WorkflowStoreImpl::WriteRunAsRun(const std::string& run_id, const Fence* fence,
                                             const Builder& build, const Item* known) {
  DYNAFLOW_ASSIGN_OR_RETURN(Item written, WriteRun(run_id, fence, build, known));
  return RunFromItem(written);
}

Result<Run> WorkflowStoreImpl::RecordStep(const Fence& fence, const StepRecord& step,
                                          const RunChange& change) {
  if (change.status && IsTerminal(*change.status)) {
    return Status::InvalidArgument(
        "RecordStep cannot set a terminal status; use "
        "RecordStepAndFinish");
  }
  DYNAFLOW_ASSIGN_OR_RETURN(PreparedStep p, PrepareStep(fence, step));
  if (ChangesNothing(change)) {
    if (p.step_item.empty()) return RunFromItem(p.run_item);  // recorded by an earlier try
    // The hot path: one conditional put of an item no index projects.
    table::WriteOptions wo;
    wo.condition = FreshStepSlot(GetNOr(p.run_item, attr::kCreatedAt, 0));
    std::optional<Item> stored;
    wo.old_item_on_condition_failure = &stored;
    Status s = table_->Put(p.step_item, wo);
    if (s.Is(StatusCode::kConditionFailed) && !RecordedUnder(stored, fence)) {
      return AlreadyRecorded(fence.run_id, step.step_id);
    }
    if (!s.Is(StatusCode::kConditionFailed)) DYNAFLOW_RETURN_IF_ERROR(s);
    return RunFromItem(p.run_item);
  }
  return WriteRunAsRun(
      fence.run_id, &fence,
      [&](const Item& cur, ItemMutation* m, WritePlan* plan) -> Status {
        DYNAFLOW_RETURN_IF_ERROR(StepNotRecorded(cur, fence.run_id, step.step_id));
        DYNAFLOW_RETURN_IF_ERROR(ApplyChange(cur, change, m));
        AddStep(p, plan);
        return Status::OK();
      },
      &p.run_item);
}

Result<Run> WorkflowStoreImpl::RecordStepAndFinish(const Fence& fence, const StepRecord& step,
                                                   const RunFinish& finish) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateFinish(finish));
  DYNAFLOW_ASSIGN_OR_RETURN(PreparedStep p, PrepareStep(fence, step));
  return WriteRunAsRun(
      fence.run_id, &fence,
      [&](const Item& cur, ItemMutation* m, WritePlan* plan) -> Status {
        DYNAFLOW_RETURN_IF_ERROR(StepNotRecorded(cur, fence.run_id, step.step_id));
        return BuildFinish(cur, finish, &p, m, plan);
      },
      &p.run_item);
}

Result<Run> WorkflowStoreImpl::UpdateRun(const Fence& fence, const RunChange& change) {
  return WriteRunAsRun(fence.run_id, &fence, [&](const Item& cur, ItemMutation* m, WritePlan*) {
    return ApplyChange(cur, change, m);
  });
}

Result<Run> WorkflowStoreImpl::FinishRun(const Fence& fence, const RunFinish& finish) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateFinish(finish));
  return WriteRunAsRun(fence.run_id, &fence,
                       [&](const Item& cur, ItemMutation* m, WritePlan* plan) {
                         return BuildFinish(cur, finish, nullptr, m, plan);
                       });
}

Result<Run> WorkflowStoreImpl::RequestCancel(const std::string& run_id) {
  // An operator action, typically from another process: start from the stored item.
  DYNAFLOW_ASSIGN_OR_RETURN(Item stored, ReadRun(run_id));
  return WriteRunAsRun(
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
      &stored);
}

}  // namespace dynaflow::store::internal
