// WorkflowStore: expiry of the run's other items (itemsTtl, re-stamping of long-lived runs).
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

using table::Condition;
using V = AttributeValue;

std::optional<int64_t> WorkflowStoreImpl::ItemsTtlFor(int64_t due_ms, int64_t retention_s) const {
  if (retention_s <= 0) return std::nullopt;
  return (due_ms + 999) / 1000 + retention_s + options_.item_ttl_margin.count();
}

std::optional<int64_t> WorkflowStoreImpl::ItemsTtlOf(const Item& run) {
  const V* v = FindAttribute(run, attr::kItemsTtl);
  if (v == nullptr || !v->is_n()) return std::nullopt;
  auto n = v->AsInt64();
  if (!n.ok()) return std::nullopt;
  return *n;
}

Condition WorkflowStoreImpl::FreshStepSlot(int64_t run_created_ms) const {
  return AbsentOrExpired() || (Condition::Exists(attr::kRunCreatedAt) &&
                               Condition::Ne(attr::kRunCreatedAt, V::N(run_created_ms)));
}

Status WorkflowStoreImpl::EnsureItemsOutlive(const Item& run, int64_t needed_s, int64_t new_ttl,
                                             ItemMutation* m) {
  const std::optional<int64_t> current = ItemsTtlOf(run);
  if (current && *current >= needed_s) return Status::OK();
  const std::string run_id = GetSOr(run, attr::kRunId);
  table::QueryRequest q;
  q.partition = Pk(run_id);
  q.consistent = true;
  table::Update stamp;
  stamp.Set(table::kTtl, V::N(new_ttl));
  table::WriteOptions only_existing;
  only_existing.condition = Condition::Exists(table::kPk);
  DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](const Item& item) -> Status {
    std::string sk = GetSOr(item, table::kSk);
    if (sk == RunSk(run_id)) return Status::OK();
    auto r = table_->Update({q.partition, sk}, stamp, only_existing);
    if (!r.ok() && !r.status().Is(StatusCode::kConditionFailed)) return r.status();
    return Status::OK();
  }));
  std::string bkey = GetSOr(run, attr::kBusinessKey);
  if (!bkey.empty()) {
    std::string bpk = BusinessKeyPk(options_.key_prefix, GetSOr(run, attr::kWorkflowId), bkey);
    table::WriteOptions ours;
    ours.condition = EqS(attr::kRunId, run_id);
    auto r = table_->Update({bpk, bpk}, stamp, ours);
    if (!r.ok() && !r.status().Is(StatusCode::kConditionFailed)) return r.status();
  }
  m->Set(attr::kItemsTtl, V::N(new_ttl));
  return Status::OK();
}

std::optional<WorkflowStoreImpl::ItemsTtlBounds> WorkflowStoreImpl::LiveItemsTtlBounds(
    const Item& run) const {
  const int64_t retention = GetNOr(run, attr::kRetention, 0);
  if (!ItemsTtlOf(run) || retention <= 0) return std::nullopt;  // nothing of this run expires
  const int64_t from_ms = std::max(NowMs(), GetNOr(run, attr::kDueAt, 0));
  const int64_t from_s = (from_ms + 999) / 1000;
  return ItemsTtlBounds{from_s + retention + options_.item_ttl_margin.count() / 2,
                        *ItemsTtlFor(from_ms, retention)};
}

Status WorkflowStoreImpl::KeepItemsAlive(const Item& next, ItemMutation* m) {
  auto status = StatusOf(next);
  if (!status.ok() || IsTerminal(*status)) return Status::OK();  // finishing stamps for itself
  const std::optional<ItemsTtlBounds> bounds = LiveItemsTtlBounds(next);
  if (!bounds) return Status::OK();
  return EnsureItemsOutlive(next, bounds->needed, bounds->raised, m);
}

Result<Run> WorkflowStoreImpl::KeepClaimedItemsAlive(const Item& written, Run claimed) {
  const std::optional<ItemsTtlBounds> bounds = LiveItemsTtlBounds(written);
  if (!bounds || *ItemsTtlOf(written) >= bounds->needed) return claimed;
  return UpdateRun(Fence{claimed.run_id, claimed.lease.owner, claimed.lease.epoch}, RunChange{});
}

}  // namespace dynaflow::store::internal
