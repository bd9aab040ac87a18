// The default credential chain: order of the links, explicit configuration being authoritative,
// error reporting and caching. One loopback server plays STS, the container endpoint and IMDS.
#include "dynaflow/store/dynamodb/client/credentials_chain.h"

#include <gtest/gtest.h>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "tests/support/credentials_fixtures.h"
#include "tests/support/fake_clock.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using Server = test::LoopbackHttpServer;

// Routes: POST / = STS web identity; GET /container = container; /latest/... = IMDSv2.
Server::Response Play(const Server::Request& r) {
  if (r.method == "POST" && r.path == "/") {
    return Server::Response::Text(
        200, test::StsCredentialsXml("AssumeRoleWithWebIdentity",
                                     test::MakeCredentials("ASIAWEBIDENTITY", "s", "t"),
                                     "2024-01-01T01:00:00Z"));
  }
  if (r.path == "/container") {
    return Server::Response::Json(
        200, test::CredentialsJson(test::MakeCredentials("ASIACONTAINER", "s", "t"),
                                   "2024-01-01T06:00:00Z"));
  }
  if (r.method == "PUT" && r.path == "/latest/api/token") return Server::Response::Text(200, "T1");
  if (r.path == "/latest/meta-data/iam/security-credentials/") {
    return Server::Response::Text(200, "role");
  }
  if (r.path == "/latest/meta-data/iam/security-credentials/role") {
    return Server::Response::Text(200,
                                  test::CredentialsJson(test::MakeCredentials("ASIAIMDS", "s", "t"),
                                                        "2024-01-01T06:00:00Z", true));
  }
  return Server::Response::Text(404, "");
}

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() : server_(&Play) {
    env_.Set("AWS_CONFIG_FILE", dir_.File("config"));
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.File("credentials"));
  }

  CredentialsChainOptions Options() {
    CredentialsChainOptions o;
    o.env = env_.Lookup();
    o.transport = transport_;
    o.clock = &clock_;
    o.sts.endpoint = server_.url("/");
    o.container.relative_uri_base = server_.base_url();
    o.imds.endpoint = server_.base_url();
    return o;
  }

  std::string Get(CredentialsChainOptions o) {
    auto c = NewCredentialsProviderChain(std::move(o))->GetCredentials();
    return c.ok() ? c->access_key_id : c.status().ToString();
  }

  // Configures every link below the environment.
  void ConfigureAllLinks() {
    env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.Write("jwt", "JWT"));
    env_.Set("AWS_ROLE_ARN", "arn:aws:iam::1:role/web");
    dir_.Write("credentials",
               "[default]\naws_access_key_id = AKIDPROFILE\n"
               "aws_secret_access_key = S\n");
    env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container");
  }

  test::TempDir dir_;
  test::FakeEnv env_;
  test::FakeClock clock_;
  std::shared_ptr<Transport> transport_ = std::make_shared<CurlTransport>();
  Server server_;
};

TEST_F(ChainTest, ExplicitKeysAreUsedAlone) {
  ConfigureAllLinks();
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "S");
  CredentialsChainOptions o = Options();
  o.explicit_credentials = test::MakeCredentials("AKIDEXPLICIT", "S", "TOKEN");
  EXPECT_EQ(Get(o), "AKIDEXPLICIT");
  o.explicit_credentials = test::MakeCredentials("AKIDEXPLICIT", "");
  EXPECT_EQ(Get(o), "InvalidArgument: static: static credentials: the secret access key is empty");
  EXPECT_EQ(server_.requests_received(), 0);
  EXPECT_EQ(env_.lookups("AWS_ACCESS_KEY_ID"), 0);
}

TEST_F(ChainTest, EnvironmentComesSecond) {
  ConfigureAllLinks();
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "S");
  EXPECT_EQ(Get(Options()), "AKIDENV");
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ChainTest, WebIdentityComesThird) {
  ConfigureAllLinks();
  EXPECT_EQ(Get(Options()), "ASIAWEBIDENTITY");
  EXPECT_EQ(server_.requests().at(0).path, "/");
}

TEST_F(ChainTest, SharedFilesComeFourth) {
  ConfigureAllLinks();
  env_.Unset("AWS_ROLE_ARN");
  env_.Unset("AWS_WEB_IDENTITY_TOKEN_FILE");
  EXPECT_EQ(Get(Options()), "AKIDPROFILE");
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ChainTest, ContainerComesFifth) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container");
  EXPECT_EQ(Get(Options()), "ASIACONTAINER");
  EXPECT_EQ(server_.requests_received(), 1);
}

TEST_F(ChainTest, InstanceMetadataComesLast) {
  EXPECT_EQ(Get(Options()), "ASIAIMDS");
  EXPECT_EQ(server_.requests().at(0).method, "PUT");
}

TEST_F(ChainTest, NothingFoundListsEverySourceTried) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  EXPECT_EQ(Get(Options()),
            "NotFound: no credentials found; tried: environment (AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY are not set); web identity (AWS_WEB_IDENTITY_TOKEN_FILE and "
            "AWS_ROLE_ARN are not set); shared config files (profile \"default\" is not defined "
            "anywhere: no AWS config file exists (looked for " +
                dir_.File("config") + " and " + dir_.File("credentials") +
                ")); container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set); instance metadata (IMDSv2) "
                "(AWS_EC2_METADATA_DISABLED is set)");
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ChainTest, UnreachableMetadataEndsTheChainQuicklyAsNotFound) {
  auto gone = std::make_unique<Server>(&Play);
  const std::string url = gone->base_url();
  gone.reset();
  CredentialsChainOptions o = Options();
  o.imds.endpoint = url;
  const auto start = std::chrono::steady_clock::now();
  auto c = NewCredentialsProviderChain(o)->GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("; instance metadata (IMDSv2) (instance metadata service "
                                      "(IMDSv2) at " +
                                      url + " is unreachable: "),
            std::string::npos)
      << c.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(ChainTest, AMisconfiguredSourceStopsTheChain) {
  ConfigureAllLinks();
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  EXPECT_EQ(Get(Options()),
            "InvalidArgument: environment: environment credentials are incomplete: "
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ChainTest, AConfiguredProfileIsUsedAlone) {
  ConfigureAllLinks();
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "S");
  dir_.Write("config", "[profile dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = S\n");
  CredentialsChainOptions o = Options();
  o.profile = "dev";
  EXPECT_EQ(Get(o), "AKIDDEV");
  o.profile = "nope";
  EXPECT_EQ(Get(o),
            "InvalidArgument: shared config files: the configured profile \"nope\" is not "
            "defined in " +
                dir_.File("config") + ", " + dir_.File("credentials"));
  EXPECT_EQ(server_.requests_received(), 0);
}

TEST_F(ChainTest, TheChainIsCachedAndRefreshed) {
  auto chain = NewCredentialsProviderChain(Options());
  ASSERT_EQ(chain->GetCredentials()->access_key_id, "ASIAIMDS");
  const int after_first = server_.requests_received();
  ASSERT_EQ(chain->GetCredentials()->access_key_id, "ASIAIMDS");
  EXPECT_EQ(server_.requests_received(), after_first);
  EXPECT_EQ(chain->Name(),
            "cached(chain(environment, web identity, shared config files, container, instance "
            "metadata (IMDSv2)))");
  clock_.Advance(std::chrono::hours(6) - std::chrono::minutes(4));  // in the refresh window
  ASSERT_OK(chain->GetCredentials());
  EXPECT_GT(server_.requests_received(), after_first);
}

TEST_F(ChainTest, DefaultChainUsesTheGivenEnvironment) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDDEFAULTCHAIN");
  env_.Set("AWS_SECRET_ACCESS_KEY", "S");
  ASSERT_OK_AND_ASSIGN(auto c, NewDefaultCredentialsProviderChain(env_.Lookup())->GetCredentials());
  EXPECT_EQ(c.access_key_id, "AKIDDEFAULTCHAIN");
}

}  // namespace
}  // namespace dynaflow::dynamodb
