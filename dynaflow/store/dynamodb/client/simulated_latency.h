// SimulatedLatency: a round trip added to every request of a delaying decorator
// (DelayingTransport below, table::DelayingTable), for measuring a worker against a store that
// answers in milliseconds (a region's DynamoDB) while the real store answers in microseconds
// (the memory table, DynamoDB Local on loopback).
//
// Each request waits `rtt` plus a jitter drawn uniformly from [0, jitter) by a seeded generator
// (xorshift64*; the same seed gives the same sequence of delays), through the injected clock's
// SleepFor, before it is sent. Requests sent concurrently wait concurrently, as round trips on
// separate connections do.
//
// Thread-safety: every method may be called concurrently. The clock is not owned.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/http.h"

namespace dynaflow::dynamodb {

struct SimulatedLatencyOptions {
  // Added to every request. Must be >= 0. Default 5 ms.
  std::chrono::microseconds rtt{5000};
  // Upper bound (exclusive) of the uniform extra delay. Must be >= 0. Default 0 (none).
  std::chrono::microseconds jitter{0};
  // Seed of the jitter sequence. Default 1.
  uint64_t seed = 1;
  // What SleepFor is called on. Null (the default): Clock::Real().
  Clock* clock = nullptr;
};

class SimulatedLatency {
 public:
  explicit SimulatedLatency(SimulatedLatencyOptions options);

  // Waits one round trip (rtt + the next jitter draw) and returns how long it asked to wait.
  std::chrono::microseconds Wait();

  // Requests delayed so far, and the sum of the delays they were given.
  int64_t delayed() const { return delayed_.load(); }
  std::chrono::microseconds total_delay() const {
    return std::chrono::microseconds(total_us_.load());
  }
  const SimulatedLatencyOptions& options() const { return options_; }

 private:
  std::chrono::microseconds Draw();

  const SimulatedLatencyOptions options_;
  Clock* const clock_;
  std::mutex mu_;
  uint64_t state_;  // xorshift64* state, guarded by mu_
  std::atomic<int64_t> delayed_{0};
  std::atomic<int64_t> total_us_{0};
};

// Waits one SimulatedLatency round trip, then forwards the request to `target` (shared).
class DelayingTransport final : public Transport {
 public:
  DelayingTransport(std::shared_ptr<Transport> target, SimulatedLatencyOptions options)
      : target_(std::move(target)), latency_(options) {}

  Result<HttpResponse> Send(const HttpRequest& request,
                            const TransportTimeouts& timeouts) override {
    latency_.Wait();
    return target_->Send(request, timeouts);
  }
  const SimulatedLatency& latency() const { return latency_; }

 private:
  const std::shared_ptr<Transport> target_;
  SimulatedLatency latency_;
};

}  // namespace dynaflow::dynamodb
