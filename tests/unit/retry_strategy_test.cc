#include "dynaflow/store/dynamodb/client/retry_strategy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fake_clock.h"
#include "tests/support/fault_transport.h"

namespace dynaflow::dynamodb {
namespace {

using std::chrono::milliseconds;
using test::FakeClock;
using test::FakeRandom;
using test::FaultTransport;

Error Err(std::string type, int http_status = 400) {
  Error e;
  e.type = std::move(type);
  e.http_status = http_status;
  return e;
}

struct Case {
  const char* type;
  int http_status;
  bool retryable;
};

// Every class of the standard retry mode, plus the DynamoDB-specific decisions.
const Case kCases[] = {
    // Throttling error codes (Error::IsThrottling).
    {"ThrottlingException", 400, true},
    {"Throttling", 400, true},
    {"ProvisionedThroughputExceededException", 400, true},
    {"RequestLimitExceeded", 400, true},
    {"TransactionInProgressException", 400, true},
    {"LimitExceededException", 400, true},
    {"TooManyRequestsException", 400, true},
    {"SlowDown", 503, true},
    {"PriorRequestNotComplete", 400, true},
    // HTTP 429 without a known code is throttling too.
    {"SomethingNew", 429, true},
    // Transient service errors.
    {"RequestTimeout", 400, true},
    {"RequestTimeoutException", 400, true},
    {"InternalServerError", 500, true},
    {"InternalFailure", 500, true},
    {"ServiceUnavailable", 503, true},
    {"TransactionConflictException", 400, true},
    // Transient HTTP statuses with any (or no) code.
    {"", 500, true},
    {"BadGateway", 502, true},
    {"", 503, true},
    {"GatewayTimeout", 504, true},
    // Client-side kinds.
    {kNetworkError, 0, true},
    {kTimeoutError, 0, true},
    {kCrc32MismatchError, 200, true},
    // Not retryable.
    {"ConditionalCheckFailedException", 400, false},
    {"TransactionCanceledException", 400, false},
    {"ValidationException", 400, false},
    {"ResourceNotFoundException", 400, false},
    {"ResourceInUseException", 400, false},
    {"ItemCollectionSizeLimitExceededException", 400, false},
    {"AccessDeniedException", 400, false},
    {"UnrecognizedClientException", 400, false},
    {"InvalidSignatureException", 400, false},
    {"MissingAuthenticationTokenException", 403, false},
    {"ExpiredTokenException", 400, false},
    {"SerializationException", 400, false},
    {"", 400, false},
    {"", 501, false},
    {"", 505, false},
    {kSerializationError, 200, false},
    {kInvalidRequestError, 0, false},
    {kCredentialsError, 0, false},
    {kRetryQuotaExceeded, 0, false},
    {kUnprocessedError, 0, false},
};

TEST(RetryStrategyTest, ClassifiesEveryErrorClass) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.type) + " HTTP " + std::to_string(c.http_status));
    Error e = Err(c.type, c.http_status);
    EXPECT_EQ(RetryStrategy::IsRetryable(e), c.retryable);

    // OnFailure agrees with IsRetryable and takes tokens only when it retries.
    FakeRandom random(0.5);
    RetryStrategy strategy(RetryOptions{}, &random);
    RetryStrategy::Decision d = strategy.OnFailure(e, 1);
    EXPECT_EQ(d.retry, c.retryable) << d.reason;
    EXPECT_FALSE(d.quota_exhausted);
    EXPECT_FALSE(d.reason.empty());
    if (c.retryable) {
      EXPECT_GT(d.acquired_tokens, 0);
      EXPECT_EQ(strategy.available_tokens(), 500 - d.acquired_tokens);
    } else {
      EXPECT_EQ(d.acquired_tokens, 0);
      EXPECT_EQ(strategy.available_tokens(), 500);
    }
  }
}

TEST(RetryStrategyTest, ThrottlingAndTimeoutClassification) {
  EXPECT_TRUE(RetryStrategy::IsThrottlingError(Err("ProvisionedThroughputExceededException")));
  EXPECT_TRUE(RetryStrategy::IsThrottlingError(Err("Unknown", 429)));
  EXPECT_FALSE(RetryStrategy::IsThrottlingError(Err("InternalServerError", 500)));
  EXPECT_TRUE(RetryStrategy::IsTimeoutError(Err(kTimeoutError, 0)));
  EXPECT_TRUE(RetryStrategy::IsTimeoutError(Err("RequestTimeoutException")));
  EXPECT_FALSE(RetryStrategy::IsTimeoutError(Err(kNetworkError, 0)));
}

TEST(RetryStrategyTest, BackoffWithZeroJitterIsZero) {
  FakeRandom random(0.0);
  RetryOptions opts;
  opts.max_attempts = 100;
  RetryStrategy strategy(opts, &random);
  for (int attempt = 1; attempt < 30; ++attempt) {
    auto d = strategy.OnFailure(Err("InternalServerError", 500), attempt);
    ASSERT_TRUE(d.retry);
    EXPECT_EQ(d.delay, milliseconds(0)) << "attempt " << attempt;
    strategy.OnSuccess(d.acquired_tokens);  // keep the bucket full
  }
}

TEST(RetryStrategyTest, BackoffCeilingDoublesUpToTheCap) {
  const double kAlmostOne = 0.999999;
  FakeRandom random(kAlmostOne);
  RetryOptions opts;
  opts.max_attempts = 100;
  RetryStrategy strategy(opts, &random);
  ASSERT_EQ(opts.base_delay, milliseconds(25));
  ASSERT_EQ(opts.throttling_base_delay, milliseconds(500));
  ASSERT_EQ(opts.max_backoff, milliseconds(20000));

  for (int attempt = 1; attempt <= 40; ++attempt) {
    SCOPED_TRACE(attempt);
    for (bool throttled : {false, true}) {
      const double base = throttled ? 500.0 : 25.0;
      const double ceiling = std::min(20000.0, base * std::ldexp(1.0, attempt - 1));
      auto d = strategy.OnFailure(
          throttled ? Err("ThrottlingException") : Err("InternalServerError", 500), attempt);
      ASSERT_TRUE(d.retry);
      // Full jitter with u ~ 1: just below the ceiling, never above it (nor above the cap).
      EXPECT_LE(d.delay.count(), static_cast<int64_t>(ceiling));
      EXPECT_GE(d.delay.count(), static_cast<int64_t>(ceiling * kAlmostOne) - 1);
      EXPECT_LE(d.delay, opts.max_backoff);
      strategy.OnSuccess(d.acquired_tokens);
    }
  }
  // Concrete points: 25 ms base doubles 25, 50, 100 ... and reaches the 20 s cap at attempt 11
  // (25 * 2^10 = 25600 > 20000); throttling reaches it at attempt 7 (500 * 2^6 = 32000).
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(25), 1), milliseconds(24));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(25), 3), milliseconds(99));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(25), 10), milliseconds(12799));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(25), 11), milliseconds(19999));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(500), 6), milliseconds(15999));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(500), 7), milliseconds(19999));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(500), 1000), milliseconds(19999));
}

TEST(RetryStrategyTest, JitterScalesTheCeiling) {
  FakeRandom random({0.5, 0.25, 0.1});
  RetryStrategy strategy(RetryOptions{}, &random);
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(1000), 1), milliseconds(500));
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(1000), 2), milliseconds(500));  // 0.25 * 2000
  EXPECT_EQ(strategy.BackoffDelay(milliseconds(1000), 3), milliseconds(400));  // 0.1 * 4000
  EXPECT_EQ(random.uniform_calls(), 3);
}

TEST(RetryStrategyTest, MaxAttemptsHonoured) {
  FakeRandom random(0.5);
  RetryOptions opts;  // default 3 attempts
  RetryStrategy strategy(opts, &random);
  Error e = Err("InternalServerError", 500);
  EXPECT_TRUE(strategy.OnFailure(e, 1).retry);
  EXPECT_TRUE(strategy.OnFailure(e, 2).retry);
  auto last = strategy.OnFailure(e, 3);
  EXPECT_FALSE(last.retry);
  EXPECT_FALSE(last.quota_exhausted);
  EXPECT_EQ(last.acquired_tokens, 0);
  EXPECT_EQ(strategy.available_tokens(), 500 - 2 * 5);

  opts.max_attempts = 1;  // retries disabled
  RetryStrategy no_retries(opts, &random);
  EXPECT_FALSE(no_retries.OnFailure(e, 1).retry);
  EXPECT_EQ(no_retries.available_tokens(), 500);

  opts.max_attempts = 5;
  RetryStrategy five(opts, &random);
  for (int a = 1; a < 5; ++a) EXPECT_TRUE(five.OnFailure(e, a).retry) << a;
  EXPECT_FALSE(five.OnFailure(e, 5).retry);
}

TEST(RetryStrategyTest, QuotaRunsDryAfterOneHundredRetries) {
  FakeRandom random(0.5);
  RetryOptions opts;
  opts.max_attempts = 1000;
  RetryStrategy strategy(opts, &random);
  Error e = Err("ServiceUnavailable", 503);
  int retries = 0;
  RetryStrategy::Decision d;
  for (int attempt = 1; attempt < 1000; ++attempt) {
    d = strategy.OnFailure(e, attempt);
    if (!d.retry) break;
    EXPECT_EQ(d.acquired_tokens, 5);
    ++retries;
  }
  EXPECT_EQ(retries, 100);  // 500 / 5
  EXPECT_FALSE(d.retry);
  EXPECT_TRUE(d.quota_exhausted);
  EXPECT_NE(d.reason.find("quota"), std::string::npos) << d.reason;
  EXPECT_EQ(strategy.available_tokens(), 0);
  // Once dry, even a first failure of another call is not retried.
  auto other = strategy.OnFailure(Err(kNetworkError, 0), 1);
  EXPECT_FALSE(other.retry);
  EXPECT_TRUE(other.quota_exhausted);
}

TEST(RetryStrategyTest, TimeoutsCostTenTokens) {
  FakeRandom random(0.5);
  RetryOptions opts;
  opts.max_attempts = 1000;
  RetryStrategy strategy(opts, &random);
  int retries = 0;
  for (int attempt = 1; attempt < 1000; ++attempt) {
    auto d = strategy.OnFailure(Err(kTimeoutError, 0), attempt);
    if (!d.retry) {
      EXPECT_TRUE(d.quota_exhausted);
      break;
    }
    EXPECT_EQ(d.acquired_tokens, 10);
    ++retries;
  }
  EXPECT_EQ(retries, 50);  // 500 / 10

  // With 5 tokens left a timeout (10) is refused while an ordinary retry (5) still goes.
  RetryStrategy mixed(opts, &random);
  for (int i = 0; i < 99; ++i) ASSERT_TRUE(mixed.OnFailure(Err(kNetworkError, 0), 1).retry);
  ASSERT_EQ(mixed.available_tokens(), 5);
  auto timeout = mixed.OnFailure(Err(kTimeoutError, 0), 1);
  EXPECT_FALSE(timeout.retry);
  EXPECT_TRUE(timeout.quota_exhausted);
  EXPECT_TRUE(mixed.OnFailure(Err(kNetworkError, 0), 1).retry);
  EXPECT_EQ(mixed.available_tokens(), 0);
}

TEST(RetryStrategyTest, SuccessRefundsAndRefills) {
  FakeRandom random(0.5);
  RetryStrategy strategy(RetryOptions{}, &random);
  // A first-attempt success on a full bucket stays capped at the capacity.
  strategy.OnSuccess(0);
  EXPECT_EQ(strategy.available_tokens(), 500);

  auto d1 = strategy.OnFailure(Err(kTimeoutError, 0), 1);       // -10
  auto d2 = strategy.OnFailure(Err("ThrottlingException"), 1);  // -5
  auto d3 = strategy.OnFailure(Err(kNetworkError, 0), 1);       // -5
  ASSERT_TRUE(d1.retry && d2.retry && d3.retry);
  EXPECT_EQ(strategy.available_tokens(), 480);

  strategy.OnSuccess(d1.acquired_tokens);  // a retried call succeeded: its 10 come back
  EXPECT_EQ(strategy.available_tokens(), 490);
  strategy.OnSuccess(0);  // first-attempt success: +1
  EXPECT_EQ(strategy.available_tokens(), 491);
  strategy.OnSuccess(d2.acquired_tokens);
  EXPECT_EQ(strategy.available_tokens(), 496);
  strategy.OnSuccess(0);
  strategy.OnSuccess(0);
  strategy.OnSuccess(0);
  strategy.OnSuccess(0);
  EXPECT_EQ(strategy.available_tokens(), 500);
  strategy.OnSuccess(d3.acquired_tokens);  // capped
  EXPECT_EQ(strategy.available_tokens(), 500);
}

TEST(RetryStrategyTest, DrainedQuotaRecoversThroughSuccesses) {
  FakeRandom random(0.5);
  RetryOptions opts;
  opts.max_attempts = 1000;
  RetryStrategy strategy(opts, &random);
  for (int a = 1; strategy.OnFailure(Err(kNetworkError, 0), a).retry; ++a) {
  }
  ASSERT_EQ(strategy.available_tokens(), 0);
  for (int i = 0; i < 4; ++i) strategy.OnSuccess(0);
  EXPECT_FALSE(strategy.OnFailure(Err(kNetworkError, 0), 1).retry);  // 4 < 5
  strategy.OnSuccess(0);
  EXPECT_TRUE(strategy.OnFailure(Err(kNetworkError, 0), 1).retry);  // 5 tokens: one retry
}

TEST(RetryStrategyTest, ConcurrentUseKeepsTheBucketConsistent) {
  FakeRandom random(0.5);
  RetryOptions opts;
  opts.max_attempts = 1000;
  RetryStrategy strategy(opts, &random);
  std::vector<std::thread> threads;
  std::atomic<int> granted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (strategy.OnFailure(Err(kNetworkError, 0), 1).retry) ++granted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 100);  // 400 attempts, only 500 / 5 can be granted
  EXPECT_EQ(strategy.available_tokens(), 0);
}

// The loop documented in retry_strategy.h, as the client runs it, over a scripted transport.
struct LoopResult {
  bool ok = false;
  Error error;
  int attempts = 0;
};

LoopResult RunWithRetries(Transport* transport, RetryStrategy* strategy, Clock* clock) {
  HttpRequest req;
  req.url = "https://dynamodb.test/";
  int last_acquired = 0;
  for (int attempt = 1;; ++attempt) {
    auto res = transport->Send(req, TransportTimeouts{});
    Error e;
    if (res.ok() && res->status == 200) {
      strategy->OnSuccess(last_acquired);
      return {true, {}, attempt};
    }
    if (!res.ok()) {
      e.type = res.status().code() == StatusCode::kTimeout ? kTimeoutError : kNetworkError;
    } else {
      e.http_status = res->status;
      e.type = res->body;  // the scripted bodies carry the exception name
    }
    auto d = strategy->OnFailure(e, attempt);
    if (!d.retry) {
      e.attempts = attempt;
      return {false, e, attempt};
    }
    last_acquired = d.acquired_tokens;
    clock->SleepFor(d.delay);
  }
}

TEST(RetryStrategyTest, ClientLoopOverFaultTransportAndFakeClock) {
  FakeClock clock;
  FakeRandom random({0.5, 0.5, 0.5});
  RetryOptions opts;
  opts.max_attempts = 4;
  RetryStrategy strategy(opts, &random);
  FaultTransport transport;
  transport.PushResponse(503, "ServiceUnavailable");
  transport.PushTimeout();
  transport.PushResponse(400, "ThrottlingException");
  transport.PushResponse(200, "{}");
  const TimePoint t0 = clock.Now();
  const auto s0 = clock.SteadyNow();

  LoopResult r = RunWithRetries(&transport, &strategy, &clock);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(transport.request_count(), 4u);
  EXPECT_EQ(transport.pending(), 0u);
  // Sleeps: 0.5 * 25 ms, 0.5 * 50 ms, then throttling 0.5 * min(500 * 4, 20000) ms.
  std::vector<std::chrono::nanoseconds> expected = {milliseconds(12), milliseconds(25),
                                                    milliseconds(1000)};
  EXPECT_EQ(clock.sleeps(), expected);
  EXPECT_EQ(clock.Now() - t0, milliseconds(1037));
  EXPECT_EQ(clock.SteadyNow() - s0, milliseconds(1037));
  // 5 + 10 + 5 taken, the last retry's 5 given back on success.
  EXPECT_EQ(strategy.available_tokens(), 500 - 20 + 5);
}

TEST(RetryStrategyTest, ClientLoopStopsOnNonRetryableAndAtMaxAttempts) {
  FakeClock clock;
  FakeRandom random(0.0);
  RetryStrategy strategy(RetryOptions{}, &random);
  FaultTransport transport;
  transport.PushConnectionError();
  transport.PushResponse(400, "ConditionalCheckFailedException");
  LoopResult r = RunWithRetries(&transport, &strategy, &clock);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "ConditionalCheckFailedException");
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(clock.sleeps().size(), 1u);

  transport.Reset();
  clock.ClearSleeps();
  transport.PushResponses(5, 500, "InternalServerError");
  r = RunWithRetries(&transport, &strategy, &clock);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "InternalServerError");  // the last error, type preserved
  EXPECT_EQ(r.error.attempts, 3);
  EXPECT_EQ(transport.request_count(), 3u);
  EXPECT_EQ(transport.pending(), 2u);
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

}  // namespace
}  // namespace dynaflow::dynamodb
