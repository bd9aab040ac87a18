// Schedules: runs of a workflow started by a cron expression (see Engine::CreateSchedule and
// docs/workflows.md, "Schedules"). The persisted form and the one-transaction tick are
// dynaflow/store/workflow/schedule_store.h; the tick rules are here and in dynaflow/engine/cron.h.
//
// Rules, applied by whichever worker (of any process) finds the schedule due first; every
// tick is handled by exactly one conditional write, so each fires at most once, and each fires
// as long as a worker polls within the catch-up window:
//   - a due tick fires a run with id <scheduleId>@<fireMs13>, PENDING, due at the tick, tagged
//     dynaflow.schedule = <scheduleId>; any worker that knows the workflow runs it;
//   - overlap (the schedule's last run not finished yet; 1 GetItem to find out): kSkip drops
//     the tick, kAllow fires it, kBufferOne holds the first such tick and fires it once the
//     last run is finished (further ticks meanwhile are dropped);
//   - catch-up: ticks older than now - catch_up_window (a worker-less downtime) are dropped;
//     those inside it fire, each once, oldest first;
//   - pause keeps the schedule and fires nothing; resume continues with the first tick after
//     the resume (ticks of the pause are not caught up, a held tick is dropped).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/workflow/schedule_store.h"

namespace dynaflow::engine {

using store::OverlapPolicy;
using store::Schedule;

struct ScheduleOptions {
  // Required: 1..100 bytes, no '#'. Unique in the table (per key prefix).
  std::string schedule_id;
  // Required: 5 fields (dynaflow/engine/cron.h), e.g. "*/5 * * * *", "0 9 * * MON-FRI", "@daily".
  std::string cron;
  // The zone the cron fields are read in: "" (the default) or "UTC", a fixed offset "+05:30",
  // or an IANA name ("Europe/Berlin", read from /usr/share/zoneinfo).
  std::string time_zone;
  // Default kSkip.
  OverlapPolicy overlap = OverlapPolicy::kSkip;
  // Ticks missed by more than this (no worker polled) are dropped. Must be >= 1 s. Default 60 s.
  std::chrono::seconds catch_up_window{60};
  // Retention of each run the schedule starts (StartOptions::retention). Default 7 days.
  std::chrono::seconds run_retention{std::chrono::hours(24 * 7)};
  // Created paused (ResumeSchedule starts it). Default false.
  bool paused = false;
  // The first tick is the first one strictly after this. Default: now.
  std::optional<TimePoint> first_after;
};

}  // namespace dynaflow::engine
