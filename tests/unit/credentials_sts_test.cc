// STS: the XML reader, AssumeRole (SigV4-signed, checked against the signer) and
// AssumeRoleWithWebIdentity against a loopback server playing STS.
#include "dynaflow/store/dynamodb/client/credentials_sts.h"

#include <gtest/gtest.h>

#include <regex>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "dynaflow/store/dynamodb/client/internal/xml.h"
#include "dynaflow/store/dynamodb/client/sigv4.h"
#include "tests/support/credentials_fixtures.h"
#include "tests/support/fake_clock.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using Server = test::LoopbackHttpServer;
using std::chrono::milliseconds;

constexpr const char* kRole = "arn:aws:iam::123456789012:role/dynaflow";
constexpr const char* kWebToken = "eyJhbGciOiJSUzI1NiJ9.WEBIDENTITYTOKEN.c2lnbmF0dXJl";

const Credentials kSource =
    test::MakeCredentials("AKIDSOURCE000001", "sourceSECRETkey/000001", "sourceTOKEN0001");
const Credentials kAssumed = test::MakeCredentials(
    "ASIAASSUMED00001", "assumedSECRET/0000000000001", "assumedSESSIONtoken0001==");

class StsTest : public ::testing::Test {
 protected:
  StsOptions Options(const Server& server) {
    StsOptions o;
    o.transport = transport_;
    o.clock = &clock_;
    o.region = "eu-central-1";
    o.endpoint = server.url("/");
    return o;
  }

  std::shared_ptr<Transport> transport_ = std::make_shared<CurlTransport>();
  test::FakeClock clock_;
};

// ---- XML ---------------------------------------------------------------------------------

TEST(XmlTest, ReadsElementsTextEntitiesAndIgnoresNamespacesAndComments) {
  auto doc = internal::ParseXml(
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n<a:Root xmlns:a=\"urn:x\" k='v'>\n"
      "  <a:Child>  x &lt;&amp;&gt; &#65;&#x42; <![CDATA[<raw>]]> </a:Child>\n"
      "  <Empty/><!-- inner -->\n</a:Root>\n");
  ASSERT_OK(doc);
  EXPECT_EQ(doc->name, "Root");
  ASSERT_NE(doc->Child("Child"), nullptr);
  EXPECT_EQ(doc->Child("Child")->TrimmedText(), "x <&> AB <raw>");
  ASSERT_NE(doc->Child("Empty"), nullptr);
  EXPECT_EQ(doc->Child("Missing"), nullptr);
  EXPECT_EQ(doc->Find({"Child"}), doc->Child("Child"));
}

TEST(XmlTest, RejectsMalformedDocumentsWithOffsetAndRule) {
  struct Case {
    const char* doc;
    const char* message;
  } cases[] = {
      {"<a><b></a>", "malformed XML at byte 6: closing tag does not match the open element"},
      {"<a>", "malformed XML at byte 3: unclosed element"},
      {"<!DOCTYPE a [<!ENTITY x \"y\">]><a/>",
       "malformed XML at byte 0: DOCTYPE declarations are not accepted"},
      {"<a>&bogus;</a>", "malformed XML at byte 3: unknown entity"},
      {"<a/><b/>", "malformed XML at byte 4: unexpected content after the root element"},
      {"", "malformed XML at byte 0: expected the root element"},
      {"<a x=1/>", "malformed XML at byte 5: expected a quoted attribute value"},
  };
  for (const Case& c : cases) {
    auto r = internal::ParseXml(c.doc);
    ASSERT_FALSE(r.ok()) << c.doc;
    EXPECT_EQ(r.status().code(), StatusCode::kSerialization);
    EXPECT_EQ(r.status().message(), c.message) << c.doc;
  }
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "<a>";
  auto r = internal::ParseXml(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 64"), std::string::npos);
}

TEST(XmlTest, ErrorsNeverQuoteTheDocument) {
  auto r = internal::ParseXml("<Credentials><SecretAccessKey>TOPSECRET</Secret></Credentials>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("TOPSECRET"), std::string::npos) << r.status();
}

// ---- Response parsing --------------------------------------------------------------------

TEST(StsParseTest, ReadsCredentialsWithPrefixesAndWhitespace) {
  const std::string body =
      "<sts:AssumeRoleResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<sts:AssumeRoleResult><sts:Credentials>\n"
      "  <sts:AccessKeyId>\n  ASIAXML \n</sts:AccessKeyId>"
      "<sts:SecretAccessKey>sec/ret+</sts:SecretAccessKey>"
      "<sts:SessionToken>to&amp;ken</sts:SessionToken>"
      "<sts:Expiration>2024-01-01T01:00:00.000Z</sts:Expiration>"
      "</sts:Credentials></sts:AssumeRoleResult></sts:AssumeRoleResponse>";
  auto c = ParseStsResponse("AssumeRole", kRole, 200, body);
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "ASIAXML");
  EXPECT_EQ(c->secret_access_key, "sec/ret+");
  EXPECT_EQ(c->session_token, "to&ken");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(ToUnixMillis(*c->expiration), 1704070800000);
}

TEST(StsParseTest, MissingElementsAreSerializationErrors) {
  Credentials no_token = kAssumed;
  no_token.session_token = "";
  auto r =
      ParseStsResponse("AssumeRole", kRole, 200,
                       test::StsCredentialsXml("AssumeRole", no_token, "2024-01-01T01:00:00Z"));
  ASSERT_ERROR(r, StatusCode::kSerialization,
               "STS AssumeRole for role arn:aws:iam::123456789012:role/dynaflow: the answer has no "
               "Credentials/SessionToken element");

  r = ParseStsResponse("AssumeRole", kRole, 200,
                       test::StsCredentialsXml("AssumeRoleWithWebIdentity", kAssumed, "x"));
  ASSERT_ERROR(r, StatusCode::kSerialization,
               "STS AssumeRole for role arn:aws:iam::123456789012:role/dynaflow: expected a "
               "<AssumeRoleResponse> document, got <AssumeRoleWithWebIdentityResponse>");

  r = ParseStsResponse("AssumeRole", kRole, 200,
                       test::StsCredentialsXml("AssumeRole", kAssumed, "tomorrow"));
  ASSERT_ERROR(
      r, StatusCode::kSerialization,
      "STS AssumeRole for role arn:aws:iam::123456789012:role/dynaflow: "
      "Credentials/Expiration: expected an ISO 8601 time such as 2024-01-01T00:00:00Z, got "
      "\"tomorrow\"");
}

TEST(StsParseTest, MapsErrorCodes) {
  struct Case {
    int http;
    const char* code;
    StatusCode expected;
  } cases[] = {
      {403, "AccessDenied", StatusCode::kPermissionDenied},
      {400, "InvalidIdentityToken", StatusCode::kPermissionDenied},
      {400, "Throttling", StatusCode::kThrottled},
      {400, "IDPCommunicationError", StatusCode::kUnavailable},
      {503, "ServiceUnavailable", StatusCode::kUnavailable},
      {400, "ValidationError", StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    auto r = ParseStsResponse("AssumeRole", kRole, c.http, test::StsErrorXml(c.code, "why"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.expected) << c.code;
    EXPECT_EQ(r.status().message(), "STS AssumeRole for role " + std::string(kRole) + ": " +
                                        c.code + ": why (HTTP " + std::to_string(c.http) + ")");
  }
  auto r = ParseStsResponse("AssumeRole", kRole, 502, "<html>bad gateway</html>");
  ASSERT_ERROR(r, StatusCode::kUnavailable,
               "STS AssumeRole for role " + std::string(kRole) + ": unexpected answer (HTTP 502)");
}

TEST(StsEndpointTest, RegionalGlobalAndChina) {
  EXPECT_EQ(StsEndpointForRegion("eu-central-1"), "https://sts.eu-central-1.amazonaws.com/");
  EXPECT_EQ(StsEndpointForRegion(""), "https://sts.amazonaws.com/");
  EXPECT_EQ(StsEndpointForRegion("cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn/");
}

// ---- AssumeRole --------------------------------------------------------------------------

TEST_F(StsTest, AssumeRoleSendsASignedRequestThatVerifies) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(
        200, test::StsCredentialsXml("AssumeRole", kAssumed, "2024-01-01T01:00:00Z"));
  });
  ASSERT_OK(server.status());
  AssumeRoleRequest request;
  request.role_arn = kRole;
  request.role_session_name = "sess-1";
  request.external_id = "ext-42";
  request.duration = std::chrono::seconds(900);
  auto c = StsAssumeRole(Options(server), kSource, request);
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kAssumed.access_key_id);
  EXPECT_EQ(c->secret_access_key, kAssumed.secret_access_key);
  EXPECT_EQ(c->session_token, kAssumed.session_token);
  EXPECT_EQ(ToUnixMillis(*c->expiration), 1704070800000);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& req = requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/");
  EXPECT_EQ(req.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole"
            "%2Fdynaflow&RoleSessionName=sess-1&ExternalId=ext-42&DurationSeconds=900");
  ASSERT_NE(req.Header("Content-Type"), nullptr);
  EXPECT_EQ(*req.Header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  ASSERT_NE(req.Header("X-Amz-Date"), nullptr);
  EXPECT_EQ(*req.Header("X-Amz-Date"), "20240101T000000Z");
  ASSERT_NE(req.Header("X-Amz-Security-Token"), nullptr);
  EXPECT_EQ(*req.Header("X-Amz-Security-Token"), kSource.session_token);
  const std::string* auth = req.Header("Authorization");
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(std::regex_match(
      *auth, std::regex("AWS4-HMAC-SHA256 Credential=AKIDSOURCE000001/20240101/eu-central-1/sts/"
                        "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                        "x-amz-security-token, Signature=[0-9a-f]{64}")))
      << *auth;

  // The signature is the one the signer computes for the request as it arrived.
  HttpRequest arrived;
  arrived.method = req.method;
  arrived.url = server.url(req.target);
  arrived.headers = {{"Content-Type", *req.Header("Content-Type")}};
  arrived.body = req.body;
  SigningParams params;
  params.region = "eu-central-1";
  params.service = "sts";
  params.time = clock_.Now();
  ASSERT_OK_AND_ASSIGN(auto parts, ComputeSignature(arrived, kSource, params, nullptr));
  EXPECT_EQ(parts.authorization, *auth);
}

TEST_F(StsTest, AssumeRoleWithoutRegionSignsForUsEast1) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(
        200, test::StsCredentialsXml("AssumeRole", kAssumed, "2024-01-01T01:00:00Z"));
  });
  StsOptions o = Options(server);
  o.region = "";
  AssumeRoleRequest request{kRole, "s", "", std::nullopt};
  ASSERT_OK(StsAssumeRole(o, kSource, request));
  const auto req = server.requests().at(0);
  const std::string* auth = req.Header("Authorization");
  ASSERT_NE(auth, nullptr);
  EXPECT_NE(auth->find("/20240101/us-east-1/sts/aws4_request"), std::string::npos) << *auth;
}

TEST_F(StsTest, RetriesServerErrorsWithGrowingSleeps) {
  std::atomic<int> calls{0};
  Server server([&](const Server::Request&) {
    if (++calls <= 2)
      return Server::Response::Text(503, test::StsErrorXml("ServiceUnavailable", "x"));
    return Server::Response::Text(
        200, test::StsCredentialsXml("AssumeRole", kAssumed, "2024-01-01T01:00:00Z"));
  });
  AssumeRoleRequest request{kRole, "s", "", std::nullopt};
  auto c = StsAssumeRole(Options(server), kSource, request);
  ASSERT_OK(c);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(clock_.sleeps(),
            (std::vector<std::chrono::nanoseconds>{milliseconds(200), milliseconds(400)}));
}

TEST_F(StsTest, GivesUpAfterMaxAttempts) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(500, test::StsErrorXml("InternalFailure", "boom"));
  });
  AssumeRoleRequest request{kRole, "s", "", std::nullopt};
  auto c = StsAssumeRole(Options(server), kSource, request);
  ASSERT_ERROR(
      c, StatusCode::kUnavailable,
      "STS AssumeRole for role " + std::string(kRole) + ": InternalFailure: boom (HTTP 500)");
  EXPECT_EQ(server.requests_received(), 3);
}

TEST_F(StsTest, AccessDeniedIsNotRetriedAndSecretsAreRedacted) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(
        403, test::StsErrorXml("AccessDenied", "key sourceTOKEN0001 may not assume the role"));
  });
  AssumeRoleRequest request{kRole, "s", "", std::nullopt};
  auto c = StsAssumeRole(Options(server), kSource, request);
  ASSERT_ERROR(c, StatusCode::kPermissionDenied,
               "STS AssumeRole for role " + std::string(kRole) +
                   ": AccessDenied: key <redacted> may not assume the role "
                   "(HTTP 403)");
  EXPECT_EQ(server.requests_received(), 1);
}

TEST_F(StsTest, UnreachableEndpointNamesIt) {
  auto server = std::make_unique<Server>(
      [](const Server::Request&) { return Server::Response::Text(200, ""); });
  const std::string url = server->url("/");
  server->Stop();
  server.reset();
  StsOptions o;
  o.transport = transport_;
  o.clock = &clock_;
  o.endpoint = url;
  o.max_attempts = 2;
  auto c = StsAssumeRole(o, kSource, AssumeRoleRequest{kRole, "s", "", std::nullopt});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(c.status().message().rfind("STS AssumeRole for role " + std::string(kRole) +
                                           ": STS endpoint " + url + " unreachable: ",
                                       0),
            0u)
      << c.status();
}

TEST_F(StsTest, AssumeRoleProviderUsesItsSource) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(
        200, test::StsCredentialsXml("AssumeRole", kAssumed, "2024-01-01T01:00:00Z"));
  });
  auto source = std::make_shared<StaticCredentialsProvider>(kSource);
  AssumeRoleCredentialsProvider p(source, AssumeRoleRequest{kRole, "s", "", std::nullopt},
                                  Options(server));
  ASSERT_OK_AND_ASSIGN(auto c, p.GetCredentials());
  EXPECT_EQ(c.access_key_id, kAssumed.access_key_id);
  EXPECT_EQ(p.Name(), "assume role " + std::string(kRole));

  AssumeRoleCredentialsProvider broken(std::make_shared<StaticCredentialsProvider>(Credentials{}),
                                       AssumeRoleRequest{kRole, "s", "", std::nullopt},
                                       Options(server));
  auto e = broken.GetCredentials();
  ASSERT_ERROR(e, StatusCode::kInvalidArgument,
               "source credentials for role " + std::string(kRole) +
                   ": static credentials: the access key id is empty");
}

// ---- Web identity ------------------------------------------------------------------------

class WebIdentityTest : public StsTest {
 protected:
  void SetUp() override {
    token_file_ = dir_.Write("token", std::string(kWebToken) + "\n");
    env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file_);
    env_.Set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks-app");
  }
  WebIdentityOptions Options(const Server& server) {
    WebIdentityOptions o;
    o.env = env_.Lookup();
    o.sts = StsTest::Options(server);
    return o;
  }

  test::TempDir dir_;
  test::FakeEnv env_;
  std::string token_file_;
};

TEST_F(WebIdentityTest, ExchangesTheTokenFromTheFile) {
  env_.Set("AWS_ROLE_SESSION_NAME", "pod-7");
  Server server([](const Server::Request&) {
    return Server::Response::Text(200, test::StsCredentialsXml("AssumeRoleWithWebIdentity",
                                                               kAssumed, "2024-01-01T01:00:00Z"));
  });
  WebIdentityCredentialsProvider p(Options(server));
  ASSERT_OK_AND_ASSIGN(auto c, p.GetCredentials());
  EXPECT_EQ(c.access_key_id, kAssumed.access_key_id);
  EXPECT_EQ(c.session_token, kAssumed.session_token);
  const auto req = server.requests().at(0);
  EXPECT_EQ(req.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
            "123456789012%3Arole%2Feks-app&RoleSessionName=pod-7&WebIdentityToken=" +
                std::string(kWebToken));
  EXPECT_EQ(req.Header("Authorization"), nullptr) << "AssumeRoleWithWebIdentity is unsigned";

  // The file is re-read on every call (the platform rotates it).
  dir_.Write("token", "ROTATED.TOKEN.VALUE");
  ASSERT_OK(p.GetCredentials());
  EXPECT_NE(server.requests().at(1).body.find("WebIdentityToken=ROTATED.TOKEN.VALUE"),
            std::string::npos);
}

TEST_F(WebIdentityTest, DefaultSessionNameUsesTheClock) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(200, test::StsCredentialsXml("AssumeRoleWithWebIdentity",
                                                               kAssumed, "2024-01-01T01:00:00Z"));
  });
  WebIdentityCredentialsProvider p(Options(server));
  ASSERT_OK(p.GetCredentials());
  EXPECT_NE(server.requests().at(0).body.find("&RoleSessionName=dynaflow-1704067200000&"),
            std::string::npos);
}

TEST_F(WebIdentityTest, ExpiredTokenIsAClearPermissionError) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(
        400, test::StsErrorXml("ExpiredTokenException",
                               "Token expired: current date/time 1704067200 must be before the "
                               "expiration date/time 1704060000"));
  });
  WebIdentityCredentialsProvider p(Options(server));
  auto c = p.GetCredentials();
  ASSERT_ERROR(
      c, StatusCode::kPermissionDenied,
      "web identity token file " + token_file_ +
          ": STS AssumeRoleWithWebIdentity for role arn:aws:iam::123456789012:role/eks-app:"
          " ExpiredTokenException: Token expired: current date/time 1704067200 must be "
          "before the expiration date/time 1704060000 (HTTP 400); the web identity token "
          "has expired: the platform (e.g. the kubelet for a projected service account "
          "token) must rotate the token file");
  EXPECT_EQ(server.requests_received(), 1) << "an expired token is not retried";
  EXPECT_EQ(c.status().message().find(kWebToken), std::string::npos);
}

TEST_F(WebIdentityTest, TokenEchoedByStsIsRedacted) {
  Server server([](const Server::Request&) {
    return Server::Response::Text(
        400, test::StsErrorXml("InvalidIdentityToken",
                               std::string("Couldn't verify ") + kWebToken + " with the issuer"));
  });
  WebIdentityCredentialsProvider p(Options(server));
  auto c = p.GetCredentials();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find(kWebToken), std::string::npos) << c.status();
  EXPECT_NE(c.status().message().find("Couldn't verify <redacted> with the issuer"),
            std::string::npos)
      << c.status();
}

TEST_F(WebIdentityTest, AbsentHalfConfiguredAndBadTokenFiles) {
  Server server([](const Server::Request&) { return Server::Response::Text(500, ""); });
  test::FakeEnv empty;
  WebIdentityOptions none = Options(server);
  none.env = empty.Lookup();
  auto r = WebIdentityCredentialsProvider(none).GetCredentials();
  ASSERT_ERROR(r, StatusCode::kNotFound,
               "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");

  env_.Unset("AWS_ROLE_ARN");
  r = WebIdentityCredentialsProvider(Options(server)).GetCredentials();
  ASSERT_ERROR(r, StatusCode::kInvalidArgument,
               "web identity: a token file is configured (AWS_WEB_IDENTITY_TOKEN_FILE) but no role "
               "ARN (AWS_ROLE_ARN)");

  env_.Set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks-app");
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.File("missing"));
  r = WebIdentityCredentialsProvider(Options(server)).GetCredentials();
  ASSERT_ERROR(r, StatusCode::kInvalidArgument,
               "web identity token file " + dir_.File("missing") + " does not exist");

  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.Write("blank", " \n"));
  r = WebIdentityCredentialsProvider(Options(server)).GetCredentials();
  ASSERT_ERROR(r, StatusCode::kInvalidArgument,
               "web identity token file " + dir_.File("blank") + " is empty");
  EXPECT_EQ(server.requests_received(), 0);
}

}  // namespace
}  // namespace dynaflow::dynamodb
