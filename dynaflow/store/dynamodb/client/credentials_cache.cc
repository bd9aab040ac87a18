#include "dynaflow/store/dynamodb/client/credentials_cache.h"

#include "dynaflow/store/dynamodb/client/internal/aws_time.h"
#include "dynaflow/store/dynamodb/client/internal/client_logger.h"

namespace dynaflow::dynamodb {

CachingCredentialsProvider::CachingCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                                                       CachingCredentialsOptions options)
    : inner_(std::move(inner)),
      options_(options),
      clock_(options.clock ? options.clock : Clock::Real()) {}

CachingCredentialsProvider::~CachingCredentialsProvider() = default;

std::string CachingCredentialsProvider::Name() const { return "cached(" + inner_->Name() + ")"; }

int64_t CachingCredentialsProvider::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

int CachingCredentialsProvider::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

TimePoint CachingCredentialsProvider::RefreshTime(const Credentials& c, TimePoint now) const {
  if (!c.expiration) return TimePoint::max();
  const TimePoint exp = *c.expiration;
  const TimePoint early = exp - options_.refresh_before_expiry;
  if (early > now) return early;
  if (exp > now) return now + (exp - now) / 2;
  return now;
}

Result<Credentials> CachingCredentialsProvider::GetCredentials() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const TimePoint now = clock_->Now();
    if (cached_ && (!cached_->expiration || now < refresh_at_)) return *cached_;
    const bool still_valid = cached_ && now < *cached_->expiration;
    if (fetching_) {
      // Someone is fetching. With valid credentials answer at once; otherwise share the outcome.
      if (still_valid) return *cached_;
      const uint64_t generation = generation_;
      ++waiting_;
      cv_.wait(lock, [&] { return generation_ != generation; });
      --waiting_;
      if (!last_error_.ok()) return last_error_;
      continue;
    }
    if (still_valid && now < next_attempt_) return *cached_;

    fetching_ = true;
    ++fetches_;
    lock.unlock();
    Result<Credentials> fetched = Status::Internal("the credentials provider threw");
    try {
      fetched = inner_->GetCredentials();
    } catch (...) {
    }
    lock.lock();
    fetching_ = false;
    ++generation_;
    const TimePoint done = clock_->Now();
    if (fetched.ok()) {
      cached_ = std::move(fetched).value();
      refresh_at_ = RefreshTime(*cached_, done);
      next_attempt_ = TimePoint{};
      last_error_ = Status::OK();
      cv_.notify_all();
      return *cached_;
    }
    Status error = fetched.status();
    if (cached_ && cached_->expiration && done < *cached_->expiration) {
      // Refresh window: keep the last good credentials.
      next_attempt_ = done + options_.retry_after_failure;
      last_error_ = Status::OK();
      cv_.notify_all();
      ClientLogger()->warn(
          "refreshing credentials from {} failed; keeping the current ones (valid until {}) and "
          "retrying in {} s: {}",
          inner_->Name(), internal::FormatIso8601(*cached_->expiration),
          options_.retry_after_failure.count(), error.ToString());
      return *cached_;
    }
    if (cached_ && cached_->expiration) {
      error = error.WithContext("credentials from " + inner_->Name() + " expired at " +
                                internal::FormatIso8601(*cached_->expiration) +
                                " and could not be refreshed");
    }
    last_error_ = error;
    cv_.notify_all();
    return error;
  }
}

}  // namespace dynaflow::dynamodb
