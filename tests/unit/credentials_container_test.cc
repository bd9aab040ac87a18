// Container credentials (ECS task roles, EKS Pod Identity) against a loopback server.
#include "dynaflow/store/dynamodb/client/credentials_container.h"

#include <gtest/gtest.h>

#include <atomic>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "tests/support/credentials_fixtures.h"
#include "tests/support/fake_clock.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using Server = test::LoopbackHttpServer;
using std::chrono::milliseconds;

constexpr const char* kAuthToken = "AUTHtokenFROMfile0123456789";

Credentials Task() {
  Credentials c;
  c.access_key_id = "ASIATASK00000001";
  c.secret_access_key = "taskSECRET/000001";
  c.session_token = "taskTOKEN0001";
  return c;
}

class ContainerTest : public ::testing::Test {
 protected:
  ContainerTest()
      : server_([](const Server::Request& r) {
          if (r.path != "/v2/credentials/abc" && r.path != "/creds") {
            return Server::Response::Text(404,
                                          "{\"code\":\"NotFound\",\"message\":\"no such path\"}");
          }
          return Server::Response::Json(200, test::CredentialsJson(Task(), "2024-01-01T06:00:00Z"));
        }) {}

  ContainerCredentialsOptions Options() {
    ContainerCredentialsOptions o;
    o.env = env_.Lookup();
    o.transport = transport_;
    o.clock = &clock_;
    o.relative_uri_base = server_.base_url();
    return o;
  }

  test::TempDir dir_;
  test::FakeEnv env_;
  test::FakeClock clock_;
  std::shared_ptr<Transport> transport_ = std::make_shared<CurlTransport>();
  Server server_;
};

TEST_F(ContainerTest, RelativeUriOnTheEcsAgent) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  ASSERT_OK_AND_ASSIGN(auto c, ContainerCredentialsProvider(Options()).GetCredentials());
  EXPECT_EQ(c.access_key_id, "ASIATASK00000001");
  EXPECT_EQ(c.session_token, "taskTOKEN0001");
  ASSERT_TRUE(c.expiration.has_value());
  const auto req = server_.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/v2/credentials/abc");
  EXPECT_EQ(req.Header("Authorization"), nullptr);
}

TEST_F(ContainerTest, FullUriWithTokenFileAsForEksPodIdentity) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url("/creds"));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
           dir_.Write("token", std::string(kAuthToken) + "\n"));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-set");
  ContainerCredentialsProvider p(Options());
  ASSERT_OK(p.GetCredentials());
  ASSERT_NE(server_.requests().at(0).Header("Authorization"), nullptr);
  EXPECT_EQ(*server_.requests().at(0).Header("Authorization"), kAuthToken);
  // Re-read on every call.
  dir_.Write("token", "ROTATEDtoken");
  ASSERT_OK(p.GetCredentials());
  EXPECT_EQ(*server_.requests().at(1).Header("Authorization"), "ROTATEDtoken");
}

TEST_F(ContainerTest, TokenFromTheEnvironment) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url("/creds"));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic ZW52dG9rZW4=");
  ASSERT_OK(ContainerCredentialsProvider(Options()).GetCredentials());
  EXPECT_EQ(*server_.requests().at(0).Header("Authorization"), "Basic ZW52dG9rZW4=");
}

TEST_F(ContainerTest, NotConfiguredIsNotFound) {
  auto c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kNotFound,
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not "
      "set");
}

TEST_F(ContainerTest, PlainHttpOnlyToAllowedHosts) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://metadata.example.com/creds");
  auto c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kInvalidArgument,
      "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to a loopback "
      "address, 169.254.170.2 (ECS) or 169.254.170.23 / [fd00:ec2::23] (EKS Pod Identity); "
      "got host metadata.example.com (use https)");
  for (const char* bad : {"http://128.0.0.1/x", "http://127.0.0/x", "http://10.0.0.1/x"}) {
    env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", bad);
    EXPECT_EQ(ContainerCredentialsProvider(Options()).GetCredentials().status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ContainerTest, BadTokenSources) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url("/creds"));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.File("absent"));
  auto c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(c, StatusCode::kInvalidArgument,
               "container authorization token file " + dir_.File("absent") +
                   " does not exist (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)");

  env_.Unset("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1");
  c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kInvalidArgument,
      "the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN contains a "
      "line break");
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ContainerTest, ServerErrorsAreRetriedThenReported) {
  std::atomic<int> calls{0};
  server_.SetHandler([&](const Server::Request&) {
    if (++calls == 1) return Server::Response::Text(500, "{\"message\":\"agent starting\"}");
    return Server::Response::Json(200, test::CredentialsJson(Task(), "2024-01-01T06:00:00Z"));
  });
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url("/creds"));
  ASSERT_OK(ContainerCredentialsProvider(Options()).GetCredentials());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(clock_.sleeps(), std::vector<std::chrono::nanoseconds>{milliseconds(100)});

  server_.SetHandler([](const Server::Request&) {
    return Server::Response::Text(503, "{\"code\":\"Busy\",\"message\":\"try later\"}");
  });
  auto c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(c, StatusCode::kUnavailable,
               "container credentials endpoint " + server_.base_url() +
                   " answered HTTP 503: Busy: try later");
}

TEST_F(ContainerTest, ForbiddenIsAPermissionErrorWithoutRetry) {
  server_.SetHandler([](const Server::Request&) {
    return Server::Response::Text(403,
                                  std::string("{\"message\":\"bad token ") + kAuthToken + "\"}");
  });
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url("/creds"));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuthToken);
  auto c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(c, StatusCode::kPermissionDenied,
               "container credentials endpoint " + server_.base_url() +
                   " answered HTTP 403: bad token <redacted>");
  EXPECT_EQ(server_.requests_received(), 1);
}

TEST_F(ContainerTest, MalformedDocument) {
  server_.SetHandler([](const Server::Request&) {
    return Server::Response::Json(200, "{\"AccessKeyId\": \"A\", \"Token\": \"t\"}");
  });
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url("/creds"));
  auto c = ContainerCredentialsProvider(Options()).GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kSerialization,
      "container credentials endpoint " + server_.base_url() + ": SecretAccessKey: missing");
}

}  // namespace
}  // namespace dynaflow::dynamodb
