#include "dynaflow/model/clock.h"

#include <thread>

namespace dynaflow {
namespace {

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
  void SleepFor(std::chrono::nanoseconds d) override { std::this_thread::sleep_for(d); }
};

class RealRandom final : public Random {
 public:
  RealRandom() : gen_(std::random_device{}()) {}
  double Uniform01() override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen_);
  }
  uint64_t Next64() override {
    std::lock_guard<std::mutex> lock(mu_);
    return gen_();
  }

 private:
  std::mutex mu_;
  std::mt19937_64 gen_;
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock();
  return clock;
}

Random* Random::Real() {
  static RealRandom* random = new RealRandom();
  return random;
}

}  // namespace dynaflow
