// Clock and randomness: the injectable environment. Production code takes a Clock* / Random*
// (never calls std::chrono::system_clock or rand directly) so tests can control time and jitter.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace dynaflow {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

// Thread-safe: implementations must allow concurrent calls.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (used for SigV4 dates, timestamps, lease expiry).
  virtual TimePoint Now() const = 0;
  // Monotonic time for measuring intervals and deadlines.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
  // Blocks the calling thread for `d` (fake clocks advance instead of sleeping).
  virtual void SleepFor(std::chrono::nanoseconds d) = 0;

  // The process-wide real clock. Never null, never destroyed.
  static Clock* Real();
};

// Thread-safe uniform randomness.
class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed double in [0, 1).
  virtual double Uniform01() = 0;
  // 64 random bits.
  virtual uint64_t Next64() = 0;

  // The process-wide random source seeded from std::random_device. Never null.
  static Random* Real();
};

// Milliseconds since the Unix epoch.
inline int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
// Whole seconds since the Unix epoch, truncated toward zero (the unit of DynamoDB's `ttl`).
inline int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace dynaflow
