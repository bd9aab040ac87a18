// A worker process's Prometheus endpoint ([worker] metrics-listen): an HttpServer
// (dynaflow/app/http_server.h) on its own threads that answers GET (and HEAD) /metrics with
// engine::RenderPrometheus of the engine's metrics (dynaflow/engine/prometheus.h), 405 (with Allow)
// for other methods there and 404 for every other path. On a loopback address it follows the
// loopback rule (dynaflow/app/loopback.h): a request whose Host is not a loopback literal or
// localhost with the listener's port is answered 403. Request bodies are refused (413).
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

#include "dynaflow/app/http_server.h"
#include "dynaflow/app/loopback.h"
#include "dynaflow/config/config.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/model/result.h"

namespace dynaflow::app {

// "127.0.0.1:8080", "localhost:0", "[::1]:8080", "0.0.0.0:80" into host and port (0: any free
// one). Errors: kInvalidArgument naming the text.
Status ParseListenAddress(std::string_view text, std::string* host, int* port);

class MetricsListener {
 public:
  // Listens on `listen` (HOST:PORT) and serves `render()` at /metrics until destroyed, with
  // `limits` (but max_body_bytes 0: no request has a body).
  // Errors: kInvalidArgument (malformed address or limits), kUnavailable (cannot bind).
  static Result<std::unique_ptr<MetricsListener>> Start(const std::string& listen,
                                                        std::function<std::string()> render,
                                                        HttpLimits limits = {});
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
// nothing: one process, one engine), with metrics-max-connections and metrics-header-timeout as
// its limits; null when metrics-listen is empty. `engine` must outlive
// the listener. Errors: Start's, with "[worker] metrics-listen" in front.
Result<std::unique_ptr<MetricsListener>> StartWorkerMetrics(const config::WorkerConfig& worker,
                                                            engine::Engine& engine);

}  // namespace dynaflow::app
