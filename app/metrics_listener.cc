#include "app/metrics_listener.h"

#include <charconv>
#include <chrono>
#include <thread>

#include "engine/prometheus.h"

#ifdef DYNAFLOW_HAVE_HTTPLIB
#include <httplib.h>
#endif

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

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

#ifdef DYNAFLOW_HAVE_HTTPLIB

struct MetricsListener::Impl {
  httplib::Server http;
  std::thread thread;
};

Result<std::unique_ptr<MetricsListener>> MetricsListener::Start(
    const std::string& listen, std::function<std::string()> render) {
  std::string host;
  int port = 0;
  DYNAFLOW_RETURN_IF_ERROR(ParseListenAddress(listen, &host, &port));
  std::unique_ptr<MetricsListener> l(new MetricsListener());
  l->impl_ = std::make_unique<Impl>();
  httplib::Server& http = l->impl_->http;
  http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  http.Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  if (port == 0) {
    l->port_ = http.bind_to_any_port(host);
    if (l->port_ <= 0) return Status::Unavailable("cannot listen on " + listen);
  } else {
    if (!http.bind_to_port(host, port)) return Status::Unavailable("cannot listen on " + listen);
    l->port_ = port;
  }
  l->impl_->thread = std::thread([impl = l->impl_.get()] { impl->http.listen_after_bind(); });
  // Stop() is a no-op until the server runs: wait for it, so the destructor can always stop it.
  while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return l;
}

MetricsListener::~MetricsListener() {
  if (impl_) {
    impl_->http.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  }
}

#else

struct MetricsListener::Impl {};

Result<std::unique_ptr<MetricsListener>> MetricsListener::Start(const std::string&,
                                                                std::function<std::string()>) {
  return Status::InvalidArgument(
      "this build has no HTTP server (cpp-httplib: apt-get install libcpp-httplib-dev)");
}

MetricsListener::~MetricsListener() = default;

#endif

Result<std::unique_ptr<MetricsListener>> StartWorkerMetrics(const config::WorkerConfig& worker,
                                                            engine::Engine& engine) {
  if (worker.metrics_listen.empty()) return std::unique_ptr<MetricsListener>();
  auto l = MetricsListener::Start(worker.metrics_listen,
                                  [&engine] { return engine::RenderPrometheus(engine.metrics()); });
  if (!l.ok()) return l.status().WithContext("[worker] metrics-listen");
  return l;
}

}  // namespace dynaflow::app
