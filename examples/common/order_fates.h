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

#include "dynaflow/engine/engine.h"
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

// The charge: 3 attempts 5 ms apart, declines (kPermissionDenied) and bad input not retried.
engine::StepOptions ChargeOptions();
// Shipping: one attempt.
engine::StepOptions ShipOptions();

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

// The run's step records: id -> status.
std::map<std::string, StepStatus> RecordedSteps(const store::RunDetails& d);

// One order-saga example's run: what differs between the two programs.
struct SagaExample {
  std::string summary_name;  // "order saga": the summary's title
  std::string checks_note;   // the summary's "checks" line, after its label
  engine::Workflow workflow;
  // Order `id`'s run input and webhook payload, encoded by the workflow's codecs.
  std::function<std::string(int64_t id)> input_of;
  std::function<std::string(int64_t id)> confirmation_of;
  // "" when order `id`'s run (its records, as CheckRuns read them) and the services' ledgers
  // match its fate, else the problem.
  std::function<std::string(int64_t id, const store::RunDetails&)> check;
  std::shared_ptr<void> services;  // what the workflow's steps and `check` use
};

// The whole program: parses the command line (`description`; the common and saga flags), opens
// the store and the engine, makes the example with `make` from the parsed saga flags, registers
// its workflow and starts the worker; then starts flags.runs orders (ids 1..runs, business keys
// "order-<batch>-<id>"), runs the webhook, waits for the runs, checks every run, prints the
// summary and closes and removes the store. Returns the exit status: 0 when every run ended as
// expected, 1 otherwise, 2 for bad flags, a store that cannot be opened or a bad workflow.
int SagaMain(int argc, char** argv, const std::string& description,
             const std::function<Result<SagaExample>(const SagaFlags&)>& make);

}  // namespace dynaflow::examples
