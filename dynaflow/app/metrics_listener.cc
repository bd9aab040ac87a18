#include "dynaflow/app/metrics_listener.h"

#include <atomic>
#include <charconv>
#include <memory>
#include <thread>

#include "dynaflow/engine/prometheus.h"

namespace dynaflow::app {

Status ParseListenAddress(std::string_view text, std::string* host, int* port) {
  const auto bad = [&] {
    return Status::InvalidArgument("expected HOST:PORT (127.0.0.1:8080, [::1]:8080), got \"" +
                                   std::string(text) + "\"");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view h = text.substr(0, colon), p = text.substr(colon + 1);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return bad();
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return bad();
  }
  int n = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || n < 0 || n > 65535) {
    return bad();
  }
  *host = std::string(h);
  *port = n;
  return Status::OK();
}

struct MetricsListener::Impl {
  std::unique_ptr<HttpServer> server;
  std::thread thread;
};

Result<std::unique_ptr<MetricsListener>> MetricsListener::Start(const std::string& listen,
                                                                std::function<std::string()> render,
                                                                HttpLimits limits) {
  HttpServerOptions options;
  DYNAFLOW_RETURN_IF_ERROR(ParseListenAddress(listen, &options.host, &options.port));
  options.limits = limits;
  options.limits.max_body_bytes = 0;
  const bool loopback = IsLoopbackHost(options.host);
  // The handler reads the bound port, known only after Bind.
  auto port = std::make_shared<std::atomic<int>>(0);
  auto handler = [render = std::move(render), loopback, port](const HttpRequest& req) {
    HttpResponse res;
    res.content_type = "application/json";
    if (loopback && !IsLoopbackHostHeader(req.Header("Host"), port->load())) {
      res.status = 403;
      res.body = "{\"error\":\"unexpected Host header (use http://127.0.0.1:" +
                 std::to_string(port->load()) + "/metrics)\"}";
      return res;
    }
    if (req.path != "/metrics") {
      res.status = 404;
      res.body = "{\"error\":\"not found (the metrics are at /metrics)\"}";
      return res;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.headers.emplace_back("Allow", "GET, HEAD");
      res.body = "{\"error\":\"method not allowed\"}";
      return res;
    }
    res.headers.emplace_back("Cache-Control", "no-store");
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = render();
    return res;
  };
  auto server = HttpServer::Bind(std::move(options), std::move(handler));
  if (!server.ok()) return server.status();
  std::unique_ptr<MetricsListener> l(new MetricsListener());
  l->impl_ = std::make_unique<Impl>();
  l->impl_->server = std::move(*server);
  l->port_ = l->impl_->server->port();
  port->store(l->port_);
  l->impl_->thread = std::thread([impl = l->impl_.get()] { (void)impl->server->Run(); });
  return l;
}

MetricsListener::~MetricsListener() {
  if (impl_) {
    impl_->server->Stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  }
}

Result<std::unique_ptr<MetricsListener>> StartWorkerMetrics(const config::WorkerConfig& worker,
                                                            engine::Engine& engine) {
  if (worker.metrics_listen.empty()) return std::unique_ptr<MetricsListener>();
  HttpLimits limits;
  limits.max_connections = worker.metrics_max_connections;
  limits.header_timeout = worker.metrics_header_timeout;
  auto l = MetricsListener::Start(
      worker.metrics_listen, [&engine] { return engine::RenderPrometheus(engine.metrics()); },
      limits);
  if (!l.ok()) return l.status().WithContext("[worker] metrics-listen");
  return l;
}

}  // namespace dynaflow::app
