// CachingCredentialsProvider with a FakeClock: caching, refresh before expiry, single flight
// under concurrency, and keeping the last good credentials while a refresh fails.
#include "dynaflow/store/dynamodb/client/credentials_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr TimePoint kStart = TimePoint(std::chrono::milliseconds(1704067200000));

Credentials Numbered(int n, std::optional<TimePoint> expiration) {
  Credentials c;
  c.access_key_id = "ASIA" + std::to_string(n);
  c.secret_access_key = "secret" + std::to_string(n);
  c.session_token = "token" + std::to_string(n);
  c.expiration = expiration;
  return c;
}

// Answers from a script; can hold callers at a gate until Release().
class ScriptedProvider : public CredentialsProvider {
 public:
  using Answer = std::function<Result<Credentials>(int call)>;
  explicit ScriptedProvider(Answer answer) : answer_(std::move(answer)) {}

  Result<Credentials> GetCredentials() override {
    int call;
    {
      std::unique_lock<std::mutex> lock(mu_);
      call = ++calls_;
      ++inside_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      --inside_;
    }
    return answer_(call);
  }
  std::string Name() const override { return "scripted"; }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void WaitUntilInside(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return inside_ >= n; });
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  Answer answer_;
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  int inside_ = 0;
  bool open_ = true;
};

class CacheTest : public ::testing::Test {
 protected:
  CachingCredentialsOptions Options() {
    CachingCredentialsOptions o;
    o.clock = &clock_;
    return o;
  }
  test::FakeClock clock_{kStart};
};

TEST_F(CacheTest, CredentialsWithoutExpirationAreFetchedOnce) {
  auto inner = std::make_shared<ScriptedProvider>([](int n) { return Numbered(n, std::nullopt); });
  CachingCredentialsProvider cache(inner, Options());
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(auto c, cache.GetCredentials());
    EXPECT_EQ(c.access_key_id, "ASIA1");
    clock_.Advance(std::chrono::hours(24 * 30));
  }
  EXPECT_EQ(inner->calls(), 1);
  EXPECT_EQ(cache.Name(), "cached(scripted)");
}

TEST_F(CacheTest, RefreshesBeforeExpiry) {
  auto inner = std::make_shared<ScriptedProvider>(
      [&](int n) { return Numbered(n, clock_.Now() + std::chrono::hours(1)); });
  CachingCredentialsProvider cache(inner, Options());
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  clock_.Advance(minutes(55) - seconds(1));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  EXPECT_EQ(inner->calls(), 1);
  clock_.Advance(seconds(1));  // 5 minutes before expiry
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA2");
  EXPECT_EQ(inner->calls(), 2);
  EXPECT_EQ(cache.fetches(), 2);
}

TEST_F(CacheTest, ShortLivedCredentialsRefreshAtHalfTheirLifetime) {
  auto inner = std::make_shared<ScriptedProvider>(
      [&](int n) { return Numbered(n, clock_.Now() + minutes(2)); });
  CachingCredentialsProvider cache(inner, Options());
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  clock_.Advance(seconds(59));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  clock_.Advance(seconds(1));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA2");
}

TEST_F(CacheTest, FailedRefreshKeepsTheLastGoodCredentialsAndRetriesLater) {
  std::atomic<bool> fail{false};
  auto inner = std::make_shared<ScriptedProvider>([&](int n) -> Result<Credentials> {
    if (fail) return Status::Unavailable("source down");
    return Numbered(n, kStart + std::chrono::hours(1) * n);
  });
  auto o = Options();
  o.retry_after_failure = seconds(10);
  CachingCredentialsProvider cache(inner, o);
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  fail = true;
  clock_.Advance(minutes(56));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  EXPECT_EQ(inner->calls(), 2);
  clock_.Advance(seconds(9));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  EXPECT_EQ(inner->calls(), 2) << "no new attempt within retry_after_failure";
  clock_.Advance(seconds(1));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  EXPECT_EQ(inner->calls(), 3);
  fail = false;
  clock_.Advance(seconds(10));
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA4");
}

TEST_F(CacheTest, ExpiredCredentialsWithAFailingSourceAreAnErrorAndRetriedNextCall) {
  std::atomic<bool> fail{false};
  auto inner = std::make_shared<ScriptedProvider>([&](int n) -> Result<Credentials> {
    if (fail) return Status::PermissionDenied("role trust policy changed");
    return Numbered(n, kStart + std::chrono::hours(1));
  });
  CachingCredentialsProvider cache(inner, Options());
  ASSERT_OK(cache.GetCredentials());
  fail = true;
  clock_.Advance(std::chrono::hours(2));
  auto c = cache.GetCredentials();
  ASSERT_ERROR(c, StatusCode::kPermissionDenied,
               "credentials from scripted expired at 2024-01-01T01:00:00Z and could not be "
               "refreshed: role trust policy changed");
  EXPECT_FALSE(cache.GetCredentials().ok());
  EXPECT_EQ(inner->calls(), 3) << "failures are not cached";
}

TEST_F(CacheTest, FirstFetchIsSingleFlightUnderEightThreads) {
  auto inner = std::make_shared<ScriptedProvider>(
      [&](int n) { return Numbered(n, kStart + std::chrono::hours(1)); });
  inner->Close();
  CachingCredentialsProvider cache(inner, Options());
  constexpr int kThreads = 8;
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto c = cache.GetCredentials();
      ids[i] = c.ok() ? c->access_key_id : c.status().ToString();
    });
  }
  inner->WaitUntilInside(1);
  while (cache.waiting() < kThreads - 1) std::this_thread::yield();
  inner->Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls(), 1);
  for (const auto& id : ids) EXPECT_EQ(id, "ASIA1");
}

TEST_F(CacheTest, RefreshIsSingleFlightAndOthersKeepTheCachedCredentials) {
  auto inner = std::make_shared<ScriptedProvider>(
      [&](int n) { return Numbered(n, kStart + std::chrono::hours(1) * n); });
  CachingCredentialsProvider cache(inner, Options());
  ASSERT_EQ(cache.GetCredentials()->access_key_id, "ASIA1");
  clock_.Advance(minutes(56));  // refresh window
  inner->Close();
  constexpr int kThreads = 8;
  std::vector<std::string> ids(kThreads);
  std::atomic<int> returned{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto c = cache.GetCredentials();
      ids[i] = c.ok() ? c->access_key_id : c.status().ToString();
      ++returned;
    });
  }
  inner->WaitUntilInside(1);
  // While one thread refreshes, the seven others are answered from the cache.
  while (returned.load() < kThreads - 1) std::this_thread::yield();
  EXPECT_EQ(inner->calls(), 2);
  inner->Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls(), 2);
  int old_ids = 0, new_ids = 0;
  for (const auto& id : ids) {
    if (id == "ASIA1") ++old_ids;
    if (id == "ASIA2") ++new_ids;
  }
  EXPECT_EQ(old_ids, kThreads - 1);
  EXPECT_EQ(new_ids, 1);
  EXPECT_EQ(cache.GetCredentials()->access_key_id, "ASIA2");
}

TEST_F(CacheTest, WaitersShareAFailedFetch) {
  auto inner = std::make_shared<ScriptedProvider>(
      [](int) -> Result<Credentials> { return Status::NotFound("nothing configured"); });
  inner->Close();
  CachingCredentialsProvider cache(inner, Options());
  constexpr int kThreads = 8;
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { errors[i] = cache.GetCredentials().status().ToString(); });
  }
  inner->WaitUntilInside(1);
  while (cache.waiting() < kThreads - 1) std::this_thread::yield();
  inner->Release();
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "NotFound: nothing configured");
  EXPECT_EQ(inner->calls(), 1) << "the seven waiters share the one failed fetch";
  EXPECT_EQ(cache.waiting(), 0);
}

}  // namespace
}  // namespace dynaflow::dynamodb
