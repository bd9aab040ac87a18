// FakeClock and FakeRandom: deterministic time and jitter for tests.
//
// FakeClock: Now() and SteadyNow() only move when SleepFor() or Advance() is called; SleepFor()
// never blocks, it advances both clocks by the requested duration and records it, so a test can
// assert the exact backoff sleeps a component asked for. FakeRandom: Uniform01() returns a
// scripted sequence (or one constant). Both are thread-safe, as the Clock/Random contracts
// require.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "dynaflow/model/clock.h"

namespace dynaflow::test {

class FakeClock final : public Clock {
 public:
  // Starts at `start` (wall) and at an arbitrary fixed steady time point. The default start is
  // 2024-01-01T00:00:00Z.
  explicit FakeClock(TimePoint start = FromUnixMillis(1704067200000));

  TimePoint Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  // Records `d` and advances both clocks by it (negative durations are recorded, not applied).
  void SleepFor(std::chrono::nanoseconds d) override;

  // Advances both clocks without recording a sleep.
  void Advance(std::chrono::nanoseconds d);
  // Sets the wall clock (the steady clock is left alone: it never goes back).
  void SetNow(TimePoint t);

  // Every SleepFor() argument, in call order.
  std::vector<std::chrono::nanoseconds> sleeps() const;
  // Sum of all recorded sleeps.
  std::chrono::nanoseconds total_slept() const;
  void ClearSleeps();

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::chrono::steady_clock::time_point steady_;
  std::vector<std::chrono::nanoseconds> sleeps_;
};

class FakeRandom final : public Random {
 public:
  // Always returns `value` (clamped into [0, 1)).
  explicit FakeRandom(double value = 0.5);
  // Returns the values in order, then repeats the last one. An empty list behaves as {0.5}.
  explicit FakeRandom(std::vector<double> sequence);

  double Uniform01() override;
  // Deterministic: a counter mixed by splitmix64, so consecutive values differ.
  uint64_t Next64() override;

  // Replaces the script (next Uniform01() returns values.front()).
  void Set(std::vector<double> values);
  // How many times Uniform01() was called.
  int uniform_calls() const;

 private:
  mutable std::mutex mu_;
  std::vector<double> values_;
  size_t next_ = 0;
  int uniform_calls_ = 0;
  uint64_t counter_ = 0;
};

}  // namespace dynaflow::test
