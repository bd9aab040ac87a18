// EngineCore::FireDueSchedules: one FindDue Query, then per due schedule the ticks it owes,
// each handled by one conditional write (Fire: a transaction with the run; Advance: an update).
#include "dynaflow/engine/internal/schedule_firing.h"

#include <map>
#include <mutex>
#include <optional>

#include "dynaflow/engine/cron.h"
#include "dynaflow/engine/internal/engine_core.h"

namespace dynaflow::engine::internal {

Result<TimeZone> ZoneNamed(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, TimeZone> zones;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = zones.find(name); it != zones.end()) return it->second;
  }
  DYNAFLOW_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Load(name));
  std::lock_guard<std::mutex> lock(mu);
  if (zones.size() < 1000) zones.emplace(name, zone);
  return zone;
}

namespace {

using store::OverlapPolicy;
using store::Schedule;
using store::ScheduleAdvance;

constexpr int kMaxTicksCounted = 100000;

// Whether the schedule's last run is still going (1 GetItem). A run that is gone counts as
// finished.
Result<bool> LastRunBusy(store::WorkflowStore& runs, const Schedule& s) {
  if (s.last_run_id.empty()) return false;
  auto run = runs.GetRun(s.last_run_id);
  if (!run.ok()) {
    if (run.error().Is(StatusCode::kNotFound)) return false;
    return run.error();
  }
  return !IsTerminal(run->status);
}

// Handles the ticks `s` owes now, up to kMaxTicksPerPass. Returns the runs it started.
Result<int> HandleSchedule(EngineCore& core, Schedule s) {
  DYNAFLOW_ASSIGN_OR_RETURN(CronExpr cron, CronExpr::Parse(s.cron));
  DYNAFLOW_ASSIGN_OR_RETURN(TimeZone zone, ZoneNamed(s.time_zone));
  int started = 0;
  for (int i = 0; i < kMaxTicksPerPass && !s.paused; ++i) {
    const TimePoint now = core.clock->Now();
    ScheduleAdvance next{s.next_fire_at, s.buffered, 0};
    std::optional<TimePoint> fire;
    if (s.buffered) {
      DYNAFLOW_ASSIGN_OR_RETURN(bool busy, LastRunBusy(*core.store, s));
      if (!busy) {
        fire = *s.buffered;
        next.buffered.reset();
      } else if (s.next_fire_at <= now) {  // a tick while one is held: dropped
        DYNAFLOW_ASSIGN_OR_RETURN(next.next_fire_at, cron.NextAfter(s.next_fire_at, zone));
        next.skipped = 1;
      } else {
        break;  // still held: nothing to write, checked again on the next pass
      }
    } else if (s.next_fire_at <= now) {
      const TimePoint tick = s.next_fire_at;
      const TimePoint window_start = now - s.catch_up_window;
      if (tick < window_start) {
        // Missed beyond the catch-up window: drop every tick before it.
        TimePoint t = tick;
        int dropped = 0;
        while (t < window_start && dropped < kMaxTicksCounted) {
          DYNAFLOW_ASSIGN_OR_RETURN(t, cron.NextAfter(t, zone));
          ++dropped;
        }
        if (t < window_start) {
          DYNAFLOW_ASSIGN_OR_RETURN(t, cron.NextAfter(window_start - Duration(1), zone));
        }
        next.next_fire_at = t;
        next.skipped = dropped;
      } else {
        DYNAFLOW_ASSIGN_OR_RETURN(next.next_fire_at, cron.NextAfter(tick, zone));
        bool busy = false;
        if (s.overlap != OverlapPolicy::kAllow) {
          DYNAFLOW_ASSIGN_OR_RETURN(busy, LastRunBusy(*core.store, s));
        }
        if (!busy) {
          fire = tick;
        } else if (s.overlap == OverlapPolicy::kBufferOne) {
          next.buffered = tick;
        } else {
          next.skipped = 1;
        }
      }
    } else {
      break;
    }
    auto written = fire ? core.schedules->Fire(s, *fire, next) : core.schedules->Advance(s, next);
    if (!written.ok() && fire && written.error().Is(StatusCode::kAlreadyExists)) {
      // The tick's run id is taken (a deleted schedule of the same id fired it): drop it.
      core.logger->warn("schedule {}: run {} exists already; tick dropped", s.schedule_id,
                        store::ScheduleStore::RunIdOf(s.schedule_id, *fire));
      next.skipped += 1;
      fire.reset();
      written = core.schedules->Advance(s, next);
    }
    if (!written.ok()) {
      if (written.error().Is(StatusCode::kConditionFailed)) break;  // someone else handled it
      return written.error();
    }
    if (fire) ++started;
    s = std::move(written).value();
  }
  return started;
}

}  // namespace

Result<int> EngineCore::FireDueSchedules(int limit) {
  DYNAFLOW_ASSIGN_OR_RETURN(std::vector<Schedule> due, schedules->FindDue(limit));
  int started = 0;
  Status first_error;
  for (Schedule& s : due) {
    const std::string id = s.schedule_id;
    auto n = HandleSchedule(*this, std::move(s));
    if (n.ok()) {
      started += *n;
    } else {
      logger->warn("schedule {}: {}", id, n.error().ToString());
      if (first_error.ok()) first_error = n.error();
    }
  }
  if (started > 0) NudgeWorkers();
  if (started == 0 && !first_error.ok()) return first_error;
  return started;
}

}  // namespace dynaflow::engine::internal
