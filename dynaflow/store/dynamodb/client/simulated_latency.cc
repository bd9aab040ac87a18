#include "dynaflow/store/dynamodb/client/simulated_latency.h"

namespace dynaflow::dynamodb {

SimulatedLatency::SimulatedLatency(SimulatedLatencyOptions options)
    : options_(options),
      clock_(options.clock ? options.clock : Clock::Real()),
      state_(options.seed == 0 ? 0x9e3779b97f4a7c15ULL : options.seed) {}

std::chrono::microseconds SimulatedLatency::Draw() {
  std::chrono::microseconds d = options_.rtt;
  if (options_.jitter.count() > 0) {
    uint64_t x;
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_ ^= state_ >> 12;
      state_ ^= state_ << 25;
      state_ ^= state_ >> 27;
      x = state_ * 0x2545F4914F6CDD1DULL;
    }
    d += std::chrono::microseconds(
        static_cast<int64_t>(x % static_cast<uint64_t>(options_.jitter.count())));
  }
  return d;
}

std::chrono::microseconds SimulatedLatency::Wait() {
  const std::chrono::microseconds d = Draw();
  delayed_.fetch_add(1);
  total_us_.fetch_add(d.count());
  if (d.count() > 0) clock_->SleepFor(d);
  return d;
}

}  // namespace dynaflow::dynamodb
