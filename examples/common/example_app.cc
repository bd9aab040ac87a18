#include "examples/common/example_app.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "dynaflow/model/version.h"

namespace dynaflow::examples {

void AddCommonFlags(CLI::App& app, CommonFlags* flags, int default_runs) {
  flags->runs = default_runs;
  AddBoundedOption(app, "--runs", flags->runs, "runs to start", 1, 10000000);
  AddBoundedOption(app, "--threads", flags->threads,
                   "worker threads (shorthand for --worker.threads; 0: the configuration's)", 0,
                   1024);
  AddBoundedOption(app, "--progress", flags->progress_seconds,
                   "seconds between progress lines (0: none)", 0.0, 3600.0);
  AddBoundedOption(app, "--timeout", flags->timeout_seconds,
                   "seconds to wait for the runs before giving up", 1, 86400);
  app.add_option("--log-level", flags->log_level,
                 "engine log level: trace, debug, info, warn, err, critical, off")
      ->capture_default_str();
  app.add_flag("--keep-store", flags->keep_store,
               "keep the temporary SQLite file used when no store path is configured");
  config::AddConfigOptions(app, &flags->config);
  app.set_version_flag("--version", "dynaflow " + std::string(Version()),
                       "print the dynaflow version and exit");
}

Result<ExampleEnv> SetUpExample(const CommonFlags& flags, const std::string& program) {
  auto level = spdlog::level::from_str(flags.log_level);
  if (level == spdlog::level::off && flags.log_level != "off") {
    return Status::InvalidArgument("--log-level: unknown level \"" + flags.log_level + "\"");
  }
  spdlog::set_level(level);

  ExampleEnv env;
  auto loaded = config::LoadConfig(flags.config.ToLoadOptions());
  if (!loaded.ok()) return loaded.error();
  env.config = std::move(loaded).value();
  if (flags.threads > 0) env.config.worker.threads = flags.threads;
  if (env.config.store.type == config::StoreType::kSqlite &&
      env.config.origins.count("store.path") == 0) {
    std::error_code ec;
    auto dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    env.temporary_sqlite =
        (dir / ("dynaflow-" + program + "-" + std::to_string(::getpid()) + ".db")).string();
    env.config.store.path = env.temporary_sqlite;
    RemoveTemporaryStore(env, /*keep=*/false);  // a leftover of an earlier process with our pid
  }
  auto opened = app::OpenStore(env.config.store);
  if (!opened.ok()) return opened.error();
  env.store = std::move(opened).value();

  auto engine = app::OpenEngine(env.config.store, env.store);
  if (!engine.ok()) return engine.error();
  env.engine = std::move(engine).value();
  return env;
}

ParsedExample ParseAndSetUp(CLI::App& app, int argc, char** argv, const CommonFlags& flags,
                            const std::string& workflow_program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e) == 0 ? 0 : 2};
  }
  auto set_up = SetUpExample(flags, workflow_program);
  if (!set_up.ok()) {
    const std::string binary = std::filesystem::path(argv[0]).filename().string();
    std::fprintf(stderr, "%s: %s\n", binary.c_str(), set_up.error().ToString().c_str());
    return {std::nullopt, 2};
  }
  return {std::move(set_up).value(), 0};
}

std::optional<RunningWorker> StartExampleWorker(ExampleEnv& env,
                                                const engine::WorkerOptions& options,
                                                const char* program) {
  auto worker = env.engine->NewWorker(options);
  if (!worker.ok() || !(*worker)->Start().ok()) {
    std::fprintf(stderr, "%s: cannot start the worker: %s\n", program,
                 worker.ok() ? "start failed" : worker.error().ToString().c_str());
    return std::nullopt;
  }
  auto metrics = app::StartWorkerMetrics(env.config.worker, *env.engine);
  if (!metrics.ok()) {
    std::fprintf(stderr, "%s: %s\n", program, metrics.error().ToString().c_str());
    return std::nullopt;
  }
  if (*metrics) std::printf("  metrics: /metrics on port %d\n", (*metrics)->port());
  return RunningWorker{std::move(worker).value(), std::move(metrics).value()};
}

void RemoveTemporaryStore(const ExampleEnv& env, bool keep) {
  if (env.temporary_sqlite.empty() || keep) return;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(env.temporary_sqlite + suffix, ec);
  }
}

ProgressReporter::ProgressReporter(engine::Engine& engine, int64_t total,
                                   std::chrono::milliseconds interval, std::FILE* out)
    : engine_(engine),
      total_(total),
      interval_(interval),
      out_(out),
      start_(std::chrono::steady_clock::now()) {
  if (interval_.count() > 0) thread_ = std::thread([this] { Loop(); });
}

ProgressReporter::~ProgressReporter() { Stop(); }

void ProgressReporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressReporter::Loop() {
  int64_t last_finished = 0;
  auto last = start_;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, interval_, [&] { return stop_; })) return;
    }
    auto now = std::chrono::steady_clock::now();
    engine::EngineMetrics m = engine_.metrics();
    int64_t finished = engine::RunsFinished(m);
    double window = std::chrono::duration<double>(now - last).count();
    double rate = window > 0 ? static_cast<double>(finished - last_finished) / window : 0;
    std::fprintf(out_,
                 "%7.1f s  %lld/%lld finished  COMPLETED %lld  COMPENSATED %lld  FAILED %lld  "
                 "CANCELLED %lld  | %.0f runs/s, %lld steps recorded\n",
                 std::chrono::duration<double>(now - start_).count(),
                 static_cast<long long>(finished), static_cast<long long>(total_),
                 static_cast<long long>(m.runs_completed),
                 static_cast<long long>(m.runs_compensated), static_cast<long long>(m.runs_failed),
                 static_cast<long long>(m.runs_cancelled), rate,
                 static_cast<long long>(m.steps_completed + m.steps_skipped + m.steps_failed +
                                        m.compensations));
    std::fflush(out_);
    last_finished = finished;
    last = now;
  }
}

bool WaitForFinishedRuns(engine::Engine& engine, int64_t total, std::chrono::seconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (engine::RunsFinished(engine.metrics()) < total) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

RunCheck CheckRuns(
    engine::Engine& engine, const std::vector<ExpectedRun>& runs,
    const std::function<std::string(const ExpectedRun&, const store::RunDetails&)>& extra) {
  RunCheck check;
  for (const ExpectedRun& r : runs) {
    ++check.expected[r.expected];
    auto details = engine.GetRun(r.run_id, /*with_outputs=*/false);
    if (!details.ok()) {
      check.problems.push_back(r.label + " (run " + r.run_id +
                               "): cannot read it: " + details.error().ToString());
      continue;
    }
    const Run& run = details->run;
    ++check.actual[run.status];
    if (run.status != r.expected) {
      std::string line = r.label + " (run " + r.run_id + ") is " +
                         std::string(RunStatusName(run.status)) + ", expected " +
                         std::string(RunStatusName(r.expected));
      if (!run.error.empty()) line += ": " + run.error;
      check.problems.push_back(std::move(line));
      continue;
    }
    if (extra) {
      std::string problem = extra(r, *details);
      if (!problem.empty())
        check.problems.push_back(r.label + " (run " + r.run_id + "): " + problem);
    }
  }
  return check;
}

namespace {
constexpr RunStatus kAllStatuses[] = {
    RunStatus::kCompleted, RunStatus::kCompensated, RunStatus::kFailed,   RunStatus::kCancelled,
    RunStatus::kPending,   RunStatus::kRunning,     RunStatus::kSleeping, RunStatus::kCompensating};

long long L(int64_t v) { return static_cast<long long>(v); }
}  // namespace

void PrintWriteCost(std::FILE* out, const table::TableStats& store, int64_t recorded_steps,
                    int64_t runs) {
  if (store.write_units <= 0) {
    std::fprintf(out, "  write units     not reported by this backend (DynamoDB reports them)\n");
    return;
  }
  const double per_step =
      recorded_steps > 0 ? store.write_units / static_cast<double>(recorded_steps) : 0.0;
  std::fprintf(out,
               "  write units     %.0f WRU: %.2f per recorded step, %.2f per run; $%.2f per "
               "million steps at $%.3f per million WRU (Step Functions Standard: $%.0f per "
               "million transitions)\n",
               store.write_units, per_step,
               runs > 0 ? store.write_units / static_cast<double>(runs) : 0.0,
               per_step * kOnDemandUsdPerMillionWru, kOnDemandUsdPerMillionWru,
               kStepFunctionsUsdPerMillionTransitions);
}

void PrintSummary(std::FILE* out, const SummaryInput& in) {
  const engine::EngineMetrics& m = in.metrics;
  const double secs = in.elapsed_seconds > 0 ? in.elapsed_seconds : 1e-9;
  const int64_t recorded = m.steps_completed + m.steps_skipped + m.steps_failed + m.compensations;
  std::fprintf(out, "\nsummary: %s on %s, %d worker threads\n", in.program.c_str(),
               in.store.c_str(), in.threads);
  std::fprintf(out, "  runs            %lld finished in %.2f s: %.1f runs/s\n",
               L(engine::RunsFinished(m)), in.elapsed_seconds,
               static_cast<double>(engine::RunsFinished(m)) / secs);
  if (in.check != nullptr) {
    for (RunStatus s : kAllStatuses) {
      auto a = in.check->actual.find(s);
      auto e = in.check->expected.find(s);
      int64_t actual = a == in.check->actual.end() ? 0 : a->second;
      int64_t expected = e == in.check->expected.end() ? 0 : e->second;
      if (actual == 0 && expected == 0) continue;
      std::fprintf(out, "    %-13s %5lld   (expected %lld)\n",
                   std::string(RunStatusName(s)).c_str(), L(actual), L(expected));
    }
  }
  std::fprintf(out,
               "  steps executed  %lld recorded: %lld completed, %lld skipped, %lld failed, %lld "
               "compensations; %lld attempts (%lld retries)\n",
               L(recorded), L(m.steps_completed), L(m.steps_skipped), L(m.steps_failed),
               L(m.compensations), L(m.step_attempts), L(m.retries));
  std::fprintf(out,
               "                  %.1f steps/s; step latency mean %.2f ms, p50 %.2f ms, p99 %.2f "
               "ms, max %.2f ms\n",
               static_cast<double>(recorded) / secs, m.step_latency.mean_ms, m.step_latency.p50_ms,
               m.step_latency.p99_ms, m.step_latency.max_ms);
  std::fprintf(
      out,
      "  store requests  %lld: %.2f per recorded step, %.2f per run (reads %lld, writes "
      "%lld, queries %lld; %lld polls, %lld claims, %lld hand-overs, %lld heartbeats)\n",
      L(m.store.requests),
      recorded > 0 ? static_cast<double>(m.store.requests) / static_cast<double>(recorded) : 0.0,
      in.runs > 0 ? static_cast<double>(m.store.requests) / static_cast<double>(in.runs) : 0.0,
      L(m.store.reads), L(m.store.writes), L(m.store.queries), L(m.polls), L(m.runs_claimed),
      L(m.runs_handed_over), L(m.heartbeats));
  PrintWriteCost(out, m.store, recorded, in.runs);
  std::fprintf(out, "  elapsed         %.2f s\n", in.elapsed_seconds);
  for (const std::string& note : in.notes) std::fprintf(out, "  %s\n", note.c_str());
  if (in.check != nullptr) {
    if (in.check->problems.empty()) {
      std::fprintf(out, "  result          OK: every run reached its expected outcome\n");
    } else {
      std::fprintf(out, "  result          FAILED: %zu runs not as expected\n",
                   in.check->problems.size());
      size_t shown = 0;
      for (const std::string& p : in.check->problems) {
        if (++shown > 20) {
          std::fprintf(out, "    ... and %zu more\n", in.check->problems.size() - 20);
          break;
        }
        std::fprintf(out, "    %s\n", p.c_str());
      }
    }
  }
  std::fflush(out);
}

}  // namespace dynaflow::examples
