#include "dynaflow/store/dynamodb/client/retry_strategy.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace dynaflow::dynamodb {
namespace {

// Service error codes that standard mode treats as transient, plus DynamoDB's own transients.
constexpr std::string_view kTransientCodes[] = {
    "RequestTimeout",                // also kTimeoutError (client-side transport timeout)
    "RequestTimeoutException",       //
    "PriorRequestNotComplete",       //
    "InternalServerError",           // DynamoDB's 500
    "InternalFailure",               // AWS common error (500)
    "ServiceUnavailable",            // DynamoDB's / AWS common 503
    "TransactionConflictException",  // DynamoDB: item is part of an ongoing transaction
};

bool IsTransientStatus(int http_status) {
  return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

}  // namespace

RetryStrategy::RetryStrategy(RetryOptions options, Random* random)
    : options_(std::move(options)),
      random_(random != nullptr ? random : Random::Real()),
      tokens_(std::max(0, options_.quota_capacity)) {}

bool RetryStrategy::IsThrottlingError(const Error& e) {
  return e.IsThrottling() || e.http_status == 429;
}

bool RetryStrategy::IsTimeoutError(const Error& e) {
  return e.type == kTimeoutError || e.type == "RequestTimeoutException";
}

bool RetryStrategy::IsRetryable(const Error& e) {
  if (IsThrottlingError(e)) return true;
  if (e.type == kNetworkError || e.type == kTimeoutError || e.type == kCrc32MismatchError) {
    return true;
  }
  for (auto code : kTransientCodes) {
    if (e.type == code) return true;
  }
  // A 5xx with a recognised non-transient exception name is still a 5xx: the service itself says
  // the failure is on its side. Client-side kinds never carry an HTTP status of 5xx.
  return IsTransientStatus(e.http_status);
}

std::chrono::milliseconds RetryStrategy::BackoffDelay(std::chrono::milliseconds base,
                                                      int attempts_made) {
  const double cap = static_cast<double>(std::max<int64_t>(0, options_.max_backoff.count()));
  // base * 2^(n-1), computed in double so large attempt numbers saturate instead of overflowing.
  const int exponent = std::clamp(attempts_made - 1, 0, 62);
  const double ceiling = std::min(
      cap, static_cast<double>(std::max<int64_t>(0, base.count())) * std::ldexp(1.0, exponent));
  double u = random_->Uniform01();
  if (!(u >= 0.0)) u = 0.0;  // also catches NaN
  if (u > 1.0) u = 1.0;
  return std::chrono::milliseconds(static_cast<int64_t>(std::floor(u * ceiling)));
}

RetryStrategy::Decision RetryStrategy::OnFailure(const Error& e, int attempts_made) {
  Decision d;
  if (!IsRetryable(e)) {
    d.reason = "not retryable: " + (e.type.empty() ? std::string("UnknownError") : e.type);
    return d;
  }
  if (attempts_made >= options_.max_attempts) {
    d.reason = "max attempts (" + std::to_string(options_.max_attempts) + ") reached";
    return d;
  }
  const bool throttled = IsThrottlingError(e);
  const int cost = IsTimeoutError(e) ? options_.timeout_retry_cost : options_.retry_cost;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (tokens_ < cost) {
      d.quota_exhausted = true;
      d.reason = "retry quota exhausted (need " + std::to_string(cost) + " tokens, " +
                 std::to_string(tokens_) + " available)";
      return d;
    }
    tokens_ -= cost;
  }
  d.retry = true;
  d.acquired_tokens = cost;
  d.delay =
      BackoffDelay(throttled ? options_.throttling_base_delay : options_.base_delay, attempts_made);
  d.reason = std::string(throttled ? "throttling" : "transient") + " error " + e.type +
             ", attempt " + std::to_string(attempts_made + 1) + " of " +
             std::to_string(options_.max_attempts);
  return d;
}

void RetryStrategy::OnSuccess(int acquired_tokens_of_last_retry) {
  const int refund = acquired_tokens_of_last_retry > 0 ? acquired_tokens_of_last_retry
                                                       : options_.no_retry_increment;
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::min(options_.quota_capacity, tokens_ + std::max(0, refund));
}

int RetryStrategy::available_tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

}  // namespace dynaflow::dynamodb
