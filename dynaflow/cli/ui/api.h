// The JSON API of `dynaflow ui`, independent of the HTTP server so it can be tested in process.
// Every answer is an HttpReply; errors are {"error": "<message>"} with a 4xx/5xx status:
//   400 malformed parameter, cursor or time; unknown parameter
//   403 a state-changing request in --read-only mode (checked by the server, not here)
//   404 unknown run;  409 a run in the wrong state (cancel a finished run, retry a non-FAILED run)
//   500/503 store errors (kUnavailable, kThrottled, kTimeout: 503)
//
// Endpoints (see docs/dashboard.md):
//   Runs(params)     GET /api/runs?workflow=&status=S[,S]&since=&until=&tag=K=V&limit=&cursor=
//                    &order=, or ?workflow=W&business_key=K (the run holding the key)
//   Counts(params)   GET /api/counts?workflow=&since=&until=
//   RunPage(id)      GET /api/runs/{id} (with the events of its awaited event and step names)
//   Payload(id, p)   GET /api/runs/{id}/payload?kind=input|output|result[&step=]
//   Cancel(id)       POST /api/runs/{id}/cancel
//   Retry(id)        POST /api/runs/{id}/retry
//   Schedules(p)     GET /api/schedules?cursor=   (api_schedules.cc)
//   PauseSchedule(id), ResumeSchedule(id)   POST /api/schedules/{id}/pause|resume
//   RunsGauge()      the dynaflow_runs{status} gauge of /metrics, cached
//
// Thread-safety: every method may be called concurrently (the Engine is thread-safe).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "dynaflow/engine/engine.h"
#include "dynaflow/model/clock.h"

namespace dynaflow::cli::ui {

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Query parameters, decoded (a key may repeat).
using Params = std::multimap<std::string, std::string>;

struct ApiOptions {
  // Payloads (input, outputs, result) longer than this, pretty-printed, are cut in the run page
  // (at a UTF-8 character boundary) and flagged "truncated"; the full one is at its "href".
  // Default 16 KB.
  size_t payload_preview_bytes = 16 * 1024;
  // Time source of relative time bounds ("since=2h") and of the gauge's cache. Null:
  // Clock::Real().
  Clock* clock = nullptr;
  // How old the runs-by-status gauge of /metrics may be before a scrape recounts (each recount
  // is CountRunsByStatus for the 8 statuses: 8 x gsi2-shards Queries per 1000 runs counted).
  // Default 30 s.
  Duration runs_gauge_max_age = Duration(30000);
};

// {"error": message} with `status`.
HttpReply JsonError(int status, std::string_view message);
// The HTTP status of a failed Status (400 invalid argument, 404, 409, 503, else 500).
int HttpStatusOf(const Status& status);

class Api {
 public:
  Api(engine::Engine& engine, ApiOptions options);

  HttpReply Runs(const Params& params);
  HttpReply Counts(const Params& params);
  HttpReply RunPage(const std::string& run_id);
  HttpReply Payload(const std::string& run_id, const Params& params);
  HttpReply Cancel(const std::string& run_id);
  HttpReply Retry(const std::string& run_id);
  HttpReply Schedules(const Params& params);
  HttpReply PauseSchedule(const std::string& schedule_id);
  HttpReply ResumeSchedule(const std::string& schedule_id);
  // Prometheus text of the gauge dynaflow_runs{status="..."}, recounted when older than
  // runs_gauge_max_age; "" (and the error logged once per recount) when the store fails.
  std::string RunsGauge();

 private:
  engine::Engine& engine_;
  ApiOptions options_;
  std::mutex gauge_mu_;
  std::string gauge_text_;
  std::optional<TimePoint> gauge_at_;
};

}  // namespace dynaflow::cli::ui
