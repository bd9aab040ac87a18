// WorkflowStore::ImportRun: an archived finished run written back as it was.
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store::internal {

using table::Condition;
using V = AttributeValue;

namespace {

Status ValidateArchivedRun(const ArchivedRun& a) {
  const Run& r = a.details.run;
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", r.run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("workflow id", r.workflow_id, kMaxWorkflowIdBytes));
  if (!IsTerminal(r.status) || !r.finished_at) {
    return Status::InvalidArgument("run " + r.run_id + " is " +
                                   std::string(RunStatusName(r.status)) +
                                   ": only finished runs can be imported");
  }
  if (!r.business_key.empty()) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateName("business key", r.business_key, kMaxBusinessKeyBytes));
  }
  for (const StepExecution& s : a.details.steps) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("step id", s.step_id, kMaxStepIdBytes));
  }
  for (const StateEntry& s : a.details.state) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateName("state key", s.key, kMaxStateKeyBytes));
  }
  for (const Event& e : a.events) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("event name", e.name, kMaxEventNameBytes));
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("event id", e.event_id, kMaxEventIdBytes));
  }
  for (const ChildRun& c : a.details.children) {
    DYNAFLOW_RETURN_IF_ERROR(ValidateId("child run id", c.run_id, kMaxRunIdBytes));
  }
  return Status::OK();
}

}  // namespace

Status WorkflowStoreImpl::ImportRun(const ArchivedRun& a) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateArchivedRun(a));
  const Run& r = a.details.run;
  const std::string exists = "run " + r.run_id + " exists";
  if (auto known = GetRun(r.run_id); known.ok()) return Status::AlreadyExists(exists);

  // The run item, as CreateRun would write it at the run's creation, then as it finished.
  NewRun nr;
  nr.run_id = r.run_id;
  nr.workflow_id = r.workflow_id;
  nr.workflow_version = r.workflow_version;
  nr.business_key = r.business_key;
  nr.tags = r.tags;
  nr.input = a.details.input;
  nr.deadline = r.deadline;
  nr.retention = std::chrono::seconds(0);
  nr.parent_run_id = r.parent_run_id;
  nr.parent_step = r.parent_step;
  const int64_t created_ms = ToUnixMillis(r.created_at);
  const NewRunContext ctx{nr,         r.run_id,     Pk(r.run_id),
                          created_ms, std::nullopt, WriteIdFor(nullptr)};
  ItemMutation m = NewRunItem(ctx, created_ms);
  std::optional<PayloadItems> input = PlaceInput(ctx, &m);
  m.Set(attr::kStatus, V::S(std::string(RunStatusName(r.status))));
  m.Set(attr::kUpdatedAt, Ms(r.updated_at));
  m.Set(attr::kFinishedAt, Ms(*r.finished_at));
  m.Set(attr::kVersion, V::N(r.version));
  m.Set(attr::kEpoch, V::N(r.lease.epoch));
  if (!r.error.empty()) m.Set(attr::kError, V::S(r.error));
  if (!r.retried_by.empty()) m.Set(attr::kRetriedBy, V::S(r.retried_by));
  if (r.cancel_requested) m.Set(attr::kCancelRequested, V::Bool(true));
  std::vector<Item> items;
  if (a.result) {
    if (std::optional<Item> head = PlaceResult(r.run_id, *a.result, std::nullopt, &m)) {
      items.push_back(std::move(*head));
    }
  }
  NormalizeRunIndexKeys(options_.key_prefix, options_.gsi2_shards, &m);

  if (input) {
    items.insert(items.end(), input->chunks.begin(), input->chunks.end());
    items.push_back(std::move(input->head));
  }
  for (const StepExecution& s : a.details.steps) {
    Item step = StepItem(options_.key_prefix, r.run_id, s, created_ms);
    if (auto out = a.details.outputs.find(s.step_id); out != a.details.outputs.end()) {
      auto placed = PlaceOutput(r.run_id, s.step_id, out->second, std::nullopt, &step);
      DYNAFLOW_RETURN_IF_ERROR(placed.status());
    }
    items.push_back(std::move(step));
  }
  const int64_t finished_ms = ToUnixMillis(*r.finished_at);
  for (const StateEntry& s : a.details.state) items.push_back(StateItem(r.run_id, s, finished_ms));
  for (const Event& e : a.events) {
    items.push_back(EventItem(r.run_id, e.name, e.event_id, e.sent_at,
                              EncodePayload(e.payload, options_.compress_min_bytes)));
  }
  for (const ChildRun& c : a.details.children) {
    items.push_back(ChildLinkItem(r.run_id, c, created_ms));
  }
  for (const Item& item : items) DYNAFLOW_RETURN_IF_ERROR(table_->Put(item));

  table::WriteOptions wo;
  wo.condition = AbsentOrExpired();
  Status put = table_->Put(m.item(), wo);
  if (put.Is(StatusCode::kConditionFailed)) return Status::AlreadyExists(exists);
  DYNAFLOW_RETURN_IF_ERROR(put);
  if (!r.business_key.empty()) {
    table::WriteOptions free;
    free.condition = AbsentOrExpired();
    Status key = table_->Put(
        BusinessKeyItem(r.workflow_id, r.business_key, r.run_id, created_ms, ctx.write_id), free);
    if (!key.Is(StatusCode::kConditionFailed)) DYNAFLOW_RETURN_IF_ERROR(key);
  }
  return Status::OK();
}

}  // namespace dynaflow::store::internal
