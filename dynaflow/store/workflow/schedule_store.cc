// ScheduleStore: schedule items, their GSI2 due key, and the one-transaction tick.
#include "dynaflow/store/workflow/schedule_store.h"

#include "dynaflow/model/enum_names.h"
#include "dynaflow/store/workflow/internal/items.h"
#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/payload_encoding.h"

namespace dynaflow::store {

using table::Condition;
using V = AttributeValue;
namespace attr = internal::attr;

namespace {

constexpr size_t kMaxScheduleIdBytes = 100;
constexpr size_t kMaxScheduleInputBytes = 64 * 1024;
constexpr size_t kCompressMinBytes = 512;
constexpr char kScheduleSk[] = "SCHEDULE";
constexpr char kRunLinkPrefix[] = "RUN#";
constexpr char kPausedDue[] = "9999999999999";

// Schedule attributes (beside the run item's names reused: workflowId, workflowVersion, input,
// inputEncoding, version, createdAt, updatedAt, retentionSeconds, runId).
constexpr char kScheduleId[] = "scheduleId";
constexpr char kCron[] = "cron";
constexpr char kTimeZone[] = "timeZone";
constexpr char kOverlap[] = "overlap";
constexpr char kCatchUp[] = "catchUpSeconds";
constexpr char kPaused[] = "paused";
constexpr char kNextFireAt[] = "nextFireAt";
constexpr char kBuffered[] = "bufferedFireAt";
constexpr char kLastRunId[] = "lastRunId";
constexpr char kLastFireAt[] = "lastFireAt";
constexpr char kFired[] = "fired";
constexpr char kSkipped[] = "skipped";
constexpr char kFireAt[] = "fireAt";

class ScheduleStoreImpl final : public ScheduleStore {
 public:
  ScheduleStoreImpl(std::shared_ptr<table::Table> table, WorkflowStore* runs, std::string prefix,
                    Clock* clock)
      : table_(std::move(table)), runs_(runs), prefix_(std::move(prefix)), clock_(clock) {}

  Result<Schedule> Create(const Schedule& s) override {
    DYNAFLOW_RETURN_IF_ERROR(
        internal::ValidateId("schedule id", s.schedule_id, kMaxScheduleIdBytes));
    DYNAFLOW_RETURN_IF_ERROR(
        internal::ValidateId("workflow id", s.workflow_id, internal::kMaxWorkflowIdBytes));
    if (s.cron.empty()) return Status::InvalidArgument("schedule needs a cron expression");
    internal::EncodedPayload enc = internal::EncodePayload(s.input, kCompressMinBytes);
    if (enc.bytes.size() > kMaxScheduleInputBytes) {
      return Status::LimitExceeded("schedule input is " + std::to_string(enc.bytes.size()) +
                                   " bytes stored; the limit is 65536");
    }
    Schedule w = s;
    w.version = 1;
    w.created_at = w.updated_at = Now();
    w.fired = w.skipped = 0;
    Item item = ItemOf(w);
    if (!enc.bytes.empty()) item[attr::kInput] = V::B(std::move(enc.bytes));
    if (!enc.encoding.empty()) item[attr::kInputEncoding] = V::S(enc.encoding);
    table::WriteOptions wo;
    wo.condition = Condition::NotExists(table::kPk);
    Status st = table_->Put(item, wo);
    if (st.Is(StatusCode::kConditionFailed)) {
      return Status::AlreadyExists("schedule " + s.schedule_id + " already exists");
    }
    DYNAFLOW_RETURN_IF_ERROR(st);
    return w;
  }

  Result<Schedule> Get(const std::string& id) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateId("schedule id", id, kMaxScheduleIdBytes));
    auto item = table_->Get(Key(id));
    if (!item.ok()) {
      if (item.status().Is(StatusCode::kNotFound)) {
        return Status::NotFound("schedule " + id + " not found");
      }
      return item.status();
    }
    return FromItem(*item);
  }

  Result<SchedulePage> List(int limit, const std::string& cursor) override {
    if (limit < 1 || limit > 1000) return Status::InvalidArgument("limit must be 1..1000");
    table::QueryRequest q;
    q.index = table::Index::kGsi2;
    q.partition = IndexPk();
    q.limit = limit;
    q.cursor = cursor;
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    SchedulePage out;
    for (const Item& item : page.items) {
      DYNAFLOW_ASSIGN_OR_RETURN(Schedule s, FromItem(item));
      out.schedules.push_back(std::move(s));
    }
    out.next_cursor = std::move(page.next_cursor);
    return out;
  }

  Result<Schedule> SetPaused(const std::string& id, bool paused, std::optional<TimePoint> next,
                             int64_t expected_version) override {
    DYNAFLOW_ASSIGN_OR_RETURN(Schedule s, Get(id));
    if (expected_version >= 0 && s.version != expected_version) {
      return Status::ConditionFailed("schedule " + id + " is at version " +
                                     std::to_string(s.version));
    }
    Schedule w = s;
    w.paused = paused;
    if (next) w.next_fire_at = *next;
    w.buffered.reset();
    w.version += 1;
    w.updated_at = Now();
    return Write(w, s.version);
  }

  Status Delete(const std::string& id) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateId("schedule id", id, kMaxScheduleIdBytes));
    table::WriteOptions wo;
    wo.condition = Condition::Exists(table::kPk);
    Status st = table_->Delete(Key(id), wo);
    if (st.Is(StatusCode::kConditionFailed))
      return Status::NotFound("schedule " + id + " not found");
    return st;
  }

  Result<std::vector<Schedule>> FindDue(int limit) override {
    if (limit < 1 || limit > 1000) return Status::InvalidArgument("limit must be 1..1000");
    table::QueryRequest q;
    q.index = table::Index::kGsi2;
    q.partition = IndexPk();
    q.sort = table::SortKeyCondition::Lt(internal::Pad13(ToUnixMillis(Now()) + 1));
    q.limit = limit;
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    std::vector<Schedule> out;
    for (const Item& item : page.items) {
      DYNAFLOW_ASSIGN_OR_RETURN(Schedule s, FromItem(item));
      if (!s.paused) out.push_back(std::move(s));
    }
    return out;
  }

  Result<Schedule> Fire(const Schedule& read, TimePoint fire_at,
                        const ScheduleAdvance& next) override {
    const std::string run_id = RunIdOf(read.schedule_id, fire_at);
    Schedule w = Next(read, next);
    w.last_run_id = run_id;
    w.last_fire_at = fire_at;
    w.fired += 1;
    NewRun nr;
    nr.run_id = run_id;
    nr.workflow_id = read.workflow_id;
    nr.workflow_version = read.workflow_version;
    nr.input = read.input;
    nr.start_at = fire_at;
    nr.retention = read.run_retention;
    nr.tags["dynaflow.schedule"] = read.schedule_id;
    nr.with.push_back(table::UpdateOp{Key(read.schedule_id), UpdateOf(w), Unchanged(read)});
    nr.links.push_back(
        Item{{table::kPk, V::S(Pk(read.schedule_id))},
             {table::kSk, V::S(kRunLinkPrefix + internal::Pad13(ToUnixMillis(fire_at)))},
             {attr::kType, V::S("SCHEDULE_RUN")},
             {attr::kRunId, V::S(run_id)},
             {kFireAt, V::N(ToUnixMillis(fire_at))}});
    std::string existing;
    auto run = runs_->CreateRun(nr, &existing);
    if (!run.ok()) return run.error();
    return w;
  }

  Result<Schedule> Advance(const Schedule& read, const ScheduleAdvance& next) override {
    Schedule w = Next(read, next);
    return Write(w, read.version);
  }

  Result<std::vector<ScheduledRun>> ListRuns(const std::string& id, int limit) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateId("schedule id", id, kMaxScheduleIdBytes));
    if (limit < 1 || limit > 1000) return Status::InvalidArgument("limit must be 1..1000");
    table::QueryRequest q;
    q.partition = Pk(id);
    q.sort = table::SortKeyCondition::BeginsWith(kRunLinkPrefix);
    q.forward = false;
    q.limit = limit;
    q.consistent = true;
    DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table_->Query(q));
    std::vector<ScheduledRun> out;
    for (const Item& item : page.items) {
      out.push_back({internal::GetSOr(item, attr::kRunId),
                     FromUnixMillis(internal::GetNOr(item, kFireAt, 0))});
    }
    return out;
  }

 private:
  TimePoint Now() const { return FromUnixMillis(ToUnixMillis(clock_->Now())); }
  std::string Pk(const std::string& id) const { return prefix_ + "SCHEDULE#" + id; }
  table::Key Key(const std::string& id) const { return {Pk(id), kScheduleSk}; }
  std::string IndexPk() const { return prefix_ + "SCHEDULES"; }

  static std::string DueKey(const Schedule& s) {
    std::string due =
        s.paused ? std::string(kPausedDue)
                 : internal::Pad13(ToUnixMillis(s.buffered ? *s.buffered : s.next_fire_at));
    return due + "#" + s.schedule_id;
  }

  static Condition Unchanged(const Schedule& read) {
    return Condition::Exists(table::kPk) && internal::EqN(attr::kVersion, read.version);
  }

  Schedule Next(const Schedule& read, const ScheduleAdvance& next) const {
    Schedule w = read;
    w.next_fire_at = next.next_fire_at;
    w.buffered = next.buffered;
    w.skipped += next.skipped;
    w.version += 1;
    w.updated_at = Now();
    return w;
  }

  // The mutable attributes of `w` (everything the schedule's writes change).
  table::Update UpdateOf(const Schedule& w) const {
    table::Update u;
    u.Set(kPaused, V::Bool(w.paused));
    u.Set(kNextFireAt, V::N(ToUnixMillis(w.next_fire_at)));
    if (w.buffered) {
      u.Set(kBuffered, V::N(ToUnixMillis(*w.buffered)));
    } else {
      u.Remove(kBuffered);
    }
    if (!w.last_run_id.empty()) u.Set(kLastRunId, V::S(w.last_run_id));
    if (w.last_fire_at) u.Set(kLastFireAt, V::N(ToUnixMillis(*w.last_fire_at)));
    u.Set(kFired, V::N(w.fired));
    u.Set(kSkipped, V::N(w.skipped));
    u.Set(attr::kVersion, V::N(w.version));
    u.Set(attr::kUpdatedAt, V::N(ToUnixMillis(w.updated_at)));
    u.Set(table::kGsi2Sk, V::S(DueKey(w)));
    return u;
  }

  // One UpdateItem of the schedule to `w` (its version already bumped), conditional on the
  // stored version being `expected`.
  Result<Schedule> Write(const Schedule& w, int64_t expected) {
    table::WriteOptions wo;
    Schedule read;
    read.version = expected;
    wo.condition = Unchanged(read);
    auto written = table_->Update(Key(w.schedule_id), UpdateOf(w), wo);
    if (!written.ok()) {
      if (written.status().Is(StatusCode::kConditionFailed)) {
        return Status::ConditionFailed("schedule " + w.schedule_id + " moved on (or is gone)");
      }
      return written.status();
    }
    return FromItem(*written);
  }

  Item ItemOf(const Schedule& s) const {
    Item item{{table::kPk, V::S(Pk(s.schedule_id))},
              {table::kSk, V::S(kScheduleSk)},
              {attr::kType, V::S("SCHEDULE")},
              {kScheduleId, V::S(s.schedule_id)},
              {attr::kWorkflowId, V::S(s.workflow_id)},
              {attr::kWorkflowVersion, V::N(static_cast<int64_t>(s.workflow_version))},
              {kCron, V::S(s.cron)},
              {kOverlap, V::S(std::string(OverlapPolicyName(s.overlap)))},
              {kCatchUp, V::N(static_cast<int64_t>(s.catch_up_window.count()))},
              {attr::kRetention, V::N(static_cast<int64_t>(s.run_retention.count()))},
              {attr::kCreatedAt, V::N(ToUnixMillis(s.created_at))},
              {table::kGsi2Pk, V::S(IndexPk())}};
    if (!s.time_zone.empty()) item[kTimeZone] = V::S(s.time_zone);
    table::Update u = UpdateOf(s);
    (void)u.ApplyTo(&item);
    return item;
  }

  static Result<Schedule> FromItem(const Item& item) {
    Schedule s;
    DYNAFLOW_ASSIGN_OR_RETURN(s.schedule_id, internal::GetS(item, kScheduleId));
    DYNAFLOW_ASSIGN_OR_RETURN(s.workflow_id, internal::GetS(item, attr::kWorkflowId));
    s.workflow_version = static_cast<int32_t>(internal::GetNOr(item, attr::kWorkflowVersion, 1));
    DYNAFLOW_ASSIGN_OR_RETURN(s.cron, internal::GetS(item, kCron));
    s.time_zone = internal::GetSOr(item, kTimeZone);
    DYNAFLOW_ASSIGN_OR_RETURN(s.overlap, ParseOverlapPolicy(internal::GetSOr(item, kOverlap)));
    s.catch_up_window = std::chrono::seconds(internal::GetNOr(item, kCatchUp, 60));
    s.run_retention = std::chrono::seconds(internal::GetNOr(item, attr::kRetention, 604800));
    auto paused = item.find(kPaused);
    s.paused = paused != item.end() && paused->second.AsBool() && *paused->second.AsBool();
    DYNAFLOW_ASSIGN_OR_RETURN(int64_t next, internal::GetN(item, kNextFireAt));
    s.next_fire_at = FromUnixMillis(next);
    if (item.count(kBuffered)) s.buffered = FromUnixMillis(internal::GetNOr(item, kBuffered, 0));
    s.last_run_id = internal::GetSOr(item, kLastRunId);
    if (item.count(kLastFireAt)) {
      s.last_fire_at = FromUnixMillis(internal::GetNOr(item, kLastFireAt, 0));
    }
    s.fired = internal::GetNOr(item, kFired, 0);
    s.skipped = internal::GetNOr(item, kSkipped, 0);
    DYNAFLOW_ASSIGN_OR_RETURN(s.version, internal::GetN(item, attr::kVersion));
    s.created_at = FromUnixMillis(internal::GetNOr(item, attr::kCreatedAt, 0));
    s.updated_at = FromUnixMillis(internal::GetNOr(item, attr::kUpdatedAt, 0));
    std::string input = internal::GetBytes(item, attr::kInput);
    DYNAFLOW_ASSIGN_OR_RETURN(
        s.input,
        internal::DecodePayload(std::move(input), internal::GetSOr(item, attr::kInputEncoding),
                                "input of schedule " + s.schedule_id));
    return s;
  }

  std::shared_ptr<table::Table> table_;
  WorkflowStore* runs_;
  std::string prefix_;
  Clock* clock_;
};

}  // namespace

namespace {
constexpr EnumName<OverlapPolicy> kOverlapPolicyNames[] = {
    {OverlapPolicy::kSkip, "SKIP"},
    {OverlapPolicy::kAllow, "ALLOW"},
    {OverlapPolicy::kBufferOne, "BUFFER_ONE"}};
}  // namespace

std::string_view OverlapPolicyName(OverlapPolicy p) {
  return NameOf(kOverlapPolicyNames, p, "SKIP");
}

Result<OverlapPolicy> ParseOverlapPolicy(std::string_view name) {
  if (auto p = ValueOf(kOverlapPolicyNames, name)) return *p;
  return Status::InvalidArgument("unknown overlap policy '" + std::string(name) +
                                 "' (SKIP, ALLOW or BUFFER_ONE)");
}

std::string ScheduleStore::RunIdOf(const std::string& schedule_id, TimePoint fire_at) {
  return schedule_id + "@" + internal::Pad13(ToUnixMillis(fire_at));
}

Result<std::unique_ptr<ScheduleStore>> ScheduleStore::Create(std::shared_ptr<table::Table> table,
                                                             WorkflowStore* runs,
                                                             std::string key_prefix, Clock* clock) {
  if (table == nullptr || runs == nullptr) {
    return Status::InvalidArgument("ScheduleStore needs a table and a WorkflowStore");
  }
  return std::unique_ptr<ScheduleStore>(new ScheduleStoreImpl(
      std::move(table), runs, std::move(key_prefix), clock ? clock : Clock::Real()));
}

}  // namespace dynaflow::store
