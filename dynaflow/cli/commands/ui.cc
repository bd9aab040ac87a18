// dynaflow ui: the web dashboard and JSON API over the configured store (dynaflow/cli/ui/server.h).
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "dynaflow/app/metrics_listener.h"
#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/time_text.h"
#include "dynaflow/cli/ui/server.h"

namespace dynaflow::cli {

namespace {

constexpr char kHelp[] =
    "Serve the web dashboard, its JSON API (/api/...) and Prometheus metrics (/metrics) over "
    "the configured store until SIGINT/SIGTERM. Loopback only unless --auth-token or "
    "--insecure.";

struct Flags {
  std::string listen = "127.0.0.1:8080";
  std::string auth_token;
  bool insecure = false;
  bool read_only = false;
  size_t payload_preview_bytes = 16 * 1024;
  app::HttpLimits limits;
  std::string header_timeout = "10s";
  std::string runs_gauge_max_age = "30s";

  void Declare(CLI::App& cmd) {
    cmd.add_option("--listen", listen,
                   "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: any free one)");
    cmd.add_option("--auth-token", auth_token,
                   "require 'Authorization: Bearer TOKEN' for /api and /metrics (default "
                   "$DYNAFLOW_UI_AUTH_TOKEN; prefer it: flags show in ps)");
    cmd.add_flag("--insecure", insecure, "allow a non-loopback --listen without a token");
    cmd.add_flag("--read-only", read_only, "disable cancel and retry");
    cmd.add_option("--payload-preview-bytes", payload_preview_bytes,
                   "payloads longer than this are cut in the run page (default 16384)");
    cmd.add_option("--max-header-bytes", limits.max_header_bytes,
                   "request line plus headers, in bytes; more: 431 (default 16384)");
    cmd.add_option("--max-header-lines", limits.max_header_lines,
                   "header lines per request; more: 431 (default 100)");
    cmd.add_option("--max-body-bytes", limits.max_body_bytes,
                   "request body, in bytes; larger: 413 before it is read (default 65536)");
    cmd.add_option("--header-timeout", header_timeout,
                   "time a client has to send a request's line and headers; slower: 408 and "
                   "disconnected (default 10s)");
    cmd.add_option("--max-connections", limits.max_connections,
                   "connections served at once; more: 503 (default 64)");
    cmd.add_option("--runs-gauge-max-age", runs_gauge_max_age,
                   "how old the dynaflow_runs{status} gauge of /metrics may be before a scrape "
                   "recounts (8 x gsi2-shards Queries per 1000 runs; default 30s)");
  }
};

int Execute(Context& ctx, const Flags& f) {
  ui::ServerOptions options;
  Status s = app::ParseListenAddress(f.listen, &options.host, &options.port);
  if (!s.ok()) return ctx.Fail(kExitUsage, s.WithContext("--listen"));
  options.auth_token = f.auth_token;
  if (options.auth_token.empty()) {
    const char* env = std::getenv("DYNAFLOW_UI_AUTH_TOKEN");
    if (env != nullptr) options.auth_token = env;
  }
  options.insecure = f.insecure;
  options.read_only = f.read_only;
  options.api.payload_preview_bytes = f.payload_preview_bytes;
  options.limits = f.limits;
  auto header_timeout = ParseDurationText(f.header_timeout);
  if (!header_timeout.ok()) {
    return ctx.Fail(kExitUsage, header_timeout.status().WithContext("--header-timeout"));
  }
  options.limits.header_timeout = *header_timeout;
  auto gauge_age = ParseDurationText(f.runs_gauge_max_age);
  if (!gauge_age.ok()) {
    return ctx.Fail(kExitUsage, gauge_age.status().WithContext("--runs-gauge-max-age"));
  }
  options.api.runs_gauge_max_age = *gauge_age;
  if (options.limits.header_timeout.count() <= 0 || options.limits.max_connections <= 0 ||
      options.limits.max_header_bytes == 0 || options.limits.max_header_lines == 0) {
    return ctx.Fail(kExitUsage,
                    Status::InvalidArgument("--header-timeout, --max-connections, "
                                            "--max-header-bytes and --max-header-lines must be "
                                            "positive"));
  }
  s = ui::CheckListenRules(options);
  if (!s.ok()) return ctx.Fail(kExitUsage, s);

  auto store = ctx.Store();
  if (!store.ok()) return ctx.Fail(kExitFailure, store.status());
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;

  // SIGINT / SIGTERM stop the server; the server's threads inherit the blocked mask, so the
  // signals reach only the waiting thread below. SIGUSR1 ends that thread after Run returned.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ui::Server server(*engine, options);
  s = server.Bind();
  if (!s.ok()) return ctx.Fail(kExitFailure, s);
  const bool v6 = options.host.find(':') != std::string::npos;
  const std::string url = "http://" + (v6 ? "[" + options.host + "]" : options.host) + ":" +
                          std::to_string(server.port()) + "/";
  ctx.Message("dynaflow ui: listening on " + url + (options.read_only ? " (read-only)" : "") +
              (options.auth_token.empty()
                   ? ""
                   : " (bearer token required: open " + url + "#token=<token>)") +
              "; store " + (*store)->description);
  // Stop() does nothing before the server runs: a signal that arrives between Bind and Run is
  // repeated until Run returned.
  std::atomic<bool> finished{false};
  std::thread waiter([&server, &finished, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    while (!finished.load()) {
      server.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  s = server.Run();
  finished.store(true);
  pthread_kill(waiter.native_handle(), SIGUSR1);  // ends a sigwait still waiting
  waiter.join();
  if (!s.ok()) return ctx.Fail(kExitFailure, s);
  return kExitOk;
}

}  // namespace

void AddUi(CLI::App& app, Context& ctx) { AddCommand<Flags>(app, ctx, "ui", kHelp, Execute); }

}  // namespace dynaflow::cli
