// How schedules look in the `dynaflow schedules` output. Thread-safety: functions only.
//
// JSON shape of a schedule (times RFC 3339 UTC with milliseconds; absent optional fields omitted):
//   {"schedule_id", "workflow_id", "workflow_version", "cron", "time_zone" ("" = UTC),
//    "overlap" ("SKIP", "ALLOW", "BUFFER_ONE"), "catch_up_window_s", "run_retention_s",
//    "paused", "next_fire_at", "buffered_fire_at", "last_run_id", "last_fire_at", "fired",
//    "skipped", "version", "created_at", "updated_at"}
#pragma once

#include <string>
#include <vector>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/text_table.h"
#include "dynaflow/store/workflow/schedule_store.h"

namespace dynaflow::cli {

template <class W>
void WriteSchedule(W& w, const store::Schedule& s) {
  w.StartObject();
  WriteStringField(w, "schedule_id", s.schedule_id);
  WriteStringField(w, "workflow_id", s.workflow_id);
  w.Key("workflow_version");
  w.Int(s.workflow_version);
  WriteStringField(w, "cron", s.cron);
  WriteStringField(w, "time_zone", s.time_zone);
  WriteStringField(w, "overlap", store::OverlapPolicyName(s.overlap));
  w.Key("catch_up_window_s");
  w.Int64(s.catch_up_window.count());
  w.Key("run_retention_s");
  w.Int64(s.run_retention.count());
  w.Key("paused");
  w.Bool(s.paused);
  WriteTime(w, "next_fire_at", s.next_fire_at);
  if (s.buffered) WriteTime(w, "buffered_fire_at", *s.buffered);
  if (!s.last_run_id.empty()) WriteStringField(w, "last_run_id", s.last_run_id);
  if (s.last_fire_at) WriteTime(w, "last_fire_at", *s.last_fire_at);
  w.Key("fired");
  w.Int64(s.fired);
  w.Key("skipped");
  w.Int64(s.skipped);
  w.Key("version");
  w.Int64(s.version);
  WriteTime(w, "created_at", s.created_at);
  WriteTime(w, "updated_at", s.updated_at);
  w.EndObject();
}

// SCHEDULE, WORKFLOW, CRON, NEXT FIRE ("paused", or relative to now), FIRED, SKIPPED, LAST RUN.
TextTable SchedulesTable(const std::vector<store::Schedule>& schedules, TimePoint now);

// `schedules show` in human form: one "key  value" line per field.
std::string ScheduleText(const store::Schedule& s, TimePoint now);

// The schedule as one compact JSON line (no newline).
std::string ScheduleJsonLine(const store::Schedule& s);

}  // namespace dynaflow::cli
