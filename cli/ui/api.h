// The JSON API of `dynaflow ui`, independent of the HTTP server so it can be tested in process.
// Every answer is an HttpReply; errors are {"error": "<message>"} with a 4xx/5xx status:
//   400 malformed parameter, cursor or time; unknown parameter
//   403 a state-changing request in --read-only mode (checked by the server, not here)
//   404 unknown run;  409 a run in the wrong state (cancel a finished run, retry a non-FAILED run)
//   500/503 store errors (kUnavailable, kThrottled, kTimeout: 503)
//
// Endpoints (see docs/dashboard.md):
//   Runs(params)     GET /api/runs?workflow=&status=S[,S]&since=&until=&limit=&cursor=&order=
//   Counts(params)   GET /api/counts?workflow=
//   RunPage(id)      GET /api/runs/{id}
//   Payload(id, p)   GET /api/runs/{id}/payload?kind=input|output|result[&step=]
//   Cancel(id)       POST /api/runs/{id}/cancel
//   Retry(id)        POST /api/runs/{id}/retry
//
// Thread-safety: every method may be called concurrently (the Engine is thread-safe).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "model/clock.h"

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
  // Time source of relative time bounds ("since=2h"). Null: Clock::Real().
  Clock* clock = nullptr;
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

 private:
  engine::Engine& engine_;
  ApiOptions options_;
};

}  // namespace dynaflow::cli::ui
