// WorkflowStore: factory, shared helpers, run creation and leases.
#include "dynaflow/store/workflow/workflow_store.h"

#include "dynaflow/model/utf8.h"
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store {

using internal::ItemMutation;
using table::Condition;
using V = AttributeValue;
namespace attr = internal::attr;

StepExecution ExecutionOf(const std::string& run_id, const StepRecord& record) {
  StepExecution e;
  e.run_id = run_id;
  e.step_id = record.step_id;
  e.status = record.status;
  e.attempt = record.attempt;
  e.started_at = record.started_at;
  e.finished_at = record.finished_at;
  e.error = record.error;
  e.output_bytes = record.output ? static_cast<int64_t>(record.output->size()) : 0;
  e.event_id = record.event_id;
  e.position = record.position;
  e.kind = record.kind;
  return e;
}

Result<std::unique_ptr<WorkflowStore>> WorkflowStore::Create(std::shared_ptr<table::Table> table,
                                                             WorkflowStoreOptions options) {
  if (table == nullptr) return Status::InvalidArgument("WorkflowStore needs a table");
  for (auto [name, shards] : {std::pair{"gsi1_shards", options.gsi1_shards},
                              std::pair{"gsi2_shards", options.gsi2_shards}}) {
    if (shards < 1 || shards > internal::kMaxShards) {
      return Status::InvalidArgument(std::string(name) + " must be 1.." +
                                     std::to_string(internal::kMaxShards) + ", got " +
                                     std::to_string(shards));
    }
  }
  if (options.key_prefix.size() > internal::kMaxKeyPrefixBytes) {
    return Status::InvalidArgument("key_prefix is longer than 256 bytes");
  }
  if (size_t at = FindInvalidUtf8(options.key_prefix); at != std::string_view::npos) {
    return Status::InvalidArgument("key_prefix is not valid UTF-8 (byte " + std::to_string(at) +
                                   ")");
  }
  if (options.inline_input_max_bytes > 65536) {
    return Status::InvalidArgument("inline_input_max_bytes must be at most 65536");
  }
  if (options.payload_chunk_bytes < 1024 || options.payload_chunk_bytes > 380 * 1024) {
    return Status::InvalidArgument("payload_chunk_bytes must be 1024..389120");
  }
  if (options.inline_output_max_bytes > 380 * 1024) {
    return Status::InvalidArgument("inline_output_max_bytes must be at most 389120");
  }
  if (options.item_ttl_margin < std::chrono::hours(1)) {
    return Status::InvalidArgument("item_ttl_margin must be at least one hour");
  }
  return std::unique_ptr<WorkflowStore>(
      new internal::WorkflowStoreImpl(std::move(table), std::move(options)));
}

namespace internal {

WorkflowStoreImpl::WorkflowStoreImpl(std::shared_ptr<table::Table> table,
                                     WorkflowStoreOptions options)
    : table_(std::move(table)),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : Clock::Real()),
      random_(options_.random ? options_.random : Random::Real()),
      cache_(options_.run_cache_capacity),
      cursors_(options_.cursor_secret),
      write_ids_(Random::Real()->Next64()) {}

std::string WorkflowStoreImpl::WriteIdFor(const Fence* fence) {
  if (fence != nullptr && !fence->write_id.empty()) return fence->write_id;
  return write_ids_.Next();
}

bool WorkflowStoreImpl::WrittenBy(const std::optional<Item>& stored, const std::string& write_id) {
  return stored && !write_id.empty() && GetSOr(*stored, attr::kWriteId) == write_id;
}

TimePoint WorkflowStoreImpl::Now() const {
  // Millisecond precision everywhere.
  return FromUnixMillis(ToUnixMillis(clock_->Now()));
}

int64_t WorkflowStoreImpl::NowSeconds() const { return ToUnixSeconds(Now()); }

std::string WorkflowStoreImpl::Pk(const std::string& run_id) const {
  return RunPk(options_.key_prefix, run_id);
}

table::Key WorkflowStoreImpl::RunKey(const std::string& run_id) const {
  return {Pk(run_id), RunSk(run_id)};
}

Result<Item> WorkflowStoreImpl::ReadRun(const std::string& run_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  auto item = table_->Get(RunKey(run_id));
  if (!item.ok()) {
    if (item.status().Is(StatusCode::kNotFound)) {
      cache_.Erase(run_id);
      return Status::NotFound("run " + run_id + " not found");
    }
    return item.status();
  }
  cache_.Replace(run_id, *item);
  return std::move(item).value();
}

Result<Item> WorkflowStoreImpl::KnownRun(const std::string& run_id) {
  if (auto cached = cache_.Get(run_id)) return std::move(*cached);
  return ReadRun(run_id);
}

void WorkflowStoreImpl::Remember(const Item& run_item) {
  std::string id = GetSOr(run_item, attr::kRunId);
  if (id.empty()) return;
  auto status = StatusOf(run_item);
  if (status.ok() && IsTerminal(*status)) {
    cache_.Erase(id);  // nobody writes a finished run: free the slot
    return;
  }
  cache_.Put(id, run_item);
}

Status WorkflowStoreImpl::ForEachQueried(table::QueryRequest q,
                                         const std::function<Status(Item&)>& visit) {
  q.limit = 1000;
  for (;;) {
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    for (Item& item : page.items) DYNAFLOW_RETURN_IF_ERROR(visit(item));
    if (page.next_cursor.empty()) return Status::OK();
    q.cursor = std::move(page.next_cursor);
  }
}

table::QueryRequest WorkflowStoreImpl::RunItemsQuery(const std::string& run_id,
                                                     std::string sk_prefix) const {
  table::QueryRequest q;
  q.partition = Pk(run_id);
  q.sort = table::SortKeyCondition::BeginsWith(std::move(sk_prefix));
  q.consistent = true;
  return q;
}

Condition WorkflowStoreImpl::AbsentOrExpired() const {
  return Condition::NotExists(table::kPk) || Condition::Le(table::kTtl, V::N(NowSeconds()));
}

void WorkflowStoreImpl::Backoff(int attempt) {
  // Full jitter over 5 ms x 2^attempt, capped at 320 ms.
  int64_t cap_us = 5000LL << std::min(attempt, 6);
  auto us = static_cast<int64_t>(random_->Uniform01() * static_cast<double>(cap_us));
  clock_->SleepFor(std::chrono::microseconds(us + 1));
}

namespace {
constexpr int kMaxConflictAttempts = 8;

Status ValidateTags(const std::map<std::string, std::string>& tags) {
  for (const auto& [k, v] : tags) {
    if (k.empty()) return Status::InvalidArgument("a tag name is empty");
    if (size_t at = FindInvalidUtf8(k); at != std::string_view::npos) {
      return Status::InvalidArgument("tag name \"" + SanitizeUtf8(k) +
                                     "\" is not valid UTF-8 (byte " + std::to_string(at) + ")");
    }
    if (size_t at = FindInvalidUtf8(v); at != std::string_view::npos) {
      return Status::InvalidArgument("value of tag \"" + k + "\" is not valid UTF-8 (byte " +
                                     std::to_string(at) + ")");
    }
  }
  return Status::OK();
}

Status ValidateNewRun(const NewRun& nr) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("workflow id", nr.workflow_id, kMaxWorkflowIdBytes));
  if (!nr.run_id.empty()) DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", nr.run_id, kMaxRunIdBytes));
  if (!nr.business_key.empty()) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateName("business key", nr.business_key, kMaxBusinessKeyBytes));
  }
  if (nr.owner) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateName("owner", *nr.owner, kMaxOwnerBytes));
    if (nr.lease_duration.count() <= 0) {
      return Status::InvalidArgument("lease_duration must be positive");
    }
  }
  if (nr.retention.count() < 0) return Status::InvalidArgument("retention is negative");
  if (!nr.retry_of.empty())
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("retry_of", nr.retry_of, kMaxRunIdBytes));
  if (nr.fork && nr.retry_of.empty()) return Status::InvalidArgument("fork needs retry_of");
  if (!nr.parent_run_id.empty()) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("parent run id", nr.parent_run_id, kMaxRunIdBytes));
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("parent step", nr.parent_step, kMaxStepIdBytes));
    if (nr.run_id.empty()) return Status::InvalidArgument("a child run needs a run id");
  }
  return ValidateTags(nr.tags);
}

}  // namespace

Result<Run> WorkflowStoreImpl::CreateRun(const NewRun& nr, std::string* existing_run_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateNewRun(nr));
  const TimePoint now = Now();
  const int64_t now_ms = ToUnixMillis(now);
  const std::string run_id = nr.run_id.empty() ? NewRunId(now, *random_) : nr.run_id;
  const int64_t due_ms = nr.start_at ? ToUnixMillis(*nr.start_at) : now_ms;
  const NewRunContext run{nr,
                          run_id,
                          Pk(run_id),
                          now_ms,
                          ItemsTtlFor(due_ms, nr.retention.count()),
                          WriteIdFor(nullptr)};

  ItemMutation m = NewRunItem(run, due_ms);
  std::optional<PayloadItems> input = PlaceInput(run, &m);
  NormalizeRunIndexKeys(options_.key_prefix, options_.gsi2_shards, &m);
  const Item run_item = m.item();

  std::vector<table::WriteOp> ops;
  ops.push_back(table::PutOp{run_item, AbsentOrExpired()});
  AddRunCompanions(run, &ops);
  const size_t with_begin = ops.size();
  ops.insert(ops.end(), nr.with.begin(), nr.with.end());
  if (input) {
    for (const Item& chunk : input->chunks) DYNAFLOW_RETURN_IF_ERROR(table_->Put(chunk));
    ops.push_back(table::PutOp{input->head, AbsentOrExpired()});
  }
  DYNAFLOW_RETURN_IF_ERROR(WriteNewRun(run, with_begin, &ops, existing_run_id));
  Remember(run_item);
  return RunFromItem(run_item);
}

ItemMutation WorkflowStoreImpl::NewRunItem(const NewRunContext& run, int64_t due_ms) const {
  const NewRun& nr = run.request;
  ItemMutation m{Item{}};
  m.Set(table::kPk, V::S(run.pk));
  m.Set(table::kSk, V::S(RunSk(run.run_id)));
  m.Set(attr::kType, V::S("RUN"));
  m.Set(attr::kRunId, V::S(run.run_id));
  m.Set(attr::kWorkflowId, V::S(nr.workflow_id));
  m.Set(attr::kWorkflowVersion, V::N(static_cast<int64_t>(nr.workflow_version)));
  m.Set(table::kGsi1Pk,
        V::S(WorkflowGsiPk(options_.key_prefix, nr.workflow_id,
                           ShardOf(run.run_id, options_.gsi1_shards), options_.gsi1_shards)));
  m.Set(table::kGsi1Sk, V::S(TimeSortKey(run.now_ms, run.run_id)));
  m.Set(attr::kCreatedAt, V::N(run.now_ms));
  m.Set(attr::kUpdatedAt, V::N(run.now_ms));
  m.Set(attr::kDueAt, V::N(due_ms));
  if (run.items_ttl) m.Set(attr::kItemsTtl, V::N(*run.items_ttl));
  m.Set(attr::kVersion, V::N(1));
  m.Set(attr::kWriteId, V::S(run.write_id));
  m.Set(attr::kRetention, V::N(static_cast<int64_t>(nr.retention.count())));
  if (!nr.business_key.empty()) m.Set(attr::kBusinessKey, V::S(nr.business_key));
  if (!nr.tags.empty()) {
    AttributeMap tags;
    for (const auto& [k, v] : nr.tags) tags[k] = V::S(v);
    m.Set(attr::kTags, V::M(std::move(tags)));
  }
  if (nr.deadline) m.Set(attr::kDeadline, Ms(*nr.deadline));
  if (!nr.parent_run_id.empty()) {
    m.Set(attr::kParentRunId, V::S(nr.parent_run_id));
    m.Set(attr::kParentStep, V::S(nr.parent_step));
  }
  if (nr.owner) {
    m.Set(attr::kStatus, V::S("RUNNING"));
    m.Set(attr::kLeaseOwner, V::S(*nr.owner));
    m.Set(attr::kLeaseExpiresAt, V::N(run.now_ms + nr.lease_duration.count()));
    m.Set(attr::kEpoch, V::N(1));
  } else {
    m.Set(attr::kStatus, V::S("PENDING"));
    m.Set(attr::kEpoch, V::N(0));
  }
  return m;
}

std::optional<PayloadItems> WorkflowStoreImpl::PlaceInput(const NewRunContext& run,
                                                          ItemMutation* m) {
  if (run.request.input.empty()) return std::nullopt;
  EncodedPayload enc = EncodePayload(run.request.input, options_.compress_min_bytes);
  if (enc.bytes.size() <= options_.inline_input_max_bytes) {
    m->Set(attr::kInput, V::B(std::move(enc.bytes)));
    if (!enc.encoding.empty()) m->Set(attr::kInputEncoding, V::S(enc.encoding));
    return std::nullopt;
  }
  Item extra{{attr::kRunId, V::S(run.run_id)}};
  if (!enc.encoding.empty()) extra[attr::kEncoding] = V::S(enc.encoding);
  if (run.items_ttl) extra[table::kTtl] = V::N(*run.items_ttl);
  PayloadItems input =
      SplitPayload(run.pk, kInputSk, "INPUT", enc.bytes, options_.payload_chunk_bytes,
                   NewChunkTag(*random_), extra, run.items_ttl);
  m->Set(attr::kInputRef, V::S(input.ref.Encode()));
  return input;
}

Item WorkflowStoreImpl::BusinessKeyItem(const std::string& workflow_id,
                                        const std::string& business_key, const std::string& run_id,
                                        int64_t created_ms, const std::string& write_id) const {
  std::string bk = BusinessKeyPk(options_.key_prefix, workflow_id, business_key);
  return Item{{table::kPk, V::S(bk)},
              {table::kSk, V::S(bk)},
              {attr::kType, V::S("BKEY")},
              {attr::kRunId, V::S(run_id)},
              {attr::kWorkflowId, V::S(workflow_id)},
              {attr::kBusinessKey, V::S(business_key)},
              {attr::kCreatedAt, V::N(created_ms)},
              {attr::kWriteId, V::S(write_id)}};
}

Item WorkflowStoreImpl::ChildLinkItem(const std::string& parent_run_id, const ChildRun& child,
                                      int64_t created_ms) const {
  Item link{{table::kPk, V::S(Pk(parent_run_id))},
            {table::kSk, V::S(ChildSk(parent_run_id, child.run_id))},
            {attr::kType, V::S("LINK")},
            {attr::kChildRunId, V::S(child.run_id)},
            {attr::kWorkflowId, V::S(child.workflow_id)},
            {attr::kCreatedAt, V::N(created_ms)}};
  if (!child.step.empty()) link[attr::kParentStep] = V::S(child.step);
  return link;
}

void WorkflowStoreImpl::AddRunCompanions(const NewRunContext& run,
                                         std::vector<table::WriteOp>* ops) const {
  const NewRun& nr = run.request;
  auto with_ttl = [&](Item item) {
    if (run.items_ttl) item[table::kTtl] = V::N(*run.items_ttl);
    return item;
  };
  if (!nr.business_key.empty()) {
    Condition key_free = AbsentOrExpired();
    if (!nr.retry_of.empty() && !nr.fork) key_free = key_free || EqS(attr::kRunId, nr.retry_of);
    ops->push_back(table::PutOp{with_ttl(BusinessKeyItem(nr.workflow_id, nr.business_key,
                                                         run.run_id, run.now_ms, run.write_id)),
                                std::move(key_free)});
  }
  if (!nr.parent_run_id.empty()) {
    ChildRun child{run.run_id, nr.parent_step, nr.workflow_id};
    ops->push_back(
        table::PutOp{with_ttl(ChildLinkItem(nr.parent_run_id, child, run.now_ms)), std::nullopt});
  }
  for (const Item& link : nr.links) ops->push_back(table::PutOp{with_ttl(link), std::nullopt});
  if (!nr.retry_of.empty()) ops->push_back(RetryOfOp(run));  // last (see WriteNewRun)
}

table::WriteOp WorkflowStoreImpl::RetryOfOp(const NewRunContext& run) const {
  const NewRun& nr = run.request;
  if (nr.fork) return table::ConditionCheckOp{RunKey(nr.retry_of), EqS(attr::kStatus, "FAILED")};
  table::Update u;
  u.Set(attr::kRetriedBy, V::S(run.run_id));
  u.Set(attr::kUpdatedAt, V::N(run.now_ms));
  u.Set(attr::kWriteId, V::S(run.write_id));
  u.Add(attr::kVersion, 1);
  return table::UpdateOp{RunKey(nr.retry_of), std::move(u),
                         EqS(attr::kStatus, "FAILED") && Condition::NotExists(attr::kRetriedBy)};
}

Status WorkflowStoreImpl::RetryRefusal(const NewRun& nr, const std::optional<Item>& original,
                                       std::string* existing_run_id) {
  if (!original) return Status::NotFound("run " + nr.retry_of + " not found");
  const std::string retry = GetSOr(*original, attr::kRetriedBy);
  if (!retry.empty() && !nr.fork) {
    if (existing_run_id) *existing_run_id = retry;
    return Status::AlreadyExists("run " + nr.retry_of + " was retried already by run " + retry);
  }
  DYNAFLOW_ASSIGN_OR_RETURN(RunStatus st, StatusOf(*original));
  return Status::ConditionFailed("run " + nr.retry_of + " is " + std::string(RunStatusName(st)) +
                                 "; only FAILED runs can be retried");
}

Status WorkflowStoreImpl::WriteNewRunOnce(const std::vector<table::WriteOp>& ops,
                                          table::TransactionFailure* failure) {
  if (ops.size() > 1) return table_->TransactWrite(ops, failure);
  const auto& put = std::get<table::PutOp>(ops[0]);
  table::WriteOptions wo;
  wo.condition = put.condition;
  wo.old_item_on_condition_failure = &failure->old_item;
  failure->failed_index = 0;
  return table_->Put(put.item, wo);
}

std::string WorkflowStoreImpl::BusinessKeyHolder(const NewRun& nr,
                                                 const table::TransactionFailure& failure) {
  std::string holder = failure.old_item ? GetSOr(*failure.old_item, attr::kRunId) : "";
  if (holder.empty()) {
    const std::string bk = BusinessKeyPk(options_.key_prefix, nr.workflow_id, nr.business_key);
    auto b = table_->Get(table::Key{bk, bk});
    if (b.ok()) holder = GetSOr(*b, attr::kRunId);
  }
  return holder;
}

bool WorkflowStoreImpl::CommittedBefore(const NewRunContext& run,
                                        const table::TransactionFailure& failure) {
  if (failure.failed_index == 0) return WrittenBy(failure.old_item, run.write_id);
  if (failure.failed_index == 1 && !run.request.business_key.empty() && failure.old_item &&
      GetSOr(*failure.old_item, attr::kRunId) != run.run_id) {
    return false;  // the key is another run's
  }
  auto stored = table_->Get(RunKey(run.run_id));
  return stored.ok() && WrittenBy(std::move(stored).value(), run.write_id);
}

Status WorkflowStoreImpl::WriteNewRun(const NewRunContext& run, size_t with_begin,
                                      std::vector<table::WriteOp>* ops,
                                      std::string* existing_run_id) {
  const NewRun& nr = run.request;
  bool took_over_key = false;
  for (int attempt = 0;; ++attempt) {
    table::TransactionFailure failure;
    Status s = WriteNewRunOnce(*ops, &failure);
    if (s.ok()) return s;
    if (s.Is(StatusCode::kTransactionCanceled) && attempt + 1 < kMaxConflictAttempts) {
      Backoff(attempt);
      continue;
    }
    if (!s.Is(StatusCode::kConditionFailed)) return s;
    if (CommittedBefore(run, failure)) return Status::OK();
    const auto failed = static_cast<size_t>(failure.failed_index);
    if (!nr.retry_of.empty() && failure.failed_index > 0 && failed + 1 == with_begin) {
      return RetryRefusal(nr, failure.old_item, existing_run_id);
    }
    if (failure.failed_index > 0 && failed >= with_begin && failed < with_begin + nr.with.size()) {
      return Status::ConditionFailed("run " + run.run_id + " not created: write " +
                                     std::to_string(failed - with_begin) +
                                     " of those made with it failed its condition");
    }
    if (failure.failed_index == 1 && !nr.business_key.empty()) {
      std::string holder = BusinessKeyHolder(nr, failure);
      // The key item outlives its run by up to item_ttl_margin: once the run that held it is
      // gone (expired), the key is free. Take it over, conditional on it still naming that run.
      if (!holder.empty() && !took_over_key &&
          table_->Get(RunKey(holder)).status().Is(StatusCode::kNotFound)) {
        std::get<table::PutOp>((*ops)[1]).condition = EqS(attr::kRunId, holder);
        took_over_key = true;
        continue;
      }
      if (existing_run_id) *existing_run_id = holder;
      return Status::AlreadyExists("business key '" + nr.business_key + "' of workflow " +
                                   nr.workflow_id + " is held by run " + holder);
    }
    if (existing_run_id) *existing_run_id = run.run_id;
    return Status::AlreadyExists("run " + run.run_id + " already exists");
  }
}

namespace {

// The claim's write: `target` status, the lease to `owner` until `expires_ms`, the run due (in
// GSI2) when the lease runs out, a new epoch (fencing older holders) and version.
table::Update ClaimUpdate(const std::string& run_id, const std::string& owner, RunStatus target,
                          int64_t now_ms, int64_t expires_ms, const std::string& gsi2_pk,
                          const std::string& write_id) {
  table::Update u;
  u.Set(attr::kWriteId, V::S(write_id));
  u.Set(attr::kStatus, V::S(std::string(RunStatusName(target))));
  u.Set(attr::kLeaseOwner, V::S(owner));
  u.Set(attr::kLeaseExpiresAt, V::N(expires_ms));
  u.Set(attr::kDueAt, V::N(expires_ms));
  u.Set(table::kGsi2Pk, V::S(gsi2_pk));
  u.Set(table::kGsi2Sk, V::S(TimeSortKey(expires_ms, run_id)));
  u.Set(attr::kUpdatedAt, V::N(now_ms));
  u.Add(attr::kEpoch, 1);
  u.Add(attr::kVersion, 1);
  u.Remove(attr::kWaitingFor);
  return u;
}

// The claim's condition: the run exists in a claimable status (COMPENSATING when
// `compensating`, else PENDING, SLEEPING or RUNNING), its lease is free, `owner`'s or expired at
// `now_ms`, and (when expected_version >= 0) it is at that version.
Condition ClaimCondition(bool compensating, const std::string& owner, int64_t now_ms,
                         int64_t expected_version) {
  Condition status_ok = compensating
                            ? EqS(attr::kStatus, "COMPENSATING")
                            : EqS(attr::kStatus, "PENDING") || EqS(attr::kStatus, "SLEEPING") ||
                                  EqS(attr::kStatus, "RUNNING");
  Condition cond = Condition::Exists(table::kPk) && status_ok &&
                   (Condition::NotExists(attr::kLeaseOwner) || EqS(attr::kLeaseOwner, owner) ||
                    Condition::Le(attr::kLeaseExpiresAt, V::N(now_ms)));
  if (expected_version >= 0) cond = cond && EqN(attr::kVersion, expected_version);
  return cond;
}

// Why a claim whose condition failed on run item `old` (in status `st`) cannot succeed:
// ConditionFailed naming the reason, or OK when a retry may (the status hint was wrong, or the
// run moved between read and write).
Status ClaimRefusal(const std::string& run_id, const Item& old, RunStatus st,
                    const std::string& owner, int64_t expected_version, int64_t now_ms) {
  if (IsTerminal(st)) {
    return Status::ConditionFailed("run " + run_id + " is " + std::string(RunStatusName(st)));
  }
  const int64_t version = GetNOr(old, attr::kVersion, -1);
  if (expected_version >= 0 && version != expected_version) {
    return Status::ConditionFailed("run " + run_id + " is at version " + std::to_string(version) +
                                   ", expected " + std::to_string(expected_version));
  }
  if (LeaseLive(old, now_ms) && GetSOr(old, attr::kLeaseOwner) != owner) {
    return Status::ConditionFailed("run " + run_id + " is leased by " +
                                   GetSOr(old, attr::kLeaseOwner) + " until " +
                                   std::to_string(GetNOr(old, attr::kLeaseExpiresAt, 0)));
  }
  return Status::OK();
}

}  // namespace

Result<Run> WorkflowStoreImpl::ClaimRun(const std::string& run_id, const std::string& owner,
                                        std::chrono::milliseconds lease, int64_t expected_version) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("owner", owner, kMaxOwnerBytes));
  if (lease.count() <= 0) return Status::InvalidArgument("lease must be positive");
  // Which status the run keeps: a hint from the cache; a wrong hint costs one retry.
  bool compensating = false;
  if (auto cached = cache_.Get(run_id)) {
    auto st = StatusOf(*cached);
    compensating = st.ok() && *st == RunStatus::kCompensating;
  }
  const int shard = ShardOf(run_id, options_.gsi2_shards);
  const std::string write_id = WriteIdFor(nullptr);
  for (int attempt = 0; attempt < kMaxConflictAttempts; ++attempt) {
    const int64_t now_ms = NowMs();
    const int64_t expires_ms = now_ms + lease.count();
    const RunStatus target = compensating ? RunStatus::kCompensating : RunStatus::kRunning;
    std::optional<Item> old;
    table::WriteOptions wo;
    wo.condition = ClaimCondition(compensating, owner, now_ms, expected_version);
    wo.old_item_on_condition_failure = &old;
    auto written = table_->Update(
        RunKey(run_id),
        ClaimUpdate(run_id, owner, target, now_ms, expires_ms,
                    StatusGsiPk(options_.key_prefix, target, shard, options_.gsi2_shards),
                    write_id),
        wo);
    if (!written.ok() && WrittenBy(old, write_id)) written = std::move(*old);  // answer lost
    if (written.ok()) {
      Remember(*written);
      DYNAFLOW_ASSIGN_OR_RETURN(Run claimed, RunFromItem(*written));
      return KeepClaimedItemsAlive(*written, std::move(claimed));
    }
    if (!written.status().Is(StatusCode::kConditionFailed)) return written.status();
    if (!old) {
      cache_.Erase(run_id);
      return Status::NotFound("run " + run_id + " not found");
    }
    cache_.Replace(run_id, *old);
    DYNAFLOW_ASSIGN_OR_RETURN(RunStatus st, StatusOf(*old));
    DYNAFLOW_RETURN_IF_ERROR(ClaimRefusal(run_id, *old, st, owner, expected_version, NowMs()));
    compensating = st == RunStatus::kCompensating;  // the hint was wrong, or things moved
  }
  return Status::ConditionFailed("run " + run_id + " kept changing during the claim");
}

Result<Run> WorkflowStoreImpl::ExtendLease(const Fence& fence, std::chrono::milliseconds lease) {
  if (lease.count() <= 0) return Status::InvalidArgument("lease must be positive");
  DYNAFLOW_ASSIGN_OR_RETURN(
      Item written, WriteRun(fence.run_id, &fence, [&](const Item&, ItemMutation* m, WritePlan*) {
        m->Set(attr::kLeaseExpiresAt, V::N(NowMs() + lease.count()));
        return Status::OK();
      }));
  return RunFromItem(written);
}

Status WorkflowStoreImpl::ReleaseRun(const Fence& fence, const RunChange& change) {
  RunChange c = change;
  c.release_lease = true;
  return WriteRun(fence.run_id, &fence,
                  [&](const Item& cur, ItemMutation* m, WritePlan*) {
                    if (!c.status) {
                      auto st = StatusOf(cur);
                      if (st.ok() && *st == RunStatus::kRunning) c.status = RunStatus::kPending;
                    }
                    return ApplyChange(cur, c, m);
                  })
      .status();
}

}  // namespace internal
}  // namespace dynaflow::store
