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

#include "dynaflow/engine/engine.h"
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

// JSON codecs of the saga's types (dynaflow/engine/codec.h, way 1).
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
  const engine::StepOptions charge_options = ChargeOptions();
  const engine::StepOptions ship_options = ShipOptions();

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

// Order `id` of a run of the example.
Order OrderOf(int64_t id) {
  return Order{id, "sku-" + std::to_string(id % 10), static_cast<int32_t>(1 + id % 3),
               1000 + (id * 37) % 9000};
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

Result<SagaExample> MakeExample(const SagaFlags& saga) {
  auto services = std::make_shared<Services>(saga);
  DYNAFLOW_ASSIGN_OR_RETURN(engine::Workflow wf, BuildOrderSaga(*services, saga));
  SagaExample example;
  example.summary_name = "order saga";
  example.checks_note =
      "every run's step records and the inventory / payment / shipping ledgers match its "
      "expected fate";
  example.workflow = std::move(wf);
  example.input_of = [](int64_t id) { return Codec<Order>::Encode(OrderOf(id)); };
  example.confirmation_of = [](int64_t id) {
    return Codec<Payment>::Encode(Payment{id, "pay-webhook-" + std::to_string(id)});
  };
  example.check = [services, saga](int64_t id, const store::RunDetails& d) {
    if (RecordedSteps(d) != ExpectedSteps(id, saga)) return std::string("unexpected step records");
    const Order o = OrderOf(id);
    return services->LedgerProblem(id, FateOf(id, saga) == Fate::kCompleted, o.quantity,
                                   o.amount_cents);
  };
  example.services = services;
  return example;
}

}  // namespace
}  // namespace dynaflow::examples

int main(int argc, char** argv) {
  return dynaflow::examples::SagaMain(
      argc, argv, "dynaflow example: an order saga (reserve -> charge -> ship, with compensations)",
      dynaflow::examples::MakeExample);
}
