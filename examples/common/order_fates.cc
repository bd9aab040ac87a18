#include "examples/common/order_fates.h"

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
          auto sent = engine.SendEventPayload(run_id, "payment-confirmed", payload_of(id), eo);
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

}  // namespace dynaflow::examples
