#include "cli/ui/server.h"

#include <httplib.h>

#include <algorithm>

#include "app/metrics_listener.h"
#include "cli/ui/assets.h"
#include "engine/prometheus.h"

namespace dynaflow::cli::ui {

namespace {

constexpr char kSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

void Send(httplib::Response& res, const HttpReply& reply) {
  res.status = reply.status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(reply.body, reply.content_type.c_str());
}

std::string HostOnly(std::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    return std::string(host_port.substr(0, close == std::string_view::npos ? 0 : close + 1));
  }
  return std::string(host_port.substr(0, host_port.rfind(':')));
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

  // Security checks of every request; true when it was answered (refused) here.
  bool Refuse(const httplib::Request& req, httplib::Response& res, int port) const {
    if (app::IsLoopbackHost(options.host)) {
      const std::string host = HostOnly(req.get_header_value("Host"));
      if (host != "localhost" && host != "[::1]" && host != options.host &&
          host.substr(0, 4) != "127.") {
        Send(res, JsonError(403, "unexpected Host header (use http://127.0.0.1:" +
                                     std::to_string(port) + "/)"));
        return true;
      }
    }
    const bool data = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics";
    if (data && !options.auth_token.empty()) {
      const std::string auth = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      const bool bearer = auth.size() > kBearer.size() && auth.rfind(kBearer, 0) == 0;
      if (!bearer ||
          !SecretEquals(std::string_view(auth).substr(kBearer.size()), options.auth_token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        Send(res, JsonError(401, "missing or wrong bearer token"));
        return true;
      }
    }
    if (req.method == "POST") {
      if (req.get_header_value("X-Dynaflow-CSRF") != "1") {
        Send(res, JsonError(403, "state-changing requests need the header X-Dynaflow-CSRF: 1"));
        return true;
      }
      if (req.has_header("Origin") &&
          req.get_header_value("Origin") != "http://" + req.get_header_value("Host")) {
        Send(res, JsonError(403, "cross-origin request refused"));
        return true;
      }
      if (options.read_only) {
        Send(res, JsonError(403, "read-only dashboard (started with --read-only)"));
        return true;
      }
    } else if (req.method != "GET" && req.method != "HEAD") {
      Send(res, JsonError(405, "method not allowed"));
      return true;
    }
    return false;
  }

  void Routes(int* port) {
    http.set_pre_routing_handler([this, port](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Content-Security-Policy", kSecurityPolicy);
      res.set_header("X-Frame-Options", "DENY");
      res.set_header("Referrer-Policy", "no-referrer");
      return Refuse(req, res, *port) ? httplib::Server::HandlerResponse::Handled
                                     : httplib::Server::HandlerResponse::Unhandled;
    });
    for (const char* path : {"/", "/app.js", "/app.css"}) {
      http.Get(path, [](const httplib::Request& req, httplib::Response& res) {
        const Asset* a = FindAsset(req.path);
        if (a == nullptr) {
          Send(res, JsonError(404, "no such page"));
          return;
        }
        res.set_content(a->body.data(), a->body.size(), std::string(a->content_type).c_str());
      });
    }
    http.Get("/api/runs", [this](const httplib::Request& req, httplib::Response& res) {
      Send(res, api.Runs(req.params));
    });
    http.Get("/api/info", [this](const httplib::Request&, httplib::Response& res) {
      HttpReply r;
      r.body = std::string("{\"read_only\":") + (options.read_only ? "true" : "false") + "}";
      Send(res, r);
    });
    http.Get("/api/counts", [this](const httplib::Request& req, httplib::Response& res) {
      Send(res, api.Counts(req.params));
    });
    http.Get(R"(/api/runs/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!req.params.empty()) {
        Send(res, JsonError(400, "unknown parameter: " + req.params.begin()->first));
        return;
      }
      Send(res, api.RunPage(req.matches[1]));
    });
    http.Get(R"(/api/runs/([^/]+)/payload)",
             [this](const httplib::Request& req, httplib::Response& res) {
               Send(res, api.Payload(req.matches[1], req.params));
             });
    http.Post(R"(/api/runs/([^/]+)/cancel)",
              [this](const httplib::Request& req, httplib::Response& res) {
                Send(res, api.Cancel(req.matches[1]));
              });
    http.Post(R"(/api/runs/([^/]+)/retry)",
              [this](const httplib::Request& req, httplib::Response& res) {
                Send(res, api.Retry(req.matches[1]));
              });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      const std::string text = options.metrics_text ? options.metrics_text()
                                                    : engine::RenderPrometheus(engine.metrics());
      res.set_header("Cache-Control", "no-store");
      res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) {
        Send(res, JsonError(res.status, res.status == 404 ? "not found" : "request failed"));
      }
    });
  }

  engine::Engine& engine;
  ServerOptions options;
  Api api;
  httplib::Server http;
};

Server::Server(engine::Engine& engine, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {
  impl_->Routes(&port_);
}

Server::~Server() = default;

Status Server::Bind() {
  DYNAFLOW_RETURN_IF_ERROR(CheckListenRules(impl_->options));
  const std::string& host = impl_->options.host;
  if (impl_->options.port == 0) {
    port_ = impl_->http.bind_to_any_port(host);
    if (port_ <= 0) return Status::Unavailable("cannot listen on " + host);
  } else {
    if (!impl_->http.bind_to_port(host, impl_->options.port)) {
      return Status::Unavailable("cannot listen on " + host + ":" +
                                 std::to_string(impl_->options.port));
    }
    port_ = impl_->options.port;
  }
  return Status::OK();
}

Status Server::Run() {
  if (!impl_->http.listen_after_bind()) return Status::Unavailable("the HTTP server failed");
  return Status::OK();
}

void Server::Stop() { impl_->http.stop(); }

}  // namespace dynaflow::cli::ui
