// The order saga as a code workflow (dynaflow/engine/durable.h): an order has 1-5 lines; one
// reservation per line in a loop, the charge of the order's total, optionally the payment
// webhook's confirmation (--webhook), the lines packed in parallel (a Map as wide as the
// order), shipping. Declined, undeliverable and unconfirmed orders compensate exactly the lines
// that were reserved (and refund the charge), in reverse order, and end COMPENSATED.
//
//   order_saga_code [--runs 200] [--threads 8] [--webhook] [--config dynaflow.toml] ...
//
// The flags and fates are order_saga's (examples/order_saga.cc, the same saga as a builder
// chain): order i is declined when i % --decline-every == 0, unconfirmed (with --webhook) when
// i % --unconfirmed-every == 0, undeliverable when i % --undeliverable-every == 0, and its first
// charge attempt times out (retried) when i % --flaky-every == 0. After the runs, every order's
// records and the services' ledgers (every line's hold, every payment, every parcel) are checked
// against its fate. Exit status: 0 when every run ended as expected, 1 otherwise, 2 for bad flags
// or a store that cannot be opened.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dynaflow/engine/durable.h"
#include "dynaflow/engine/engine.h"
#include "examples/common/example_app.h"
#include "examples/common/order_fates.h"

namespace dynaflow::examples {
namespace {

struct Line {
  std::string sku;
  int32_t quantity = 1;
  int64_t price_cents = 0;
};
struct Order {
  int64_t id = 0;
  std::vector<Line> lines;
};
struct Hold {
  int64_t order_id = 0;
  int32_t line = 0;
  int32_t quantity = 0;
  std::string hold_id;
};
struct Payment {
  int64_t order_id = 0;
  std::string payment_id;
  int64_t amount_cents = 0;
};
struct Parcel {
  int64_t order_id = 0;
  int32_t line = 0;
  std::string parcel_id;
};
struct Shipment {
  int64_t order_id = 0;
  std::string tracking;
  int32_t parcels = 0;
};

}  // namespace
}  // namespace dynaflow::examples

namespace dynaflow::engine {
using namespace examples;  // NOLINT: the codecs below name the example's types
template <>
struct JsonFields<Line> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("sku", &Line::sku), JsonField("quantity", &Line::quantity),
                      JsonField("price_cents", &Line::price_cents));
};
template <>
struct JsonFields<Order> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("id", &Order::id), JsonField("lines", &Order::lines));
};
template <>
struct JsonFields<Hold> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("order_id", &Hold::order_id), JsonField("line", &Hold::line),
                      JsonField("quantity", &Hold::quantity), JsonField("hold_id", &Hold::hold_id));
};
template <>
struct JsonFields<Payment> {
  static constexpr auto kFields = std::make_tuple(
      JsonField("order_id", &Payment::order_id), JsonField("payment_id", &Payment::payment_id),
      JsonField("amount_cents", &Payment::amount_cents));
};
template <>
struct JsonFields<Parcel> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("order_id", &Parcel::order_id), JsonField("line", &Parcel::line),
                      JsonField("parcel_id", &Parcel::parcel_id));
};
template <>
struct JsonFields<Shipment> {
  static constexpr auto kFields = std::make_tuple(JsonField("order_id", &Shipment::order_id),
                                                  JsonField("tracking", &Shipment::tracking),
                                                  JsonField("parcels", &Shipment::parcels));
};
}  // namespace dynaflow::engine

namespace dynaflow::examples {
namespace {

using engine::StepContext;
using engine::WorkflowContext;

Order OrderOf(int64_t id) {
  Order o{id, {}};
  const int lines = 1 + static_cast<int>(id % 5);
  for (int j = 0; j < lines; ++j) {
    o.lines.push_back(Line{"sku-" + std::to_string((id + j) % 10),
                           1 + static_cast<int32_t>((id + j) % 3), 100 + (id * 37 + j * 11) % 900});
  }
  return o;
}

// The simulated inventory, payment, packing and shipping services, keyed by the steps'
// idempotency keys (a step executed again changes nothing twice). Thread-safe.
class Services {
 public:
  explicit Services(const SagaFlags& flags) : flags_(flags) {}

  Hold Reserve(const std::string& key, int64_t order, int32_t line, const Line& l) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    held_[{order, line}] = l.quantity;
    return Hold{order, line, l.quantity, "hold-" + key};
  }
  void Release(const Hold& h) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase({h.order_id, h.line});
  }
  Result<Payment> Charge(StepContext& ctx, int64_t order, int64_t amount) {
    Work();
    if (order % flags_.decline_every == 0) {
      return Status::PermissionDenied("payment declined for order " + std::to_string(order));
    }
    if (order % flags_.flaky_every == 0 && ctx.attempt() == 1) {
      return Status::Unavailable("payment gateway timed out");  // retried
    }
    std::lock_guard<std::mutex> lock(mu_);
    captured_[order] = amount;
    return Payment{order, "pay-" + ctx.idempotency_key(), amount};
  }
  void Refund(const Payment& p) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    captured_.erase(p.order_id);
  }
  Parcel Pack(const std::string& key, int64_t order, int32_t line) {
    Work();
    std::lock_guard<std::mutex> lock(mu_);
    packed_.insert({order, line});
    return Parcel{order, line, "parcel-" + key};
  }
  Result<Shipment> Ship(int64_t order, const std::vector<Parcel>& parcels) {
    Work();
    if (FateOf(order, flags_) == Fate::kUndeliverable) {
      return Status::InvalidArgument("address of order " + std::to_string(order) +
                                     " is not served");
    }
    std::lock_guard<std::mutex> lock(mu_);
    shipped_.insert(order);
    return Shipment{order, "trk-" + std::to_string(order), static_cast<int32_t>(parcels.size())};
  }

  // What the ledgers say about `order`; "" when they match its fate.
  std::string LedgerProblem(const Order& order, Fate fate) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t total = 0;
    for (size_t j = 0; j < order.lines.size(); ++j) {
      const Line& l = order.lines[j];
      total += l.price_cents * l.quantity;
      auto held = held_.find({order.id, static_cast<int32_t>(j)});
      const bool packed = packed_.count({order.id, static_cast<int32_t>(j)}) > 0;
      if (fate == Fate::kCompleted && (held == held_.end() || held->second != l.quantity)) {
        return "line " + std::to_string(j) + " not held";
      }
      if (fate != Fate::kCompleted && held != held_.end()) {
        return "line " + std::to_string(j) + " still held after compensation";
      }
      const bool should_pack = fate == Fate::kCompleted || fate == Fate::kUndeliverable;
      if (packed != should_pack) return "line " + std::to_string(j) + " packing is wrong";
    }
    auto captured = captured_.find(order.id);
    if (fate == Fate::kCompleted && (captured == captured_.end() || captured->second != total)) {
      return "payment not captured";
    }
    if (fate != Fate::kCompleted && captured != captured_.end()) return "payment not refunded";
    if ((shipped_.count(order.id) > 0) != (fate == Fate::kCompleted)) return "shipping is wrong";
    return "";
  }

 private:
  void Work() const {
    if (flags_.step_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(flags_.step_ms));
  }
  const SagaFlags flags_;
  std::mutex mu_;
  std::map<std::pair<int64_t, int32_t>, int32_t> held_;  // (order, line) -> units held now
  std::map<int64_t, int64_t> captured_;                  // order -> cents captured
  std::set<std::pair<int64_t, int32_t>> packed_;         // (order, line) packed
  std::set<int64_t> shipped_;
};

Result<engine::Workflow> CodeSaga(Services& svc, const SagaFlags& flags) {
  const engine::StepOptions charge_options = ChargeOptions();
  const engine::StepOptions ship_options = ShipOptions();
  return engine::DurableWorkflow<Order, Shipment>(
      flags.webhook ? "order-saga-code-webhook" : "order-saga-code", 1,
      [&svc, flags, charge_options, ship_options](WorkflowContext& ctx,
                                                  const Order& order) -> Result<Shipment> {
        const int64_t id = order.id;
        int64_t total = 0;
        for (size_t j = 0; j < order.lines.size(); ++j) {  // a loop: one reservation per line
          const Line line = order.lines[j];
          const auto index = static_cast<int32_t>(j);
          DYNAFLOW_ASSIGN_OR_RETURN(
              Hold hold, ctx.Step("reserve",
                                  [&svc, id, index, line](StepContext& s) {
                                    return svc.Reserve(s.idempotency_key(), id, index, line);
                                  })
                             .Compensate([&svc](StepContext&, const Hold& h) { svc.Release(h); }));
          total += line.price_cents * hold.quantity;
        }
        DYNAFLOW_ASSIGN_OR_RETURN(
            Payment paid,
            ctx.Step(
                   "charge", [&svc, id, total](StepContext& s) { return svc.Charge(s, id, total); },
                   charge_options)
                .Compensate([&svc](StepContext&, const Payment& p) { svc.Refund(p); }));
        if (flags.webhook) {  // parked until the provider's webhook (or the timeout)
          DYNAFLOW_ASSIGN_OR_RETURN(
              Payment confirmed,
              ctx.AwaitEvent<Payment>("payment-confirmed", Duration(flags.confirm_timeout_ms)));
          if (confirmed.order_id != paid.order_id) {  // a branch: compensates
            return Status::PermissionDenied("the confirmation names another order");
          }
        }
        std::vector<int32_t> lines(order.lines.size());
        std::iota(lines.begin(), lines.end(), 0);
        engine::MapOptions pack_options;
        pack_options.max_concurrency = static_cast<int>(lines.size());
        DYNAFLOW_ASSIGN_OR_RETURN(std::vector<Parcel> parcels,
                                  ctx.Map(
                                      "pack", lines,
                                      [&svc, id](StepContext& s, const int32_t& j) {
                                        return svc.Pack(s.idempotency_key(), id, j);
                                      },
                                      pack_options));
        return ctx.Step(
            "ship", [&svc, id, parcels](StepContext&) { return svc.Ship(id, parcels); },
            ship_options);
      });
}

// The step records a run must have: id -> status.
std::map<std::string, StepStatus> ExpectedSteps(const Order& order, const SagaFlags& f) {
  using S = StepStatus;
  const Fate fate = FateOf(order.id, f);
  const size_t n = order.lines.size();
  std::map<std::string, StepStatus> steps;
  for (size_t j = 0; j < n; ++j) {
    std::string id = j == 0 ? "reserve" : "reserve@" + std::to_string(j + 1);
    steps[id] = S::kCompleted;
    if (fate != Fate::kCompleted) steps["compensate:" + id] = S::kCompensated;
  }
  steps["charge"] = fate == Fate::kDeclined ? S::kFailed : S::kCompleted;
  if (fate == Fate::kDeclined) return steps;
  if (fate != Fate::kCompleted) steps["compensate:charge"] = S::kCompensated;
  if (f.webhook) {
    steps["payment-confirmed"] = fate == Fate::kUnconfirmed ? S::kFailed : S::kCompleted;
  }
  if (fate == Fate::kUnconfirmed) return steps;
  for (size_t j = 0; j < n; ++j) steps["pack[" + std::to_string(j) + "]"] = S::kCompleted;
  steps["ship"] = fate == Fate::kUndeliverable ? S::kFailed : S::kCompleted;
  return steps;
}

Result<SagaExample> MakeExample(const SagaFlags& saga) {
  auto services = std::make_shared<Services>(saga);
  DYNAFLOW_ASSIGN_OR_RETURN(engine::Workflow wf, CodeSaga(*services, saga));
  SagaExample example;
  example.summary_name = "order saga (code workflow, 1-5 lines per order)";
  example.checks_note =
      "every run's step records and every line's hold, every payment and every parcel match "
      "its expected fate";
  example.workflow = std::move(wf);
  example.input_of = [](int64_t id) { return engine::Codec<Order>::Encode(OrderOf(id)); };
  example.confirmation_of = [](int64_t id) {
    return engine::Codec<Payment>::Encode(Payment{id, "pay-webhook-" + std::to_string(id), 0});
  };
  example.check = [services, saga](int64_t id, const store::RunDetails& d) {
    const Order o = OrderOf(id);
    if (RecordedSteps(d) != ExpectedSteps(o, saga)) return std::string("unexpected step records");
    return services->LedgerProblem(o, FateOf(id, saga));
  };
  example.services = services;
  return example;
}

}  // namespace
}  // namespace dynaflow::examples

int main(int argc, char** argv) {
  return dynaflow::examples::SagaMain(
      argc, argv, "dynaflow example: the order saga as a code workflow (orders of 1-5 lines)",
      dynaflow::examples::MakeExample);
}
