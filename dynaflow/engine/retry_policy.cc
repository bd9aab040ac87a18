#include "dynaflow/engine/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace dynaflow::engine {

bool RetryPolicy::IsRetryable(const Status& s) const {
  if (s.ok() || s.Is(StatusCode::kCancelled)) return false;
  return std::find(non_retryable.begin(), non_retryable.end(), s.code()) == non_retryable.end();
}

Duration RetryPolicy::Backoff(int next_attempt, double u) const {
  double base = static_cast<double>(std::max<int64_t>(0, initial_backoff.count()));
  double cap = static_cast<double>(std::max<int64_t>(0, max_backoff.count()));
  double growth = std::max(1.0, multiplier);
  for (int k = 2; k < next_attempt && base < cap; ++k) base *= growth;
  base = std::min(base, cap);
  double spread = std::clamp(jitter, 0.0, 1.0);
  double factor = 1.0 + spread * (2.0 * std::clamp(u, 0.0, 1.0) - 1.0);
  return Duration(static_cast<int64_t>(std::llround(base * factor)));
}

}  // namespace dynaflow::engine
