// IMDSv2 credentials against a loopback server playing the instance metadata service: token PUT,
// role name, credentials; token reuse, expiry and rejection; disabled, unreachable and slow
// endpoints; and a 5xx during a refresh behind the caching decorator.
#include "dynaflow/store/dynamodb/client/credentials_imds.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "dynaflow/store/dynamodb/client/credentials_cache.h"
#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "tests/support/credentials_fixtures.h"
#include "tests/support/fake_clock.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using Server = test::LoopbackHttpServer;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kRolePath = "/latest/meta-data/iam/security-credentials/";

// A fake IMDSv2: tokens are "TOKEN-<n>"; one role; scripted credentials and faults.
class FakeImds {
 public:
  FakeImds() : server_([this](const Server::Request& r) { return Handle(r); }) {}

  Server::Response Handle(const Server::Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.method == "PUT" && r.path == "/latest/api/token") {
      if (refuse_tokens_) return Server::Response::Text(403, "Forbidden");
      const std::string* ttl = r.Header("X-aws-ec2-metadata-token-ttl-seconds");
      if (ttl == nullptr) return Server::Response::Text(400, "missing ttl");
      ttl_seen_ = *ttl;
      const std::string token = "TOKEN-" + std::to_string(++tokens_issued_);
      valid_.insert(token);
      return Server::Response::Text(200, token);
    }
    if (r.method != "GET") return Server::Response::Text(405, "");
    const std::string* token = r.Header("X-aws-ec2-metadata-token");
    if (token == nullptr || valid_.count(*token) == 0) {
      ++unauthorized_;
      return Server::Response::Text(401, "");
    }
    if (r.path == kRolePath) {
      if (role_.empty()) return Server::Response::Text(404, "");
      return Server::Response::Text(200, role_ + "\n");
    }
    if (r.path == std::string(kRolePath) + role_) {
      if (credentials_status_ != 200) return Server::Response::Text(credentials_status_, "");
      return Server::Response::Text(200, test::CredentialsJson(creds_, expiration_, true));
    }
    return Server::Response::Text(404, "");
  }

  // Every token issued so far becomes invalid (as after an IMDS token expiry).
  void RevokeTokens() {
    std::lock_guard<std::mutex> lock(mu_);
    valid_.clear();
  }
  void SetCredentials(Credentials c, std::string expiration, int status = 200) {
    std::lock_guard<std::mutex> lock(mu_);
    creds_ = std::move(c);
    expiration_ = std::move(expiration);
    credentials_status_ = status;
  }
  void SetRole(std::string role) {
    std::lock_guard<std::mutex> lock(mu_);
    role_ = std::move(role);
  }
  void RefuseTokens() {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_tokens_ = true;
  }
  int tokens_issued() {
    std::lock_guard<std::mutex> lock(mu_);
    return tokens_issued_;
  }
  int unauthorized() {
    std::lock_guard<std::mutex> lock(mu_);
    return unauthorized_;
  }
  std::string ttl_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return ttl_seen_;
  }
  Server& server() { return server_; }
  // "METHOD path" of every request so far.
  std::vector<std::string> log() {
    std::vector<std::string> out;
    for (const auto& r : server_.requests()) out.push_back(r.method + " " + r.path);
    return out;
  }

 private:
  std::mutex mu_;
  std::set<std::string> valid_;
  int tokens_issued_ = 0;
  int unauthorized_ = 0;
  std::string ttl_seen_;
  std::string role_ = "dynaflow-role";
  Credentials creds_ =
      test::MakeCredentials("ASIAIMDS00000001", "imdsSECRET/000001", "imdsTOKEN000001");
  std::string expiration_ = "2024-01-01T06:00:00Z";
  int credentials_status_ = 200;
  bool refuse_tokens_ = false;
  Server server_;  // last: stopped first on destruction
};

class ImdsTest : public ::testing::Test {
 protected:
  ImdsOptions Options() {
    ImdsOptions o;
    o.env = env_.Lookup();
    o.transport = transport_;
    o.clock = &clock_;
    o.endpoint = imds_.server().base_url();
    return o;
  }

  test::FakeEnv env_;
  test::FakeClock clock_;
  std::shared_ptr<Transport> transport_ = std::make_shared<CurlTransport>();
  FakeImds imds_;
};

TEST_F(ImdsTest, TokenPutThenRoleThenCredentials) {
  ImdsCredentialsProvider p(Options());
  auto c = p.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "ASIAIMDS00000001");
  EXPECT_EQ(c->secret_access_key, "imdsSECRET/000001");
  EXPECT_EQ(c->session_token, "imdsTOKEN000001");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(ToUnixMillis(*c->expiration), 1704067200000 + 6 * 3600 * 1000);
  EXPECT_EQ(imds_.log(),
            (std::vector<std::string>{
                "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/dynaflow-role"}));
  EXPECT_EQ(imds_.ttl_seen(), "21600");
  for (const auto& r : imds_.server().requests()) {
    if (r.method == "GET") {
      ASSERT_NE(r.Header("X-aws-ec2-metadata-token"), nullptr);
      EXPECT_EQ(*r.Header("X-aws-ec2-metadata-token"), "TOKEN-1");
    }
  }
}

TEST_F(ImdsTest, ReusesTheTokenAndTheRoleName) {
  ImdsCredentialsProvider p(Options());
  ASSERT_OK(p.GetCredentials());
  ASSERT_OK(p.GetCredentials());
  EXPECT_EQ(imds_.tokens_issued(), 1);
  EXPECT_EQ(imds_.log().size(), 4u);
  EXPECT_EQ(imds_.log().back(), "GET /latest/meta-data/iam/security-credentials/dynaflow-role");
}

TEST_F(ImdsTest, TokenIsRenewedBeforeItsTtlEnds) {
  ImdsOptions o = Options();
  o.token_ttl = seconds(600);
  ImdsCredentialsProvider p(o);
  ASSERT_OK(p.GetCredentials());
  EXPECT_EQ(imds_.ttl_seen(), "600");
  clock_.Advance(seconds(539));
  ASSERT_OK(p.GetCredentials());
  EXPECT_EQ(imds_.tokens_issued(), 1);
  clock_.Advance(seconds(1));  // 60 s before the TTL ends
  ASSERT_OK(p.GetCredentials());
  EXPECT_EQ(imds_.tokens_issued(), 2);
  EXPECT_EQ(imds_.unauthorized(), 0);
}

TEST_F(ImdsTest, RejectedTokenIsReplacedOnce) {
  ImdsCredentialsProvider p(Options());
  ASSERT_OK(p.GetCredentials());
  imds_.RevokeTokens();
  auto c = p.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(imds_.unauthorized(), 1);
  EXPECT_EQ(imds_.tokens_issued(), 2);
}

TEST_F(ImdsTest, DisabledByEnvironment) {
  for (const char* value : {"true", "TRUE", "1"}) {
    env_.Set("AWS_EC2_METADATA_DISABLED", value);
    auto c = ImdsCredentialsProvider(Options()).GetCredentials();
    ASSERT_FALSE(c.ok()) << value;
    EXPECT_ERROR(c, StatusCode::kNotFound, "AWS_EC2_METADATA_DISABLED is set");
  }
  EXPECT_EQ(imds_.server().requests_received(), 0);
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  EXPECT_OK(ImdsCredentialsProvider(Options()).GetCredentials());
}

TEST_F(ImdsTest, UnreachableEndpointFailsQuicklyWithAClearMessage) {
  auto gone = std::make_unique<Server>(
      [](const Server::Request&) { return Server::Response::Text(200, ""); });
  const std::string url = gone->base_url();
  gone.reset();
  ImdsOptions o = Options();
  o.endpoint = url;
  const auto start = std::chrono::steady_clock::now();
  auto c = ImdsCredentialsProvider(o).GetCredentials();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  const std::string& m = c.status().message();
  EXPECT_EQ(m.rfind("instance metadata service (IMDSv2) at " + url + " is unreachable: ", 0), 0u)
      << m;
  const std::string tail = "; not running on EC2? set AWS_EC2_METADATA_DISABLED=true to skip it";
  ASSERT_GE(m.size(), tail.size());
  EXPECT_EQ(m.substr(m.size() - tail.size()), tail);
  EXPECT_LT(took, seconds(2));

  o.unreachable_is_not_found = true;
  c = ImdsCredentialsProvider(o).GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST_F(ImdsTest, SlowEndpointTimesOutWithinTheShortTimeout) {
  Server slow([](const Server::Request&) {
    Server::Response r = Server::Response::Text(200, "TOKEN");
    r.delay = milliseconds(5000);
    return r;
  });
  ImdsOptions o = Options();
  o.endpoint = slow.base_url();
  o.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto c = ImdsCredentialsProvider(o).GetCredentials();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kTimeout) << c.status();
  EXPECT_NE(c.status().message().find("at " + slow.base_url() + " is unreachable"),
            std::string::npos);
  EXPECT_LT(took, milliseconds(2000));
  slow.Stop();
}

TEST_F(ImdsTest, NoRoleAndRefusedTokensAreNotFound) {
  imds_.SetRole("");
  auto c = ImdsCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(c, StatusCode::kNotFound,
               "no IAM role is attached to this instance (instance metadata at " +
                   imds_.server().base_url() + " has no security credentials)");

  imds_.RefuseTokens();
  c = ImdsCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(c, StatusCode::kNotFound,
               "instance metadata service at " + imds_.server().base_url() +
                   " refused a session token (HTTP 403): instance metadata "
                   "is disabled for this instance");
}

TEST_F(ImdsTest, EnvironmentSettings) {
  ImdsOptions o = Options();
  o.endpoint = "";
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_.server().base_url() + "/");
  EXPECT_OK(ImdsCredentialsProvider(o).GetCredentials());

  env_.Unset("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
  auto c = ImdsCredentialsProvider(o).GetCredentials();
  ASSERT_ERROR(c, StatusCode::kInvalidArgument,
               "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: expected IPv4 or IPv6, got \"IPv5\"");

  env_.Set("AWS_METADATA_SERVICE_TIMEOUT", "0.5");
  c = ImdsCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kInvalidArgument,
      "AWS_METADATA_SERVICE_TIMEOUT: expected a whole number of seconds >= 1, got \"0.5\"");
}

TEST_F(ImdsTest, UnsuccessfulCodeIsAnError) {
  imds_.server().SetHandler([](const Server::Request& r) {
    if (r.method == "PUT") return Server::Response::Text(200, "T");
    if (r.path == kRolePath) return Server::Response::Text(200, "role");
    return Server::Response::Text(200, "{\"Code\": \"AssumeRoleUnauthorizedAccess\"}");
  });
  auto c = ImdsCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kUnavailable,
      "instance metadata credentials of role role: Code is \"AssumeRoleUnauthorizedAccess\", "
      "expected \"Success\"");
}

TEST_F(ImdsTest, ServerErrorDuringRefreshKeepsTheLastGoodCredentials) {
  imds_.SetCredentials(test::MakeCredentials("ASIAFIRST0000001", "firstSECRET/1", "firstTOKEN1"),
                       "2024-01-01T01:00:00Z");
  CachingCredentialsOptions co;
  co.clock = &clock_;
  co.refresh_before_expiry = seconds(300);
  co.retry_after_failure = seconds(10);
  CachingCredentialsProvider cache(std::make_shared<ImdsCredentialsProvider>(Options()), co);

  auto c = cache.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "ASIAFIRST0000001");

  // In the refresh window IMDS fails: the first credentials are kept.
  imds_.SetCredentials(test::MakeCredentials("ASIASECOND000002", "secondSECRET/2", "secondTOKEN2"),
                       "2024-01-01T02:00:00Z", 500);
  clock_.Advance(std::chrono::minutes(56));
  const int before = imds_.server().requests_received();
  c = cache.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "ASIAFIRST0000001");
  EXPECT_GT(imds_.server().requests_received(), before) << "a refresh was attempted";
  EXPECT_EQ(cache.fetches(), 2);

  // Within retry_after_failure no new attempt is made.
  clock_.Advance(seconds(5));
  c = cache.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(cache.fetches(), 2);

  // IMDS recovers: the next attempt picks up the new credentials.
  imds_.SetCredentials(test::MakeCredentials("ASIASECOND000002", "secondSECRET/2", "secondTOKEN2"),
                       "2024-01-01T02:00:00Z", 200);
  clock_.Advance(seconds(6));
  c = cache.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "ASIASECOND000002");
  EXPECT_EQ(cache.fetches(), 3);
}

TEST_F(ImdsTest, ExpiredCredentialsAndAFailingRefreshIsAnError) {
  imds_.SetCredentials(test::MakeCredentials("ASIAFIRST0000001", "firstSECRET/1", "firstTOKEN1"),
                       "2024-01-01T01:00:00Z");
  CachingCredentialsOptions co;
  co.clock = &clock_;
  CachingCredentialsProvider cache(std::make_shared<ImdsCredentialsProvider>(Options()), co);
  ASSERT_OK(cache.GetCredentials());
  imds_.SetCredentials(Credentials{}, "", 503);
  clock_.Advance(std::chrono::minutes(61));
  auto c = cache.GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kUnavailable,
      "credentials from instance metadata (IMDSv2) expired at 2024-01-01T01:00:00Z and could "
      "not be refreshed: instance metadata service at " +
          imds_.server().base_url() + " answered HTTP 503");
}

}  // namespace
}  // namespace dynaflow::dynamodb
