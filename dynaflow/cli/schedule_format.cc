#include "dynaflow/cli/schedule_format.h"

#include <utility>

#include "dynaflow/cli/time_text.h"
#include "dynaflow/model/duration_text.h"

namespace dynaflow::cli {

namespace {

std::string NextFire(const store::Schedule& s, TimePoint now) {
  if (s.paused) return "paused";
  return FormatTimestamp(s.next_fire_at) + " (" + FormatRelative(s.next_fire_at, now) + ")";
}

std::string Seconds(std::chrono::seconds d) {
  return FormatElapsed(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

}  // namespace

TextTable SchedulesTable(const std::vector<store::Schedule>& schedules, TimePoint now) {
  TextTable t({"SCHEDULE", "WORKFLOW", "CRON", "NEXT FIRE", "FIRED", "SKIPPED", "LAST RUN"});
  for (const auto& s : schedules) {
    t.AddRow(
        {s.schedule_id, s.workflow_id + " v" + std::to_string(s.workflow_version),
         s.cron + (s.time_zone.empty() ? "" : " (" + s.time_zone + ")"),
         s.paused ? Cell("paused", kYellow) : Cell(FormatRelative(s.next_fire_at, now), kNoColor),
         std::to_string(s.fired), std::to_string(s.skipped),
         s.last_run_id.empty() ? "-" : s.last_run_id});
  }
  return t;
}

std::string ScheduleText(const store::Schedule& s, TimePoint now) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"schedule", s.schedule_id},
      {"workflow", s.workflow_id + " v" + std::to_string(s.workflow_version)},
      {"cron", s.cron},
      {"time zone", s.time_zone.empty() ? "UTC" : s.time_zone},
      {"overlap", std::string(store::OverlapPolicyName(s.overlap))},
      {"catch-up window", Seconds(s.catch_up_window)},
      {"run retention", s.run_retention.count() == 0 ? "forever" : Seconds(s.run_retention)},
      {"next fire", NextFire(s, now)},
  };
  if (s.buffered) lines.emplace_back("held tick", FormatTimestamp(*s.buffered));
  if (s.last_fire_at) {
    lines.emplace_back("last fire", FormatTimestamp(*s.last_fire_at) + " (" +
                                        FormatRelative(*s.last_fire_at, now) + ")");
  }
  lines.emplace_back("last run", s.last_run_id.empty() ? "-" : s.last_run_id);
  lines.emplace_back("fired", std::to_string(s.fired));
  lines.emplace_back("skipped", std::to_string(s.skipped));
  lines.emplace_back("created", FormatTimestamp(s.created_at));
  lines.emplace_back("updated", FormatTimestamp(s.updated_at));
  lines.emplace_back("version", std::to_string(s.version));
  return KeyValueLines(lines);
}

std::string ScheduleJsonLine(const store::Schedule& s) {
  return RenderJson(JsonLayout::kCompact, [&](auto& w) { WriteSchedule(w, s); });
}

}  // namespace dynaflow::cli
