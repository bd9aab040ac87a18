// RetryStrategy: the AWS SDKs' "standard" retry mode for the DynamoDB client.
//
// What is retried (IsRetryable):
//   - throttling: every code of Error::IsThrottling(), plus any HTTP 429;
//   - transient service errors: RequestTimeout, RequestTimeoutException, PriorRequestNotComplete,
//     InternalServerError, InternalFailure, ServiceUnavailable, and any HTTP 500/502/503/504;
//   - TransactionConflictException (DynamoDB: a single-item write collided with an ongoing
//     transaction; the DynamoDB error table lists it as "OK to retry". Not in the cross-SDK
//     standard list, added here because it is DynamoDB's own transient);
//   - client-side kinds: kNetworkError (connect/DNS/TLS/reset), kTimeoutError (transport
//     deadline) and kCrc32MismatchError (the body was damaged in flight).
// Not retried: everything else, in particular ConditionalCheckFailedException,
//   TransactionCanceledException (its per-item reasons are for the caller to judge),
//   ValidationException, ResourceNotFoundException, access/signature/credential errors,
//   ItemCollectionSizeLimitExceededException, kInvalidRequestError, kCredentialsError,
//   kRetryQuotaExceeded, kUnprocessedError, and kSerializationError: a malformed 2xx body is not
//   retried because the write it answers may already have been applied and a parser mismatch
//   would fail identically again (only a CRC32 mismatch proves in-flight damage).
//
// Backoff: "full jitter". After attempt n (1-based) failed, the delay before attempt n+1 is
//   random[0,1) * min(base * 2^(n-1), max_backoff)
// with base = throttling_base_delay for throttling errors and base_delay otherwise.
//
// Retry quota (token bucket shared by all calls of one client): each retry takes retry_cost
// tokens (timeout_retry_cost for timeouts); when the bucket holds fewer, the error is returned
// as-is (Decision::quota_exhausted tells the caller why). A call that succeeds after retries gives
// back the tokens its last retry took; a call that succeeds at the first attempt adds
// no_retry_increment. The bucket never exceeds quota_capacity. The quota thereby stops retry
// storms during an outage while normal traffic refills it.
//
// Usage by the client (per call):
//   for (int attempt = 1;; ++attempt) {
//     auto out = SendOnce();
//     if (out.ok()) { strategy.OnSuccess(last_acquired); return out; }
//     auto d = strategy.OnFailure(out.error(), attempt);
//     if (!d.retry) { error.attempts = attempt; return error; }   // type preserved
//     last_acquired = d.acquired_tokens;
//     clock->SleepFor(d.delay);
//   }
//
// Thread-safety: all methods may be called concurrently; one instance per client.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/error.h"

namespace dynaflow::dynamodb {

struct RetryOptions {
  // Total attempts including the first one (standard mode's default is 3). 1 disables retries.
  int max_attempts = 3;
  // Backoff base for non-throttling errors. The cross-SDK standard uses 1 s for most services;
  // DynamoDB answers in single-digit milliseconds, so (like aws-sdk-java-v2's DynamoDB policy)
  // 25 ms: a transient 500 or reset is retried within ~25-50 ms instead of up to a second.
  std::chrono::milliseconds base_delay{25};
  // Backoff base for throttling errors (as aws-sdk-js-v3's THROTTLING_RETRY_DELAY_BASE): backing
  // off harder gives the partition or the account's capacity time to recover.
  std::chrono::milliseconds throttling_base_delay{500};
  // Cap of the backoff ceiling before jitter (standard mode: 20 s).
  std::chrono::milliseconds max_backoff{20000};
  // Retry quota: bucket capacity (and initial content), cost of a retry, cost of a retry after a
  // timeout, and the refill on a first-attempt success. Standard mode: 500 / 5 / 10 / 1.
  int quota_capacity = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int no_retry_increment = 1;
};

class RetryStrategy {
 public:
  // `random` supplies the jitter; not owned, must outlive the strategy; nullptr = Random::Real().
  RetryStrategy(RetryOptions options, Random* random);

  RetryStrategy(const RetryStrategy&) = delete;
  RetryStrategy& operator=(const RetryStrategy&) = delete;

  struct Decision {
    bool retry = false;
    std::chrono::milliseconds delay{0};  // sleep this long before the next attempt (retry only)
    std::string reason;                  // human-readable, e.g. "retryable throttling error"
    int acquired_tokens = 0;             // tokens taken for this retry (pass to OnSuccess)
    bool quota_exhausted = false;        // not retried only because the quota bucket was dry
  };

  // Whether `e` is worth retrying at all (see the list above). Pure function.
  static bool IsRetryable(const Error& e);
  // Whether `e` is a throttling error (error code or HTTP 429): uses throttling_base_delay.
  static bool IsThrottlingError(const Error& e);
  // Whether `e` counts as a timeout for the quota (timeout_retry_cost).
  static bool IsTimeoutError(const Error& e);

  // Decides about the attempt that just failed with `e`; `attempts_made` is 1-based (1 after the
  // first attempt failed). Takes quota tokens when (and only when) it returns retry = true.
  // Never retries once attempts_made >= max_attempts or when `e` is not retryable.
  Decision OnFailure(const Error& e, int attempts_made);

  // Reports a successful call. `acquired_tokens_of_last_retry` is Decision::acquired_tokens of
  // the retry that led to the success, or 0 when the first attempt succeeded.
  void OnSuccess(int acquired_tokens_of_last_retry);

  // Tokens currently in the bucket.
  int available_tokens() const;

  // The jittered delay for `attempts_made` with the given base (exposed for tests/diagnostics).
  std::chrono::milliseconds BackoffDelay(std::chrono::milliseconds base, int attempts_made);

  const RetryOptions& options() const { return options_; }

 private:
  const RetryOptions options_;
  Random* const random_;
  mutable std::mutex mu_;
  int tokens_;  // guarded by mu_
};

}  // namespace dynaflow::dynamodb
