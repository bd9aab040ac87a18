// A worker process's Prometheus endpoint ([worker] metrics-listen): a small HTTP server on its
// own threads that answers GET /metrics with engine::RenderPrometheus of the engine's metrics
// (engine/prometheus.h) and 404 for everything else. Built on cpp-httplib (Debian
// libcpp-httplib-dev); without it, Start fails with kInvalidArgument.
//
//   auto metrics = app::StartWorkerMetrics(config.worker, *engine).value();  // null: none
//
// Thread-safety: Start/port/destructor from one thread; requests are served concurrently
// (Engine::metrics is thread-safe).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "engine/engine.h"
#include "model/result.h"

namespace dynaflow::app {

// "127.0.0.1:8080", "localhost:0", "[::1]:8080", "0.0.0.0:80" into host and port (0: any free
// one). Errors: kInvalidArgument naming the text.
Status ParseListenAddress(std::string_view text, std::string* host, int* port);

// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackHost(std::string_view host);

class MetricsListener {
 public:
  // Listens on `listen` (HOST:PORT) and serves `render()` at /metrics until destroyed.
  // Errors: kInvalidArgument (malformed address; built without cpp-httplib), kUnavailable
  // (cannot bind).
  static Result<std::unique_ptr<MetricsListener>> Start(const std::string& listen,
                                                        std::function<std::string()> render);
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  MetricsListener() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// MetricsListener::Start on worker.metrics_listen serving `engine`'s metrics (labelled
// nothing: one process, one engine); null when metrics-listen is empty. `engine` must outlive
// the listener. Errors: Start's, with "[worker] metrics-listen" in front.
Result<std::unique_ptr<MetricsListener>> StartWorkerMetrics(const config::WorkerConfig& worker,
                                                            engine::Engine& engine);

}  // namespace dynaflow::app
