// A small lock-free log-scale histogram of durations (microseconds), 8 sub-buckets per power
// of two from 1 us to about 2^40 us (12 days). Thread-safe: Record and Snapshot may race (a
// snapshot taken during records is approximate, never torn per bucket).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dynaflow/engine/metrics.h"

namespace dynaflow::engine::internal {

class Histogram {
 public:
  void Record(int64_t micros);
  LatencyStats Snapshot() const;

  // Exposed for tests: the bucket of a value and a bucket's representative value (midpoint).
  static int BucketOf(int64_t micros);
  static double BucketMid(int bucket);

 private:
  static constexpr int kSub = 8;
  static constexpr int kBuckets = 41 * kSub;
  std::array<std::atomic<int64_t>, kBuckets> buckets_{};
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace dynaflow::engine::internal
