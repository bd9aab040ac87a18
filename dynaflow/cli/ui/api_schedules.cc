// The dashboard API's schedules endpoints and the runs-by-status gauge of /metrics.
#include <spdlog/spdlog.h>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_listing.h"
#include "dynaflow/cli/schedule_format.h"
#include "dynaflow/cli/ui/api.h"

namespace dynaflow::cli::ui {

namespace {

constexpr RunStatus kGaugeStatuses[] = {
    RunStatus::kPending,   RunStatus::kRunning, RunStatus::kSleeping,    RunStatus::kCompensating,
    RunStatus::kCompleted, RunStatus::kFailed,  RunStatus::kCompensated, RunStatus::kCancelled};

HttpReply ScheduleReply(const Result<store::Schedule>& s) {
  if (!s.ok()) return JsonError(HttpStatusOf(s.status()), s.status().message());
  HttpReply r;
  r.body = ScheduleJsonLine(*s);
  return r;
}

}  // namespace

HttpReply Api::Schedules(const Params& params) {
  for (const auto& [k, v] : params) {
    if (k != "cursor") return JsonError(400, "unknown parameter: " + k);
  }
  auto it = params.find("cursor");
  auto page = engine_.ListSchedules(100, it == params.end() ? "" : it->second);
  if (!page.ok()) return JsonError(HttpStatusOf(page.status()), page.status().message());
  HttpReply r;
  r.body = RenderJson(JsonLayout::kCompact, [&](auto& w) {
    w.StartObject();
    w.Key("schedules");
    w.StartArray();
    for (const auto& s : page->schedules) WriteSchedule(w, s);
    w.EndArray();
    WriteStringField(w, "next_cursor", page->next_cursor);
    w.EndObject();
  });
  return r;
}

HttpReply Api::PauseSchedule(const std::string& schedule_id) {
  return ScheduleReply(engine_.PauseSchedule(schedule_id));
}

HttpReply Api::ResumeSchedule(const std::string& schedule_id) {
  return ScheduleReply(engine_.ResumeSchedule(schedule_id));
}

std::string Api::RunsGauge() {
  std::lock_guard<std::mutex> lock(gauge_mu_);
  const TimePoint now = options_.clock->Now();
  if (gauge_at_ && now - *gauge_at_ < options_.runs_gauge_max_age) return gauge_text_;
  std::string text =
      "# HELP dynaflow_runs Runs in the store by status (the status index's counts, at most " +
      std::to_string(options_.runs_gauge_max_age.count() / 1000) +
      " s old).\n# TYPE dynaflow_runs gauge\n";
  for (RunStatus s : kGaugeStatuses) {
    auto n = engine_.store().CountRunsByStatus(s);
    if (!n.ok()) {
      spdlog::warn("dynaflow_runs gauge: {}", n.status().message());
      return "";
    }
    text += "dynaflow_runs{status=\"" + std::string(RunStatusName(s)) + "\"} " +
            std::to_string(*n) + "\n";
  }
  gauge_text_ = text;
  gauge_at_ = now;
  return gauge_text_;
}

}  // namespace dynaflow::cli::ui
