// What the two order-saga examples share (order_saga: the builder chain; order_saga_code: the
// code workflow): the saga's flags, each order's fate (deterministic from its id), the simulated
// payment webhook, and the summary's fate and problem lines.
//
// Thread-safety: Webhook runs its own thread; everything else is for the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "examples/common/example_app.h"

namespace dynaflow::examples {

struct SagaFlags {
  int decline_every = 7;          // --decline-every
  int undeliverable_every = 13;   // --undeliverable-every
  int flaky_every = 5;            // --flaky-every
  int step_ms = 2;                // --step-ms: simulated service latency per call
  bool webhook = false;           // --webhook
  int unconfirmed_every = 11;     // --unconfirmed-every (with --webhook)
  int confirm_timeout_ms = 3000;  // --confirm-timeout-ms (with --webhook)
};

// Registers the flags of SagaFlags on `app`; `saga` must outlive parsing.
void AddSagaFlags(CLI::App& app, SagaFlags* saga);

// How an order ends.
enum class Fate { kCompleted, kDeclined, kUnconfirmed, kUndeliverable };
Fate FateOf(int64_t id, const SagaFlags& f);

// Prints which orders end how (the lines under the example's banner), and flushes `out`.
void PrintFateRules(std::FILE* out, const SagaFlags& saga);

// The simulated payment provider's webhook: with saga.webhook, sends "payment-confirmed" (event
// id "webhook-<order>", payload payload_of(order)) to every run of `orders` (run id -> order id)
// that is charged and confirmed, in run id order, one every saga.step_ms. Without it, nothing.
class Webhook {
 public:
  Webhook(engine::Engine& engine, const SagaFlags& saga, std::map<std::string, int64_t> orders,
          std::function<std::string(int64_t)> payload_of);
  ~Webhook();
  // Waits for the thread; the number of deliveries that failed (each printed on stderr).
  int64_t Join();

 private:
  std::thread thread_;
  int64_t errors_ = 0;
};

// Adds the problems the run check itself cannot see: the wait timed out, orders that could not
// be started, failed webhook deliveries.
void AddRunProblems(RunCheck& check, bool all_finished, int timeout_seconds, int start_errors,
                    int64_t webhook_errors);

// The summary's "fates" line.
std::string FateLine(const std::map<Fate, int64_t>& fates, const SagaFlags& saga,
                     const engine::EngineMetrics& metrics);

}  // namespace dynaflow::examples
