#include "dynaflow/cli/ui/server.h"

#include <algorithm>

#include "dynaflow/app/loopback.h"
#include "dynaflow/cli/ui/assets.h"
#include "dynaflow/engine/prometheus.h"

namespace dynaflow::cli::ui {

namespace {

constexpr char kSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

app::HttpResponse Reply(const HttpReply& reply) {
  app::HttpResponse res;
  res.status = reply.status;
  res.content_type = reply.content_type;
  res.body = reply.body;
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

// The endpoints, by path; `id` is a run id from the path.
enum class Route {
  kNone,
  kAsset,
  kRuns,
  kInfo,
  kCounts,
  kMetrics,
  kRun,
  kPayload,
  kCancel,
  kRetry,
  kSchedules,
  kPauseSchedule,
  kResumeSchedule
};

Route Match(std::string_view path, std::string* id) {
  if (path == "/" || path == "/app.js" || path == "/app.css") return Route::kAsset;
  if (path == "/api/runs") return Route::kRuns;
  if (path == "/api/info") return Route::kInfo;
  if (path == "/api/counts") return Route::kCounts;
  if (path == "/metrics") return Route::kMetrics;
  if (path == "/api/schedules") return Route::kSchedules;
  constexpr std::string_view kSchedulePrefix = "/api/schedules/";
  if (path.substr(0, kSchedulePrefix.size()) == kSchedulePrefix) {
    const std::string_view rest = path.substr(kSchedulePrefix.size());
    const size_t slash = rest.find('/');
    *id = std::string(rest.substr(0, slash));
    if (id->empty() || slash == std::string_view::npos) return Route::kNone;
    if (rest.substr(slash) == "/pause") return Route::kPauseSchedule;
    if (rest.substr(slash) == "/resume") return Route::kResumeSchedule;
    return Route::kNone;
  }
  constexpr std::string_view kRunPrefix = "/api/runs/";
  if (path.substr(0, kRunPrefix.size()) != kRunPrefix) return Route::kNone;
  std::string_view rest = path.substr(kRunPrefix.size());
  const size_t slash = rest.find('/');
  *id = std::string(rest.substr(0, slash));
  if (id->empty()) return Route::kNone;
  if (slash == std::string_view::npos) return Route::kRun;
  rest = rest.substr(slash);
  if (rest == "/payload") return Route::kPayload;
  if (rest == "/cancel") return Route::kCancel;
  if (rest == "/retry") return Route::kRetry;
  return Route::kNone;
}

bool IsPost(Route r) {
  return r == Route::kCancel || r == Route::kRetry || r == Route::kPauseSchedule ||
         r == Route::kResumeSchedule;
}

// The token of "Authorization: Bearer <token>" (the scheme in any case); false when the header
// is not of that form.
bool BearerToken(std::string_view auth, std::string_view* token) {
  constexpr std::string_view kScheme = "bearer";
  if (auth.size() <= kScheme.size() || app::AsciiLower(auth.substr(0, kScheme.size())) != kScheme ||
      auth[kScheme.size()] != ' ') {
    return false;
  }
  auth.remove_prefix(kScheme.size());
  while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
  *token = auth;
  return !auth.empty();
}

}  // namespace

Status CheckListenRules(const ServerOptions& options) {
  if (app::IsLoopbackHost(options.host) || !options.auth_token.empty() || options.insecure) {
    return Status::OK();
  }
  return Status::InvalidArgument("listening on " + options.host +
                                 " (not loopback) needs --auth-token (or "
                                 "$DYNAFLOW_UI_AUTH_TOKEN), or --insecure to serve without one");
}

bool SecretEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

struct Server::Impl {
  Impl(engine::Engine& e, ServerOptions o)
      : engine(e), options(std::move(o)), api(e, options.api) {}

  // Every request: the security checks in the order of server.h, then the endpoint.
  app::HttpResponse Handle(const app::HttpRequest& req) {
    const std::string host = req.Header("Host");
    if (app::IsLoopbackHost(options.host) && !app::IsLoopbackHostHeader(host, port)) {
      return Reply(JsonError(403, "unexpected Host header \"" + host.substr(0, 100) +
                                      "\" (use http://127.0.0.1:" + std::to_string(port) + "/)"));
    }
    if (req.HasHeader("Origin") &&
        app::AsciiLower(req.Header("Origin")) != "http://" + app::AsciiLower(host)) {
      return Reply(JsonError(
          403, "cross-origin request refused (Origin is not http://" + host.substr(0, 100) + ")"));
    }
    const bool data = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics";
    if (data && !options.auth_token.empty()) {
      std::string_view token;
      if (!BearerToken(req.Header("Authorization"), &token) ||
          !SecretEquals(token, options.auth_token)) {
        app::HttpResponse res = Reply(JsonError(401, "missing or wrong bearer token"));
        res.headers.emplace_back("WWW-Authenticate", "Bearer");
        return res;
      }
    }
    std::string id;
    const Route route = Match(req.path, &id);
    if (route == Route::kNone) return Reply(JsonError(404, "not found"));
    const bool get = req.method == "GET" || req.method == "HEAD";
    if (IsPost(route) ? req.method != "POST" : !get) {
      app::HttpResponse res = Reply(
          JsonError(405, "method " + req.method.substr(0, 20) + " not allowed on " + req.path));
      res.headers.emplace_back("Allow", IsPost(route) ? "POST" : "GET, HEAD");
      return res;
    }
    if (IsPost(route)) {
      if (req.Header("X-Dynaflow-CSRF") != "1") {
        return Reply(JsonError(403, "state-changing requests need the header X-Dynaflow-CSRF: 1"));
      }
      if (options.read_only) {
        return Reply(JsonError(403, "read-only dashboard (started with --read-only)"));
      }
    }
    return Endpoint(route, id, req);
  }

  app::HttpResponse Endpoint(Route route, const std::string& id, const app::HttpRequest& req) {
    switch (route) {
      case Route::kAsset: {
        const Asset* a = FindAsset(req.path);
        if (a == nullptr) return Reply(JsonError(404, "no such page"));
        app::HttpResponse res;
        res.content_type = std::string(a->content_type);
        res.body = std::string(a->body);
        return res;
      }
      case Route::kRuns:
        return Reply(api.Runs(req.params));
      case Route::kInfo: {
        HttpReply r;
        r.body = std::string("{\"read_only\":") + (options.read_only ? "true" : "false") +
                 ",\"auth\":" + (options.auth_token.empty() ? "false" : "true") + "}";
        return Reply(r);
      }
      case Route::kCounts:
        return Reply(api.Counts(req.params));
      case Route::kMetrics: {
        app::HttpResponse res;
        res.body = (options.metrics_text ? options.metrics_text()
                                         : engine::RenderPrometheus(engine.metrics())) +
                   api.RunsGauge();
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.headers.emplace_back("Cache-Control", "no-store");
        return res;
      }
      case Route::kRun:
        if (!req.params.empty()) {
          return Reply(JsonError(400, "unknown parameter: " + req.params.begin()->first));
        }
        return Reply(api.RunPage(id));
      case Route::kPayload:
        return Reply(api.Payload(id, req.params));
      case Route::kCancel:
        return Reply(api.Cancel(id));
      case Route::kRetry:
        return Reply(api.Retry(id));
      case Route::kSchedules:
        return Reply(api.Schedules(req.params));
      case Route::kPauseSchedule:
        return Reply(api.PauseSchedule(id));
      case Route::kResumeSchedule:
        return Reply(api.ResumeSchedule(id));
      case Route::kNone:
        break;
    }
    return Reply(JsonError(404, "not found"));
  }

  app::HttpResponse HandleWithHeaders(const app::HttpRequest& req) {
    app::HttpResponse res = Handle(req);
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Content-Security-Policy", kSecurityPolicy);
    res.headers.emplace_back("X-Frame-Options", "DENY");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    return res;
  }

  engine::Engine& engine;
  ServerOptions options;
  Api api;
  int port = 0;  // the bound port, set by Bind before any request
  std::unique_ptr<app::HttpServer> http;
};

Server::Server(engine::Engine& engine, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

Server::~Server() = default;

Status Server::Bind() {
  DYNAFLOW_RETURN_IF_ERROR(CheckListenRules(impl_->options));
  app::HttpServerOptions o;
  o.host = impl_->options.host;
  o.port = impl_->options.port;
  o.limits = impl_->options.limits;
  Impl* impl = impl_.get();
  auto http = app::HttpServer::Bind(
      std::move(o), [impl](const app::HttpRequest& req) { return impl->HandleWithHeaders(req); });
  if (!http.ok()) return http.status();
  impl_->http = std::move(*http);
  port_ = impl_->port = impl_->http->port();
  return Status::OK();
}

Status Server::Run() {
  if (impl_->http == nullptr) return Status::Unavailable("the HTTP server is not bound");
  return impl_->http->Run();
}

void Server::Stop() {
  if (impl_->http != nullptr) impl_->http->Stop();
}

}  // namespace dynaflow::cli::ui
