// The HTTP server of `dynaflow ui`: the page (assets compiled into the binary), the JSON API
// (dynaflow/cli/ui/api.h) and /metrics (Prometheus text format), on app::HttpServer.
//
// Security (docs/dashboard.md):
//   - Listening anywhere but loopback needs an auth token or an explicit `insecure`
//     (CheckListenRules).
//   - Request size, header time and connection count are limited (ServerOptions::limits,
//     dynaflow/app/http_server.h) before anything else is looked at.
//   - On a loopback address the Host header must be a loopback literal or localhost (any case)
//     with the listening port (dynaflow/app/loopback.h; DNS rebinding): anything else is 403.
//   - When the browser sends Origin, it must equal http://<Host> (case-insensitive): 403.
//   - With a token, /api/* and /metrics need "Authorization: Bearer <token>" (the scheme in any
//     case; the token compared in constant time); the page and its assets are public (they hold
//     no data; the page sends the token it was given in its URL fragment, #token=..., or typed).
//   - POST (cancel, retry, pause and resume of schedules) needs the header "X-Dynaflow-CSRF: 1" (a
//   cross-origin page cannot
//     send it without a CORS preflight, which this server never grants); read_only answers 403.
//   - A known path with another method is 405 with an Allow header.
//   - Every response carries nosniff, a same-origin Content-Security-Policy (no inline script)
//     and frame-ancestors 'none'; API responses are not cached.
//
// Thread-safety: Run blocks in the calling thread; Stop may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dynaflow/app/http_server.h"
#include "dynaflow/cli/ui/api.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/model/result.h"

namespace dynaflow::cli::ui {

struct ServerOptions {
  std::string host = "127.0.0.1";  // the address to listen on
  int port = 8080;                 // 0: any free port (see Server::port)
  std::string auth_token;          // empty: no authentication
  bool insecure = false;           // allow a non-loopback address without a token
  bool read_only = false;          // refuse cancel and retry (403)
  app::HttpLimits limits;          // request size, header time, connections (their defaults)
  ApiOptions api;
  // The /metrics body, before the runs-by-status gauge (Api::RunsGauge). Null:
  // engine::RenderPrometheus(engine.metrics()).
  std::function<std::string()> metrics_text;
};

// Errors: kInvalidArgument when `options` listen beyond loopback with neither a token nor
// insecure.
Status CheckListenRules(const ServerOptions& options);

// Constant-time comparison (time depends on the lengths only).
bool SecretEquals(std::string_view a, std::string_view b);

class Server {
 public:
  Server(engine::Engine& engine, ServerOptions options);
  ~Server();

  // Binds the listening socket. Errors: kInvalidArgument (CheckListenRules), kUnavailable
  // (the address cannot be bound).
  [[nodiscard]] Status Bind();
  // The bound port (after Bind).
  int port() const { return port_; }
  // Serves until Stop. Errors: kUnavailable when the server failed.
  [[nodiscard]] Status Run();
  // Makes Run return; may be called from any thread, before or during Run.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace dynaflow::cli::ui
