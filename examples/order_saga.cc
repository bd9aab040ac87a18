// The order saga: reserve inventory -> charge payment -> ship, with compensations (release the
// reservation, refund the payment). Some payments are declined and some addresses cannot be
// served; both fail the run for good, the compensations of the completed steps run in reverse
// order, and the run ends COMPENSATED. Some payment attempts time out once and are retried.
//
//   order_saga [--runs 200] [--threads 8] [--config dynaflow.toml] [--store.type=dynamodb ...]
//
// Starts --runs orders, executes them with one Worker of --threads threads, prints a progress
// line every --progress seconds and a summary at the end. Which orders fail is deterministic:
// order i is declined when i % --decline-every == 0, undeliverable when (not declined and)
// i % --undeliverable-every == 0, and its first charge attempt times out when
// i % --flaky-every == 0. The services are simulated in memory with idempotency keys; after the
// runs, every order's records and the services' ledgers are checked against its expected fate.
//
// With --webhook the payment is confirmed by an external event: "charge" only requests the
// payment, and the run then waits (parked, holding no worker thread) for the event
// "payment-confirmed" that a simulated webhook thread sends for every charged order except
// every --unconfirmed-every-th, whose runs time out after --confirm-timeout-ms and compensate
// (refund, release). The summary counts each fate.
// Exit status: 0 when every run ended as expected, 1 otherwise, 2 for bad flags or a store that
// cannot be opened.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "examples/common/example_app.h"
#include "examples/common/order_fates.h"

namespace dynaflow::examples {
namespace {

using engine::Codec;
using engine::StepContext;

struct Order {
  int64_t id = 0;
  std::string sku;
  int32_t quantity = 1;
  int64_t amount_cents = 0;
};
struct Reservation {
  int64_t order_id = 0;
  std::string reservation_id;
  int64_t amount_cents = 0;
};
struct Payment {
  int64_t order_id = 0;
  std::string payment_id;
};
struct Shipment {
  int64_t order_id = 0;
  std::string tracking;
};

}  // namespace
}  // namespace dynaflow::examples

// JSON codecs of the saga's types (engine/codec.h, way 1).
namespace dynaflow::engine {
using examples::Order;
using examples::Payment;
using examples::Reservation;
using examples::Shipment;

template <>
struct JsonFields<Order> {
  static constexpr auto kFields = std::make_tuple(
      JsonField("id", &Order::id), JsonField("sku", &Order::sku),
      JsonField("quantity", &Order::quantity), JsonField("amount_cents", &Order::amount_cents));
};
template <>
struct JsonFields<Reservation> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("order_id", &Reservation::order_id),
                      JsonField("reservation_id", &Reservation::reservation_id),
                      JsonField("amount_cents", &Reservation::amount_cents));
};
template <>
struct JsonFields<Payment> {
  static constexpr auto kFields = std::make_tuple(JsonField("order_id", &Payment::order_id),
                                                  JsonField("payment_id", &Payment::payment_id));
};
template <>
struct JsonFields<Shipment> {
  static constexpr auto kFields = std::make_tuple(JsonField("order_id", &Shipment::order_id),
                                                  JsonField("tracking", &Shipment::tracking));
};
}  // namespace dynaflow::engine

namespace dynaflow::examples {
namespace {

// The simulated inventory, payment and shipping services. Every call carries the step's
// idempotency key, so a step executed again (after a crash, or a retry) changes nothing twice.
// Thread-safe.
class Services {
 public:
  explicit Services(const SagaFlags& flags) : flags_(flags) {}

  Result<Reservation> Reserve(const std::string& key, const Order& o) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = reservations_.try_emplace(o.id, "rsv-" + key);
    if (fresh) held_[o.id] = o.quantity;
    return Reservation{o.id, it->second, o.amount_cents};
  }
  void Release(const Reservation& r) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase(r.order_id);
  }
  Result<Payment> Charge(StepContext& ctx, const Reservation& r) {
    Work();
    if (r.order_id % flags_.decline_every == 0) {
      return Status::PermissionDenied("payment declined for order " + std::to_string(r.order_id));
    }
    if (r.order_id % flags_.flaky_every == 0 && ctx.attempt() == 1) {
      return Status::Unavailable("payment gateway timed out");  // retried
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = payments_.try_emplace(r.order_id, "pay-" + ctx.idempotency_key());
    if (fresh) captured_[r.order_id] = r.amount_cents;
    return Payment{r.order_id, it->second};
  }
  void Refund(const Payment& p) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    captured_.erase(p.order_id);
  }
  Result<Shipment> Ship(const Payment& p) {
    Work();
    if (p.order_id % flags_.decline_every != 0 && p.order_id % flags_.undeliverable_every == 0) {
      return Status::InvalidArgument("address of order " + std::to_string(p.order_id) +
                                     " is not served");
    }
    std::lock_guard<std::mutex> lock(mu_);
    shipped_.insert(p.order_id);
    return Shipment{p.order_id, "trk-" + std::to_string(p.order_id)};
  }

  // What the ledgers say about order `id`; "" when consistent with `completed`.
  std::string LedgerProblem(int64_t id, bool completed, int32_t quantity, int64_t amount) {
    std::lock_guard<std::mutex> lock(mu_);
    auto held = held_.find(id);
    auto captured = captured_.find(id);
    bool shipped = shipped_.count(id) > 0;
    if (completed) {
      if (held == held_.end() || held->second != quantity) return "inventory not held";
      if (captured == captured_.end() || captured->second != amount) return "payment not captured";
      if (!shipped) return "not shipped";
    } else {
      if (held != held_.end()) return "inventory still held after compensation";
      if (captured != captured_.end()) return "payment not refunded after compensation";
      if (shipped) return "shipped although compensated";
    }
    return "";
  }

 private:
  void Work() const {
    if (flags_.step_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(flags_.step_ms));
  }
  const SagaFlags flags_;
  std::mutex mu_;
  std::map<int64_t, std::string> reservations_;  // order -> reservation id (idempotent)
  std::map<int64_t, int32_t> held_;              // order -> units held now
  std::map<int64_t, std::string> payments_;      // order -> payment id (idempotent)
  std::map<int64_t, int64_t> captured_;          // order -> cents captured and not refunded
  std::set<int64_t> shipped_;
};

Result<engine::Workflow> BuildOrderSaga(Services& svc, const SagaFlags& flags) {
  engine::StepOptions charge_options;
  charge_options.retry.max_attempts = 3;
  charge_options.retry.initial_backoff = Duration(5);
  charge_options.retry.non_retryable = {StatusCode::kInvalidArgument,
                                        StatusCode::kPermissionDenied};
  engine::StepOptions ship_options;
  ship_options.retry = engine::RetryPolicy::None();

  engine::WorkflowBuilder b(flags.webhook ? "order-saga-webhook" : "order-saga", 1);
  b.Step(engine::MakeStep<Order, Reservation>("reserve",
                                              [&svc](StepContext& ctx, const Order& o) {
                                                return svc.Reserve(ctx.idempotency_key(), o);
                                              })
             .Compensate(
                 [&svc](StepContext&, const Order&, const Reservation& r) { svc.Release(r); }))
      .Step(engine::MakeStep<Reservation, Payment>(
                "charge",
                [&svc](StepContext& ctx, const Reservation& r) { return svc.Charge(ctx, r); })
                .Options(charge_options)
                .Compensate(
                    [&svc](StepContext&, const Reservation&, const Payment& p) { svc.Refund(p); }));
  if (flags.webhook) {
    // The payment provider confirms by webhook; the run waits for it without holding a thread.
    b.AwaitEvent<Payment>("payment-confirmed", Duration(flags.confirm_timeout_ms));
  }
  return b
      .Step(engine::MakeStep<Payment, Shipment>(
                "ship", [&svc](StepContext&, const Payment& p) { return svc.Ship(p); })
                .Options(ship_options))
      .Build();
}

// The step records a run must have: name -> status.
std::map<std::string, StepStatus> ExpectedSteps(int64_t id, const SagaFlags& f) {
  using S = StepStatus;
  std::map<std::string, StepStatus> steps;
  switch (FateOf(id, f)) {
    case Fate::kDeclined:
      return {{"reserve", S::kCompleted},
              {"charge", S::kFailed},
              {"compensate:reserve", S::kCompensated}};
    case Fate::kUnconfirmed:
      return {{"reserve", S::kCompleted},
              {"charge", S::kCompleted},
              {"payment-confirmed", S::kFailed},
              {"compensate:charge", S::kCompensated},
              {"compensate:reserve", S::kCompensated}};
    case Fate::kUndeliverable:
      steps = {{"reserve", S::kCompleted},
               {"charge", S::kCompleted},
               {"ship", S::kFailed},
               {"compensate:charge", S::kCompensated},
               {"compensate:reserve", S::kCompensated}};
      break;
    case Fate::kCompleted:
      steps = {{"reserve", S::kCompleted}, {"charge", S::kCompleted}, {"ship", S::kCompleted}};
      break;
  }
  if (f.webhook) steps["payment-confirmed"] = S::kCompleted;
  return steps;
}

int Main(int argc, char** argv) {
  CLI::App app{"dynaflow example: an order saga (reserve -> charge -> ship, with compensations)"};
  CommonFlags flags;
  SagaFlags saga;
  AddCommonFlags(app, &flags, /*default_runs=*/200);
  AddSagaFlags(app, &saga);
  ParsedExample parsed = ParseAndSetUp(app, argc, argv, flags, "order-saga");
  if (!parsed.env) return parsed.exit_code;
  ExampleEnv env = std::move(*parsed.env);
  engine::Engine& engine = *env.engine;
  Services services(saga);
  auto saga_wf = BuildOrderSaga(services, saga);
  if (!saga_wf.ok() || !engine.Register(*saga_wf).ok()) {
    std::fprintf(stderr, "order_saga: bad workflow definition: %s\n",
                 saga_wf.ok() ? "register failed" : saga_wf.error().ToString().c_str());
    return 2;
  }
  // The worker and, with [worker] metrics-listen, Prometheus metrics of this process at /metrics.
  std::optional<RunningWorker> running =
      StartExampleWorker(env, app::WorkerOptionsFor(env.config.worker), "order_saga");
  if (!running) return 2;
  std::printf("order saga: %d orders on %s, 1 worker x %d threads%s\n", flags.runs,
              env.store.description.c_str(), env.config.worker.threads,
              env.temporary_sqlite.empty() ? "" : " (temporary SQLite file)");
  PrintFateRules(stdout, saga);

  const auto start = std::chrono::steady_clock::now();
  const std::string batch = std::to_string(ToUnixMillis(Clock::Real()->Now()));
  std::vector<ExpectedRun> runs;
  std::map<std::string, Order> orders;  // run id -> order
  ProgressReporter progress(
      engine, flags.runs,
      std::chrono::milliseconds(static_cast<int64_t>(flags.progress_seconds * 1000)), stdout);
  int start_errors = 0;
  for (int i = 1; i <= flags.runs; ++i) {
    Order o{i, "sku-" + std::to_string(i % 10), 1 + i % 3, 1000 + (i * 37) % 9000};
    engine::StartOptions so;
    so.business_key = "order-" + batch + "-" + std::to_string(i);
    auto started = engine.Start(*saga_wf, o, so);
    if (!started.ok()) {
      std::fprintf(stderr, "order_saga: starting order %d: %s\n", i,
                   started.error().ToString().c_str());
      ++start_errors;
      continue;
    }
    bool compensated = FateOf(i, saga) != Fate::kCompleted;
    runs.push_back({started->run_id, compensated ? RunStatus::kCompensated : RunStatus::kCompleted,
                    "order " + std::to_string(i)});
    orders[started->run_id] = o;
  }
  std::map<std::string, int64_t> order_ids;  // run id -> order id
  std::map<Fate, int64_t> fates;
  for (const auto& [run_id, o] : orders) {
    order_ids[run_id] = o.id;
    ++fates[FateOf(o.id, saga)];
  }
  // Confirms each charged order except the unconfirmed ones; a confirmation that arrives before
  // the run waits for it is kept and consumed when it does.
  Webhook webhook(engine, saga, order_ids, [](int64_t id) {
    return Codec<Payment>::Encode(Payment{id, "pay-webhook-" + std::to_string(id)});
  });
  bool all_finished = WaitForFinishedRuns(engine, static_cast<int64_t>(runs.size()),
                                          std::chrono::seconds(flags.timeout_seconds));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.Stop();
  const int64_t webhook_errors = webhook.Join();
  engine::EngineMetrics metrics = engine.metrics();
  running->worker->Stop();

  RunCheck check = CheckRuns(engine, runs, [&](const ExpectedRun& r, const store::RunDetails& d) {
    const Order& o = orders[r.run_id];
    std::map<std::string, StepStatus> recorded;
    for (const StepExecution& s : d.steps) recorded[s.step_id] = s.status;
    if (recorded != ExpectedSteps(o.id, saga)) return std::string("unexpected step records");
    return services.LedgerProblem(o.id, r.expected == RunStatus::kCompleted, o.quantity,
                                  o.amount_cents);
  });
  AddRunProblems(check, all_finished, flags.timeout_seconds, start_errors, webhook_errors);

  SummaryInput summary;
  summary.program = "order saga";
  summary.store = env.store.description;
  summary.threads = env.config.worker.threads;
  summary.runs = static_cast<int64_t>(runs.size());
  summary.elapsed_seconds = elapsed;
  summary.metrics = metrics;
  summary.check = &check;
  summary.notes.push_back(
      "checks          every run's step records and the inventory / payment / shipping ledgers "
      "match its expected fate");
  summary.notes.push_back(FateLine(fates, saga, metrics));
  PrintSummary(stdout, summary);

  running->worker.reset();
  env.engine.reset();
  env.store.table.reset();
  RemoveTemporaryStore(env, flags.keep_store);
  if (flags.keep_store && !env.temporary_sqlite.empty()) {
    std::printf("  store kept at %s\n", env.temporary_sqlite.c_str());
  }
  return check.problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace dynaflow::examples

int main(int argc, char** argv) { return dynaflow::examples::Main(argc, argv); }
