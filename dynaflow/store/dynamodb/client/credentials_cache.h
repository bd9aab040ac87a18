// CachingCredentialsProvider: the caching, refreshing decorator every credential source sits
// behind (like aws-sdk-cpp's refreshing providers).
//
// Contract:
//   - The first call fetches from the wrapped provider; later calls return the cached
//     credentials without calling it while they are fresh: credentials without an expiration
//     are fresh forever; expiring ones until `refresh_before_expiry` before their expiration (or,
//     for credentials that arrive with less lifetime than that, until half of their remaining
//     lifetime has passed).
//   - Refresh window (stale but not expired): exactly one caller refreshes, synchronously; every
//     other caller meanwhile gets the cached credentials at once. When the refresh fails, the
//     last good credentials are kept and returned (a warning is logged without secrets) and the
//     next refresh is tried `retry_after_failure` later.
//   - No credentials, or expired ones: callers wait for a single in-flight fetch and all receive
//     its outcome; when it fails they get its error (for expired credentials with the context
//     "credentials from <source> expired at <time> and could not be refreshed"). The failure is
//     not cached: the next call tries again.
// One refresh is in flight at any time. Thread-safe; the wrapped provider is called by at most
// one thread at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/credentials.h"

namespace dynaflow::dynamodb {

struct CachingCredentialsOptions {
  // Wall clock compared with the credentials' expiration. Null: Clock::Real(). Not owned.
  Clock* clock = nullptr;
  // Start refreshing this long before expiry (aws-sdk-cpp and boto use 5 minutes, which is also
  // the earliest STS and IMDS hand out new credentials ahead of expiry).
  std::chrono::seconds refresh_before_expiry{300};
  // After a failed refresh while the cached credentials are still valid, wait this long before
  // the next attempt (so an outage of the source is not hammered by every request).
  std::chrono::seconds retry_after_failure{10};
};

class CachingCredentialsProvider final : public CredentialsProvider {
 public:
  // `inner` must not be null.
  explicit CachingCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                                      CachingCredentialsOptions options = {});
  ~CachingCredentialsProvider() override;

  Result<Credentials> GetCredentials() override;
  // "cached(<inner name>)"
  std::string Name() const override;

  // How many times the wrapped provider was called (for diagnostics and tests).
  int64_t fetches() const;
  // How many callers are blocked right now waiting for an in-flight fetch (diagnostics, tests).
  int waiting() const;

 private:
  // Time after which `c`, fetched at `now`, should be refreshed.
  TimePoint RefreshTime(const Credentials& c, TimePoint now) const;

  const std::shared_ptr<CredentialsProvider> inner_;
  const CachingCredentialsOptions options_;
  Clock* const clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Credentials> cached_;  // guarded by mu_
  TimePoint refresh_at_{};             // guarded by mu_
  TimePoint next_attempt_{};           // guarded by mu_; after a failed background refresh
  bool fetching_ = false;              // guarded by mu_
  uint64_t generation_ = 0;            // guarded by mu_; incremented when a fetch completes
  Status last_error_;                  // guarded by mu_; outcome of the latest failed fetch
  int64_t fetches_ = 0;                // guarded by mu_
  int waiting_ = 0;                    // guarded by mu_
};

}  // namespace dynaflow::dynamodb
