// Per-step execution policy: retries with backoff, attempt timeout.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/status.h"

namespace dynaflow::engine {

// How a failing step is retried. The wait before attempt k+1 (k >= 1) is
//   min(max_backoff, initial_backoff * multiplier^(k-1)) * (1 + jitter * (2u - 1)),
// u uniform in [0, 1) from the engine's Random, so jitter = 0.2 spreads waits over +-20 %.
struct RetryPolicy {
  // Attempts in total, the first included (1: never retry). Values < 1 count as 1.
  int max_attempts = 3;
  // Wait before the second attempt.
  Duration initial_backoff{100};
  // Upper bound of a wait (before jitter).
  Duration max_backoff{10000};
  // Growth of the wait per attempt (>= 1).
  double multiplier = 2.0;
  // Relative spread of each wait, 0..1.
  double jitter = 0.2;
  // Error codes that fail the step at once, without further attempts. kCancelled is always
  // non-retryable (the step saw its run cancelled).
  std::vector<StatusCode> non_retryable = {StatusCode::kInvalidArgument};

  // A policy with a single attempt.
  static RetryPolicy None() {
    RetryPolicy p;
    p.max_attempts = 1;
    return p;
  }
  bool IsRetryable(const Status& s) const;
  // The wait before attempt `next_attempt` (>= 2) given u in [0, 1).
  Duration Backoff(int next_attempt, double u) const;
};

struct StepOptions {
  // Retries of the step itself.
  RetryPolicy retry;
  // Longest one attempt may run; nullopt: unbounded (the run's deadline still applies). A timed
  // out attempt counts as a failure with kTimeout, ctx.cancelled() turns true for it, and the
  // worker goes on without waiting for the step's code (which keeps running on its own thread
  // until it returns: honour ctx.cancelled() in long steps). Its late result is discarded.
  std::optional<Duration> attempt_timeout;
  // Retries of the step's compensation (when it has one). Default: 5 attempts.
  RetryPolicy compensation_retry = [] {
    RetryPolicy p;
    p.max_attempts = 5;
    return p;
  }();
};

}  // namespace dynaflow::engine
