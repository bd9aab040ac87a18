#include "examples/common/order_fates.h"

#include <algorithm>
#include <filesystem>

namespace dynaflow::examples {

void AddSagaFlags(CLI::App& app, SagaFlags* saga) {
  AddBoundedOption(app, "--decline-every", saga->decline_every,
                   "decline the payment of every n-th order", 1, 1000000);
  AddBoundedOption(app, "--undeliverable-every", saga->undeliverable_every,
                   "fail the shipping of every n-th order", 1, 1000000);
  AddBoundedOption(app, "--flaky-every", saga->flaky_every,
                   "time out the first charge attempt of every n-th order (retried)", 1, 1000000);
  AddBoundedOption(app, "--step-ms", saga->step_ms, "simulated service latency per call, ms", 0,
                   60000);
  app.add_flag("--webhook", saga->webhook,
               "payments are confirmed by a \"payment-confirmed\" event from a simulated webhook");
  AddBoundedOption(app, "--unconfirmed-every", saga->unconfirmed_every,
                   "with --webhook: never confirm the payment of every n-th order (it times out)",
                   1, 1000000);
  AddBoundedOption(app, "--confirm-timeout-ms", saga->confirm_timeout_ms,
                   "with --webhook: how long a run waits for its confirmation, ms", 1, 3600000);
}

engine::StepOptions ChargeOptions() {
  engine::StepOptions o;
  o.retry.max_attempts = 3;
  o.retry.initial_backoff = Duration(5);
  o.retry.non_retryable = {StatusCode::kInvalidArgument, StatusCode::kPermissionDenied};
  return o;
}

engine::StepOptions ShipOptions() {
  engine::StepOptions o;
  o.retry = engine::RetryPolicy::None();
  return o;
}

Fate FateOf(int64_t id, const SagaFlags& f) {
  if (id % f.decline_every == 0) return Fate::kDeclined;
  if (f.webhook && id % f.unconfirmed_every == 0) return Fate::kUnconfirmed;
  if (id % f.undeliverable_every == 0) return Fate::kUndeliverable;
  return Fate::kCompleted;
}

void PrintFateRules(std::FILE* out, const SagaFlags& saga) {
  std::fprintf(out,
               "  orders divisible by %d: payment declined; by %d: address undeliverable (both "
               "end COMPENSATED); by %d: first charge attempt times out (retried)\n",
               saga.decline_every, saga.undeliverable_every, saga.flaky_every);
  if (saga.webhook) {
    std::fprintf(out,
                 "  webhook: payments confirmed by a \"payment-confirmed\" event, except orders "
                 "divisible by %d (they time out after %d ms and are compensated)\n",
                 saga.unconfirmed_every, saga.confirm_timeout_ms);
  }
  std::fflush(out);
}

Webhook::Webhook(engine::Engine& engine, const SagaFlags& saga,
                 std::map<std::string, int64_t> orders,
                 std::function<std::string(int64_t)> payload_of) {
  if (!saga.webhook) return;
  thread_ = std::thread(
      [this, &engine, saga, orders = std::move(orders), payload_of = std::move(payload_of)] {
        for (const auto& [run_id, id] : orders) {
          Fate fate = FateOf(id, saga);
          if (fate == Fate::kDeclined || fate == Fate::kUnconfirmed) continue;
          std::this_thread::sleep_for(std::chrono::milliseconds(saga.step_ms));
          engine::SendEventOptions eo;
          eo.event_id = "webhook-" + std::to_string(id);  // the provider's delivery id
          auto sent = engine.SendEventEncoded(run_id, "payment-confirmed", payload_of(id), eo);
          if (!sent.ok()) {
            std::fprintf(stderr, "webhook for order %lld: %s\n", static_cast<long long>(id),
                         sent.error().ToString().c_str());
            ++errors_;
          }
        }
      });
}

Webhook::~Webhook() { (void)Join(); }

int64_t Webhook::Join() {
  if (thread_.joinable()) thread_.join();
  return errors_;
}

namespace {

// Adds the problems the run check itself cannot see: the wait timed out, orders that could not
// be started, failed webhook deliveries.
void AddRunProblems(RunCheck& check, bool all_finished, int timeout_seconds, int start_errors,
                    int64_t webhook_errors) {
  if (!all_finished) {
    check.problems.insert(
        check.problems.begin(),
        "timed out after " + std::to_string(timeout_seconds) + " s waiting for the runs");
  }
  for (int i = 0; i < start_errors; ++i) check.problems.push_back("an order could not be started");
  if (webhook_errors > 0) {
    check.problems.push_back(std::to_string(webhook_errors) + " webhook deliveries failed");
  }
}

// The summary's "fates" line.
std::string FateLine(const std::map<Fate, int64_t>& fates, const SagaFlags& saga,
                     const engine::EngineMetrics& metrics) {
  auto count = [&](Fate f) {
    auto it = fates.find(f);
    return std::to_string(it == fates.end() ? 0 : it->second);
  };
  std::string line = "fates           " + count(Fate::kCompleted) + " completed, " +
                     count(Fate::kDeclined) + " declined, " + count(Fate::kUndeliverable) +
                     " undeliverable";
  if (saga.webhook) {
    line += ", " + count(Fate::kUnconfirmed) + " unconfirmed (timed out waiting for the webhook: " +
            std::to_string(metrics.wait_timeouts) + ")";
  }
  return line;
}

}  // namespace

std::map<std::string, StepStatus> RecordedSteps(const store::RunDetails& d) {
  std::map<std::string, StepStatus> recorded;
  for (const StepExecution& s : d.steps) recorded[s.step_id] = s.status;
  return recorded;
}

namespace {

int RunSagaExample(ExampleEnv& env, RunningWorker& running, const CommonFlags& flags,
                   const SagaFlags& saga, const std::string& program, const SagaExample& example) {
  engine::Engine& engine = *env.engine;
  const auto start = std::chrono::steady_clock::now();
  const std::string batch = std::to_string(ToUnixMillis(Clock::Real()->Now()));
  std::vector<ExpectedRun> runs;
  std::map<std::string, int64_t> orders;  // run id -> order id
  ProgressReporter progress(
      engine, flags.runs,
      std::chrono::milliseconds(static_cast<int64_t>(flags.progress_seconds * 1000)), stdout);
  int start_errors = 0;
  for (int i = 1; i <= flags.runs; ++i) {
    engine::StartOptions so;
    so.business_key = "order-" + batch + "-" + std::to_string(i);
    auto started = engine.StartEncoded(example.workflow.id(), example.workflow.version(),
                                       example.input_of(i), so);
    if (!started.ok()) {
      std::fprintf(stderr, "%s: starting order %d: %s\n", program.c_str(), i,
                   started.error().ToString().c_str());
      ++start_errors;
      continue;
    }
    const bool compensated = FateOf(i, saga) != Fate::kCompleted;
    runs.push_back({started->run_id, compensated ? RunStatus::kCompensated : RunStatus::kCompleted,
                    "order " + std::to_string(i)});
    orders[started->run_id] = i;
  }
  // Confirms each charged order except the unconfirmed ones; a confirmation that arrives before
  // the run waits for it is kept and consumed when it does.
  Webhook webhook(engine, saga, orders, example.confirmation_of);
  const bool all_finished = WaitForFinishedRuns(engine, static_cast<int64_t>(runs.size()),
                                                std::chrono::seconds(flags.timeout_seconds));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.Stop();
  const int64_t webhook_errors = webhook.Join();
  engine::EngineMetrics metrics = engine.metrics();
  running.worker->Stop();

  RunCheck check = CheckRuns(engine, runs, [&](const ExpectedRun& r, const store::RunDetails& d) {
    return example.check(orders.at(r.run_id), d);
  });
  AddRunProblems(check, all_finished, flags.timeout_seconds, start_errors, webhook_errors);
  std::map<Fate, int64_t> fates;
  for (const auto& [run_id, id] : orders) ++fates[FateOf(id, saga)];
  SummaryInput summary;
  summary.program = example.summary_name;
  summary.store = env.store.description;
  summary.threads = env.config.worker.threads;
  summary.runs = static_cast<int64_t>(runs.size());
  summary.elapsed_seconds = elapsed;
  summary.metrics = metrics;
  summary.check = &check;
  summary.notes.push_back("checks          " + example.checks_note);
  summary.notes.push_back(FateLine(fates, saga, metrics));
  PrintSummary(stdout, summary);

  running.worker.reset();
  running.metrics.reset();
  env.engine.reset();
  env.store.table.reset();
  RemoveTemporaryStore(env, flags.keep_store);
  if (flags.keep_store && !env.temporary_sqlite.empty()) {
    std::printf("  store kept at %s\n", env.temporary_sqlite.c_str());
  }
  return check.problems.empty() ? 0 : 1;
}

}  // namespace

int SagaMain(int argc, char** argv, const std::string& description,
             const std::function<Result<SagaExample>(const SagaFlags&)>& make) {
  CLI::App app{description};
  CommonFlags flags;
  SagaFlags saga;
  AddCommonFlags(app, &flags, /*default_runs=*/200);
  AddSagaFlags(app, &saga);
  std::string program = std::filesystem::path(argc > 0 ? argv[0] : "order_saga").filename();
  std::string file_name = program;
  std::replace(file_name.begin(), file_name.end(), '_', '-');
  ParsedExample parsed = ParseAndSetUp(app, argc, argv, flags, file_name);
  if (!parsed.env) return parsed.exit_code;
  ExampleEnv env = std::move(*parsed.env);
  Result<SagaExample> example = make(saga);
  Status registered = example.ok() ? env.engine->Register(example->workflow) : example.error();
  if (!registered.ok()) {
    std::fprintf(stderr, "%s: bad workflow definition: %s\n", program.c_str(),
                 registered.ToString().c_str());
    return 2;
  }
  // The worker and, with [worker] metrics-listen, Prometheus metrics of this process at /metrics.
  std::optional<RunningWorker> running =
      StartExampleWorker(env, app::WorkerOptionsFor(env.config.worker), program.c_str());
  if (!running) return 2;
  std::printf("%s: %d orders on %s, 1 worker x %d threads%s\n", example->summary_name.c_str(),
              flags.runs, env.store.description.c_str(), env.config.worker.threads,
              env.temporary_sqlite.empty() ? "" : " (temporary SQLite file)");
  PrintFateRules(stdout, saga);
  return RunSagaExample(env, *running, flags, saga, program, *example);
}

}  // namespace dynaflow::examples
