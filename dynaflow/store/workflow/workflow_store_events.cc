// WorkflowStore: events sent to runs, wake-ups of waiting runs, child links.
#include "dynaflow/model/utf8.h"
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/store_impl.h"

namespace dynaflow::store {

std::string EventWaitKey(const std::string& event_name) { return "EVENT#" + event_name; }
std::string ChildWaitKey(const std::string& child_run_id) { return "CHILD#" + child_run_id; }

namespace internal {

using table::Condition;
using V = AttributeValue;

namespace {
constexpr int kMaxSendAttempts = 8;
// A run's itemsTtl is its due time + retention + item_ttl_margin; for a run that is alive now
// with the default retention (7 days) it is at most now + margin + 7 days, so an event written
// with that ttl outlives the run's other items (the usual case needs no read of the run).
constexpr int64_t kDefaultRetentionSeconds = 7 * 24 * 3600;

Condition NotFinished() {
  return Condition::Exists(table::kPk) &&
         (EqS(attr::kStatus, "PENDING") || EqS(attr::kStatus, "RUNNING") ||
          EqS(attr::kStatus, "SLEEPING") || EqS(attr::kStatus, "COMPENSATING"));
}
}  // namespace

Item WorkflowStoreImpl::EventItem(const std::string& run_id, const std::string& name,
                                  const std::string& event_id, TimePoint sent_at,
                                  EncodedPayload payload) const {
  Item ev{{table::kPk, V::S(Pk(run_id))}, {table::kSk, V::S(EventSk(name, event_id))},
          {attr::kType, V::S("EVENT")},   {attr::kRunId, V::S(run_id)},
          {attr::kEventName, V::S(name)}, {attr::kEventId, V::S(event_id)},
          {attr::kSentAt, Ms(sent_at)}};
  if (!payload.bytes.empty()) ev[attr::kData] = V::B(std::move(payload.bytes));
  if (!payload.encoding.empty()) ev[attr::kEncoding] = V::S(payload.encoding);
  return ev;
}

Result<SentEvent> WorkflowStoreImpl::SendEvent(const NewEvent& e) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", e.run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("event name", e.name, kMaxEventNameBytes));
  SentEvent sent;
  const TimePoint now = Now();
  sent.event_id = e.event_id.empty() ? NewRunId(now, *random_) : e.event_id;
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("event id", sent.event_id, kMaxEventIdBytes));
  EncodedPayload enc = EncodePayload(e.payload, options_.compress_min_bytes);
  if (enc.bytes.size() > options_.payload_chunk_bytes) {
    return Status::LimitExceeded("event payload is " + std::to_string(enc.bytes.size()) +
                                 " bytes stored; the limit is " +
                                 std::to_string(options_.payload_chunk_bytes));
  }
  Item ev = EventItem(e.run_id, e.name, sent.event_id, now, std::move(enc));
  const std::string write_id = WriteIdFor(nullptr);
  ev[attr::kWriteId] = V::S(write_id);

  // The event's ttl: the run's itemsTtl (see the header). nullopt: the run is kept forever.
  std::optional<int64_t> ttl;
  if (auto known = cache_.Get(e.run_id)) {
    ttl = ItemsTtlOf(*known);
  } else {
    ttl = NowSeconds() + static_cast<int64_t>(options_.item_ttl_margin.count()) +
          kDefaultRetentionSeconds;
  }
  bool learnt_ttl = false;
  for (int attempt = 0;; ++attempt) {
    Condition run_ok = NotFinished();
    if (ttl) {
      ev[table::kTtl] = V::N(*ttl);
      run_ok = run_ok && Condition::Le(attr::kItemsTtl, V::N(*ttl));
    } else {
      ev.erase(table::kTtl);
      run_ok = run_ok && Condition::NotExists(attr::kItemsTtl);
    }
    std::vector<table::WriteOp> ops;
    ops.push_back(table::ConditionCheckOp{RunKey(e.run_id), run_ok});
    ops.push_back(table::PutOp{ev, AbsentOrExpired()});
    table::TransactionFailure failure;
    Status s = table_->TransactWrite(ops, &failure);
    if (s.ok()) break;
    if (s.Is(StatusCode::kTransactionCanceled) && attempt + 1 < kMaxSendAttempts) {
      Backoff(attempt);
      continue;
    }
    if (!s.Is(StatusCode::kConditionFailed)) return s;
    if (failure.failed_index == 1) {
      // The event exists: sent before, or by an earlier try of this send whose answer was lost.
      sent.duplicate = !WrittenBy(failure.old_item, write_id);
      break;
    }
    if (!failure.old_item) {
      // DynamoDB returns no item for a check that failed on an absent item.
      auto stored = table_->Get(RunKey(e.run_id));
      if (stored.status().Is(StatusCode::kNotFound)) {
        return Status::NotFound("run " + e.run_id + " not found");
      }
      DYNAFLOW_RETURN_IF_ERROR(stored.status());
      failure.old_item = std::move(stored).value();
    }
    DYNAFLOW_ASSIGN_OR_RETURN(RunStatus st, StatusOf(*failure.old_item));
    if (IsTerminal(st)) {
      return Status::ConditionFailed("run " + e.run_id + " is " + std::string(RunStatusName(st)) +
                                     ": it takes no more events");
    }
    std::optional<int64_t> actual = ItemsTtlOf(*failure.old_item);
    if (learnt_ttl && actual == ttl) {
      return Status::TransactionCanceled("run " + e.run_id + " kept changing while sending");
    }
    ttl = actual;  // the run's own itemsTtl (a longer retention, or kept forever)
    learnt_ttl = true;
  }
  DYNAFLOW_ASSIGN_OR_RETURN(sent.woke, WakeRun(e.run_id, EventWaitKey(e.name)));
  return sent;
}

Result<std::vector<Event>> WorkflowStoreImpl::ListEvents(const std::string& run_id,
                                                         const std::string& name) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("event name", name, kMaxEventNameBytes));
  const table::QueryRequest q = RunItemsQuery(run_id, EventSkPrefix(name));
  std::vector<Event> out;
  DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](const Item& item) -> Status {
    Event ev;
    ev.name = name;
    DYNAFLOW_ASSIGN_OR_RETURN(ev.event_id, GetS(item, attr::kEventId));
    ev.sent_at = FromUnixMillis(GetNOr(item, attr::kSentAt, 0));
    DYNAFLOW_ASSIGN_OR_RETURN(
        ev.payload, DecodePayload(GetBytes(item, attr::kData), GetSOr(item, attr::kEncoding),
                                  "event " + ev.event_id + " of run " + run_id));
    out.push_back(std::move(ev));
    return Status::OK();
  }));
  std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
    return a.sent_at != b.sent_at ? a.sent_at < b.sent_at : a.event_id < b.event_id;
  });
  return out;
}

Result<bool> WorkflowStoreImpl::WakeRun(const std::string& run_id, const std::string& waiting_for) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  const int64_t now_ms = NowMs();
  // Only the GSI2 sort key moves (the status stays SLEEPING, so the partition key stays).
  table::Update u;
  u.Set(attr::kDueAt, V::N(now_ms));
  u.Set(table::kGsi2Sk, V::S(TimeSortKey(now_ms, run_id)));
  u.Set(attr::kUpdatedAt, V::N(now_ms));
  u.Add(attr::kVersion, 1);
  u.Remove(attr::kWaitingFor);
  const std::string write_id = WriteIdFor(nullptr);
  u.Set(attr::kWriteId, V::S(write_id));
  table::WriteOptions wo;
  wo.condition = EqS(attr::kStatus, "SLEEPING") && EqS(attr::kWaitingFor, waiting_for);
  std::optional<Item> stored;
  wo.old_item_on_condition_failure = &stored;
  auto written = table_->Update(RunKey(run_id), u, wo);
  if (written.ok()) {
    Remember(*written);
    return true;
  }
  if (written.status().Is(StatusCode::kConditionFailed)) {
    if (!WrittenBy(stored, write_id)) return false;
    Remember(*stored);  // an earlier try woke it; its answer was lost
    return true;
  }
  return written.status();
}

ChildRun ChildRunOf(const Item& link) {
  return ChildRun{GetSOr(link, attr::kChildRunId), GetSOr(link, attr::kParentStep),
                  GetSOr(link, attr::kWorkflowId)};
}

Result<std::vector<ChildRun>> WorkflowStoreImpl::ListChildren(const std::string& run_id) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("run id", run_id, kMaxRunIdBytes));
  const table::QueryRequest q = RunItemsQuery(run_id, ChildSkPrefix(run_id));
  std::vector<ChildRun> out;
  DYNAFLOW_RETURN_IF_ERROR(ForEachQueried(q, [&](const Item& item) {
    out.push_back(ChildRunOf(item));
    return Status::OK();
  }));
  return out;
}

Result<std::string> WorkflowStoreImpl::FindRunIdByBusinessKey(const std::string& workflow_id,
                                                              const std::string& business_key) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateId("workflow id", workflow_id, kMaxWorkflowIdBytes));
  DYNAFLOW_RETURN_IF_ERROR(ValidateName("business key", business_key, kMaxBusinessKeyBytes));
  const std::string pk = BusinessKeyPk(options_.key_prefix, workflow_id, business_key);
  auto item = table_->Get(table::Key{pk, pk});
  if (item.status().Is(StatusCode::kNotFound)) {
    return Status::NotFound("no run of workflow " + workflow_id + " has business key '" +
                            business_key + "'");
  }
  DYNAFLOW_RETURN_IF_ERROR(item.status());
  return GetS(*item, attr::kRunId);
}

}  // namespace internal
}  // namespace dynaflow::store
