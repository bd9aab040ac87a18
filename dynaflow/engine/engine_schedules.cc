// Engine: the schedule API (dynaflow/engine/schedule.h); firing is
// dynaflow/engine/internal/schedule_firing.cc.
#include "dynaflow/engine/cron.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/engine/internal/engine_core.h"
#include "dynaflow/engine/internal/schedule_firing.h"

namespace dynaflow::engine {

Result<Schedule> Engine::CreateScheduleEncoded(const std::string& workflow_id, int32_t version,
                                               std::string input_payload,
                                               const ScheduleOptions& options) {
  if (options.catch_up_window < std::chrono::seconds(1)) {
    return Status::InvalidArgument("catch_up_window must be at least 1 s");
  }
  if (options.run_retention.count() < 0) {
    return Status::InvalidArgument("run_retention is negative");
  }
  DYNAFLOW_ASSIGN_OR_RETURN(CronExpr cron, CronExpr::Parse(options.cron));
  DYNAFLOW_ASSIGN_OR_RETURN(TimeZone zone, internal::ZoneNamed(options.time_zone));
  DYNAFLOW_ASSIGN_OR_RETURN(
      TimePoint first, cron.NextAfter(options.first_after.value_or(core_->clock->Now()), zone));
  Schedule s;
  s.schedule_id = options.schedule_id;
  s.workflow_id = workflow_id;
  s.workflow_version = version;
  s.input = std::move(input_payload);
  s.cron = cron.text();
  s.time_zone = options.time_zone;
  s.overlap = options.overlap;
  s.catch_up_window = options.catch_up_window;
  s.run_retention = options.run_retention;
  s.paused = options.paused;
  s.next_fire_at = first;
  return core_->schedules->Create(s);
}

Result<Schedule> Engine::GetSchedule(const std::string& schedule_id) {
  return core_->schedules->Get(schedule_id);
}

Result<store::SchedulePage> Engine::ListSchedules(int limit, const std::string& cursor) {
  return core_->schedules->List(limit, cursor);
}

Result<Schedule> Engine::PauseSchedule(const std::string& schedule_id) {
  return core_->schedules->SetPaused(schedule_id, true, std::nullopt);
}

Result<Schedule> Engine::ResumeSchedule(const std::string& schedule_id) {
  DYNAFLOW_ASSIGN_OR_RETURN(Schedule s, core_->schedules->Get(schedule_id));
  DYNAFLOW_ASSIGN_OR_RETURN(CronExpr cron, CronExpr::Parse(s.cron));
  DYNAFLOW_ASSIGN_OR_RETURN(TimeZone zone, internal::ZoneNamed(s.time_zone));
  DYNAFLOW_ASSIGN_OR_RETURN(TimePoint next, cron.NextAfter(core_->clock->Now(), zone));
  return core_->schedules->SetPaused(schedule_id, false, next, s.version);
}

Status Engine::DeleteSchedule(const std::string& schedule_id) {
  return core_->schedules->Delete(schedule_id);
}

Result<std::vector<store::ScheduledRun>> Engine::ListScheduleRuns(const std::string& schedule_id,
                                                                  int limit) {
  return core_->schedules->ListRuns(schedule_id, limit);
}

Result<int> Engine::FireDueSchedules(int limit) { return core_->FireDueSchedules(limit); }

}  // namespace dynaflow::engine
