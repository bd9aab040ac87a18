#include "dynaflow/engine/internal/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace dynaflow::engine::internal {

int Histogram::BucketOf(int64_t micros) {
  if (micros < 1) micros = 1;
  uint64_t v = static_cast<uint64_t>(micros);
  int exp = 63 - std::countl_zero(v);  // floor(log2 v)
  int sub = 0;
  if (exp >= 3) {
    sub = static_cast<int>((v >> (exp - 3)) & (kSub - 1));
  } else {
    sub = static_cast<int>((v << (3 - exp)) & (kSub - 1));
  }
  return std::min(exp * kSub + sub, kBuckets - 1);
}

double Histogram::BucketMid(int bucket) {
  int exp = bucket / kSub;
  int sub = bucket % kSub;
  double lo = std::ldexp(1.0 + sub / static_cast<double>(kSub), exp);
  double hi = std::ldexp(1.0 + (sub + 1) / static_cast<double>(kSub), exp);
  return (lo + hi) / 2;
}

void Histogram::Record(int64_t micros) {
  if (micros < 0) micros = 0;
  buckets_[BucketOf(micros)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(micros, std::memory_order_relaxed);
  int64_t prev = max_.load(std::memory_order_relaxed);
  while (micros > prev && !max_.compare_exchange_weak(prev, micros, std::memory_order_relaxed)) {
  }
}

LatencyStats Histogram::Snapshot() const {
  std::array<int64_t, kBuckets> counts;
  int64_t total = 0;
  for (int i = 0; i < kBuckets; ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
    total += counts[i];
  }
  LatencyStats s;
  s.count = total;
  if (total == 0) return s;
  s.mean_ms = static_cast<double>(sum_.load(std::memory_order_relaxed)) /
              static_cast<double>(count_.load(std::memory_order_relaxed)) / 1000.0;
  s.max_ms = static_cast<double>(max_.load(std::memory_order_relaxed)) / 1000.0;
  s.sum_ms = static_cast<double>(sum_.load(std::memory_order_relaxed)) / 1000.0;
  for (size_t b = 0; b < kLatencyBucketBounds.size(); ++b) {
    const double bound_us = kLatencyBucketBounds[b] * 1e6;
    for (int i = 0; i < kBuckets && BucketMid(i) <= bound_us; ++i) s.le_counts[b] += counts[i];
  }
  auto percentile = [&](double q) {
    // The smallest bucket whose cumulative count reaches q * total.
    int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * total)));
    int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts[i];
      if (seen >= rank) return std::min(BucketMid(i) / 1000.0, s.max_ms);
    }
    return s.max_ms;
  };
  s.p50_ms = percentile(0.50);
  s.p99_ms = percentile(0.99);
  return s;
}

}  // namespace dynaflow::engine::internal
