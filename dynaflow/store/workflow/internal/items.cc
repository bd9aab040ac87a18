#include "dynaflow/store/workflow/internal/items.h"

#include <charconv>

#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/payload_encoding.h"

namespace dynaflow::store::internal {

using V = AttributeValue;

std::string PayloadRef::Encode() const {
  if (!present) return "-";
  std::string s = std::to_string(chunks);
  if (chunks > 0) s += ":" + tag;
  return s;
}

Result<PayloadRef> PayloadRef::Decode(std::string_view s) {
  PayloadRef ref;
  if (s == "-") return ref;
  ref.present = true;
  size_t colon = s.find(':');
  std::string_view n = s.substr(0, colon);
  auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), ref.chunks);
  if (ec != std::errc() || p != n.data() + n.size() || ref.chunks < 0) {
    return Status::Serialization("malformed payload reference '" + std::string(s) + "'");
  }
  if (colon != std::string_view::npos) ref.tag = std::string(s.substr(colon + 1));
  if ((ref.chunks > 0) != !ref.tag.empty()) {
    return Status::Serialization("malformed payload reference '" + std::string(s) + "'");
  }
  return ref;
}

void ItemMutation::Set(const std::string& name, AttributeValue v) {
  update_.Set(name, v);
  item_[name] = std::move(v);
}

void ItemMutation::Remove(const std::string& name) {
  auto it = item_.find(name);
  if (it == item_.end()) return;
  item_.erase(it);
  update_.Remove(name);
}

Result<std::string> GetS(const Item& item, std::string_view name) {
  const V* v = FindAttribute(item, name);
  if (v == nullptr || !v->is_s()) {
    return Status::Serialization("item lacks string attribute " + std::string(name));
  }
  return *v->AsS();
}

Result<int64_t> GetN(const Item& item, std::string_view name) {
  const V* v = FindAttribute(item, name);
  if (v == nullptr || !v->is_n()) {
    return Status::Serialization("item lacks number attribute " + std::string(name));
  }
  auto n = v->AsInt64();
  if (!n.ok()) return Status::Serialization("attribute " + std::string(name) + " is not an int64");
  return *n;
}

std::string GetSOr(const Item& item, std::string_view name, std::string fallback) {
  const V* v = FindAttribute(item, name);
  return v && v->is_s() ? *v->AsS() : fallback;
}

int64_t GetNOr(const Item& item, std::string_view name, int64_t fallback) {
  const V* v = FindAttribute(item, name);
  if (v == nullptr || !v->is_n()) return fallback;
  auto n = v->AsInt64();
  return n.ok() ? *n : fallback;
}

std::string GetBytes(const Item& item, std::string_view name) {
  const V* v = FindAttribute(item, name);
  return v && v->is_b() ? *v->AsB() : "";
}

AttributeValue Ms(TimePoint t) { return V::N(ToUnixMillis(t)); }
AttributeValue Bytes(std::string b) { return V::B(std::move(b)); }

Result<RunStatus> StatusOf(const Item& run_item) {
  DYNAFLOW_ASSIGN_OR_RETURN(std::string s, GetS(run_item, attr::kStatus));
  auto status = ParseRunStatus(s);
  if (!status.ok()) return Status::Serialization(status.status().message());
  return *status;
}

bool HasOwner(const Item& run_item) {
  return FindAttribute(run_item, attr::kLeaseOwner) != nullptr;
}

bool LeaseLive(const Item& run_item, int64_t now_ms) {
  return HasOwner(run_item) && GetNOr(run_item, attr::kLeaseExpiresAt, 0) > now_ms;
}

void NormalizeRunIndexKeys(std::string_view prefix, int shards, ItemMutation* run) {
  const Item& item = run->item();
  std::string run_id = GetSOr(item, attr::kRunId);
  auto status = StatusOf(item);
  if (!status.ok()) return;
  if ((*status == RunStatus::kRunning || *status == RunStatus::kCompensating) && HasOwner(item)) {
    const V* exp = FindAttribute(item, attr::kLeaseExpiresAt);
    const V* due = FindAttribute(item, attr::kDueAt);
    if (exp != nullptr && (due == nullptr || !(*due == *exp))) run->Set(attr::kDueAt, *exp);
  }
  int64_t t =
      IsTerminal(*status) ? GetNOr(item, attr::kFinishedAt, 0) : GetNOr(item, attr::kDueAt, 0);
  V pk = V::S(StatusGsiPk(prefix, *status, ShardOf(run_id, shards), shards));
  V sk = V::S(TimeSortKey(t, run_id));
  const V* old_pk = FindAttribute(item, table::kGsi2Pk);
  const V* old_sk = FindAttribute(item, table::kGsi2Sk);
  if (old_pk == nullptr || !(*old_pk == pk)) run->Set(table::kGsi2Pk, std::move(pk));
  if (old_sk == nullptr || !(*old_sk == sk)) run->Set(table::kGsi2Sk, std::move(sk));
}

Result<Run> RunFromItem(const Item& item) {
  Run run;
  DYNAFLOW_ASSIGN_OR_RETURN(run.run_id, GetS(item, attr::kRunId));
  DYNAFLOW_ASSIGN_OR_RETURN(run.workflow_id, GetS(item, attr::kWorkflowId));
  run.workflow_version = static_cast<int32_t>(GetNOr(item, attr::kWorkflowVersion, 1));
  DYNAFLOW_ASSIGN_OR_RETURN(run.status, StatusOf(item));
  run.business_key = GetSOr(item, attr::kBusinessKey);
  if (const V* tags = FindAttribute(item, attr::kTags); tags && tags->is_m()) {
    for (const auto& [k, v] : *tags->AsM()) {
      if (v.is_s()) run.tags[k] = *v.AsS();
    }
  }
  DYNAFLOW_ASSIGN_OR_RETURN(int64_t created, GetN(item, attr::kCreatedAt));
  run.created_at = FromUnixMillis(created);
  run.updated_at = FromUnixMillis(GetNOr(item, attr::kUpdatedAt, created));
  run.due_at = FromUnixMillis(GetNOr(item, attr::kDueAt, created));
  if (FindAttribute(item, attr::kDeadline)) {
    run.deadline = FromUnixMillis(GetNOr(item, attr::kDeadline, 0));
  }
  if (FindAttribute(item, attr::kFinishedAt)) {
    run.finished_at = FromUnixMillis(GetNOr(item, attr::kFinishedAt, 0));
  }
  run.lease.owner = GetSOr(item, attr::kLeaseOwner);
  if (!run.lease.owner.empty()) {
    run.lease.expires_at = FromUnixMillis(GetNOr(item, attr::kLeaseExpiresAt, 0));
  }
  run.lease.epoch = GetNOr(item, attr::kEpoch, 0);
  DYNAFLOW_ASSIGN_OR_RETURN(run.version, GetN(item, attr::kVersion));
  run.error = GetSOr(item, attr::kError);
  run.cursor_step = GetSOr(item, attr::kCursorStep);
  if (const V* r = FindAttribute(item, attr::kResult); r && r->is_b()) {
    DYNAFLOW_ASSIGN_OR_RETURN(run.result,
                              DecodePayload(*r->AsB(), GetSOr(item, attr::kResultEncoding),
                                            "result of run " + run.run_id));
  }
  run.retention_seconds = GetNOr(item, attr::kRetention, 0);
  if (const V* in = FindAttribute(item, attr::kInput); in && in->is_b()) {
    DYNAFLOW_ASSIGN_OR_RETURN(run.inline_input,
                              DecodePayload(*in->AsB(), GetSOr(item, attr::kInputEncoding),
                                            "input of run " + run.run_id));
  } else if (FindAttribute(item, attr::kInputRef) == nullptr) {
    run.inline_input = std::string();  // no input at all: known to be empty
  }
  if (const V* c = FindAttribute(item, attr::kCancelRequested); c && c->is_bool()) {
    run.cancel_requested = *c->AsBool();
  }
  run.waiting_for = GetSOr(item, attr::kWaitingFor);
  run.retried_by = GetSOr(item, attr::kRetriedBy);
  run.parent_run_id = GetSOr(item, attr::kParentRunId);
  run.parent_step = GetSOr(item, attr::kParentStep);
  return run;
}

Item StepItem(std::string_view prefix, std::string_view run_id, const StepExecution& step,
              int64_t run_created_ms) {
  Item item;
  item[table::kPk] = V::S(RunPk(prefix, run_id));
  item[table::kSk] = V::S(StepSk(step.step_id));
  item[attr::kType] = V::S("STEP");
  item[attr::kRunId] = V::S(std::string(run_id));
  item[attr::kStepId] = V::S(step.step_id);
  item[attr::kStatus] = V::S(std::string(StepStatusName(step.status)));
  item[attr::kAttempt] = V::N(static_cast<int64_t>(step.attempt));
  item[attr::kStartedAt] = Ms(step.started_at);
  item[attr::kFinishedAt] = Ms(step.finished_at);
  if (!step.error.empty()) item[attr::kError] = V::S(step.error);
  item[attr::kOutputBytes] = V::N(step.output_bytes);
  item[attr::kFenceEpoch] = V::N(step.fence_epoch);
  item[attr::kRunCreatedAt] = V::N(run_created_ms);
  if (!step.event_id.empty()) item[attr::kEventId] = V::S(step.event_id);
  if (step.position > 0) item[attr::kPosition] = V::N(step.position);
  if (!step.kind.empty()) item[attr::kCallKind] = V::S(step.kind);
  return item;
}

Result<StepExecution> StepFromItem(const Item& item) {
  StepExecution step;
  DYNAFLOW_ASSIGN_OR_RETURN(step.run_id, GetS(item, attr::kRunId));
  DYNAFLOW_ASSIGN_OR_RETURN(step.step_id, GetS(item, attr::kStepId));
  DYNAFLOW_ASSIGN_OR_RETURN(std::string status, GetS(item, attr::kStatus));
  auto parsed = ParseStepStatus(status);
  if (!parsed.ok()) return Status::Serialization(parsed.status().message());
  step.status = *parsed;
  step.attempt = static_cast<int32_t>(GetNOr(item, attr::kAttempt, 0));
  step.started_at = FromUnixMillis(GetNOr(item, attr::kStartedAt, 0));
  step.finished_at = FromUnixMillis(GetNOr(item, attr::kFinishedAt, 0));
  step.error = GetSOr(item, attr::kError);
  step.output_bytes = GetNOr(item, attr::kOutputBytes, 0);
  step.fence_epoch = GetNOr(item, attr::kFenceEpoch, 0);
  step.event_id = GetSOr(item, attr::kEventId);
  step.position = GetNOr(item, attr::kPosition, 0);
  step.kind = GetSOr(item, attr::kCallKind);
  return step;
}

Result<StateEntry> StateFromItem(const Item& item) {
  StateEntry e;
  DYNAFLOW_ASSIGN_OR_RETURN(e.key, GetS(item, attr::kKey));
  e.value = GetBytes(item, attr::kValue);
  DYNAFLOW_ASSIGN_OR_RETURN(e.version, GetN(item, attr::kVersion));
  return e;
}

table::Condition EqS(const char* name, const std::string& v) {
  return table::Condition::Eq(name, V::S(v));
}
table::Condition EqN(const char* name, int64_t v) { return table::Condition::Eq(name, V::N(v)); }

}  // namespace dynaflow::store::internal
