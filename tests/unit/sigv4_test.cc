// SigV4 signer tests: AWS's own SigV4 suite (tests/data/aws-sigv4, shipped with the tests),
// canonicalisation rules, the signing key cache and the DynamoDB convenience.
#include "dynaflow/store/dynamodb/client/sigv4.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/internal/sigv4_canonical.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

namespace fs = std::filesystem;

#ifndef DYNAFLOW_SIGV4_SUITE_DIR
#error "DYNAFLOW_SIGV4_SUITE_DIR must name tests/data/aws-sigv4/v4 (set by tests/CMakeLists.txt)"
#endif
constexpr const char* kSuiteDir = DYNAFLOW_SIGV4_SUITE_DIR;
constexpr size_t kSuiteCaseCount = 38;  // each runs as HeaderSignature and QuerySignature

// "2015-08-30T12:36:00Z" -> TimePoint.
TimePoint ParseUtc(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  EXPECT_FALSE(in.fail()) << "bad timestamp " << s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << p;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Expected-output files end without a newline; tolerate one anyway.
std::string ReadExpected(const fs::path& p) {
  std::string s = ReadFile(p);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// A raw HTTP request as written in the suite's *.txt files.
struct RawRequest {
  std::string method;
  std::string target;  // path[?query], as written (may contain spaces and raw UTF-8)
  HttpHeaders headers;
  std::string body;
};

// Request line, headers (a line starting with space/tab continues the previous value; the line
// break is kept), a blank line, then the body.
RawRequest ParseRawRequest(const std::string& text) {
  RawRequest r;
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  const std::string& first = lines.at(0);
  const size_t sp1 = first.find(' ');
  const size_t sp2 = first.rfind(' ');
  r.method = first.substr(0, sp1);
  r.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string& line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (size_t j = i + 1; j < lines.size(); ++j) {
    if (j > i + 1) r.body += "\n";
    r.body += lines[j];
  }
  return r;
}

struct SuiteContext {
  Credentials credentials;
  SigningParams params;
};

SuiteContext ParseContext(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError());
  SuiteContext c;
  const auto& creds = d["credentials"];
  c.credentials.access_key_id = creds["access_key_id"].GetString();
  c.credentials.secret_access_key = creds["secret_access_key"].GetString();
  if (creds.HasMember("token")) c.credentials.session_token = creds["token"].GetString();
  c.params.region = d["region"].GetString();
  c.params.service = d["service"].GetString();
  c.params.time = ParseUtc(d["timestamp"].GetString());
  c.params.normalize_path = d["normalize"].GetBool();
  c.params.add_content_sha256_header = d["sign_body"].GetBool();
  c.params.expires = std::chrono::seconds(d["expiration_in_seconds"].GetInt());
  if (d.HasMember("omit_session_token")) {
    c.params.sign_session_token = !d["omit_session_token"].GetBool();
  }
  return c;
}

std::vector<std::string> ListSuiteCases() {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(kSuiteDir, ec)) return out;
  for (const auto& e : fs::directory_iterator(kSuiteDir, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "request.txt")) {
      out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

HttpRequest ToHttpRequest(const RawRequest& raw) {
  HttpRequest req;
  req.method = raw.method;
  const std::string* host = FindHeader(raw.headers, "host");
  req.url = "https://" + (host ? *host : std::string("missing-host")) + raw.target;
  req.headers = raw.headers;
  req.body = raw.body;
  return req;
}

// Headers as a sorted list of (lowercase name, value), for order-independent comparison.
std::vector<std::pair<std::string, std::string>> Normalized(const HttpHeaders& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : h) out.emplace_back(internal::ToLowerAscii(k), v);
  std::sort(out.begin(), out.end());
  return out;
}

void ExpectNoSecret(const SignatureParts& parts, const HttpRequest& signed_req,
                    const std::string& secret) {
  for (const std::string* s : {&parts.canonical_request, &parts.string_to_sign,
                               &parts.authorization, &parts.query_to_add, &signed_req.url}) {
    EXPECT_EQ(s->find(secret), std::string::npos);
  }
  for (const auto& [k, v] : signed_req.headers) EXPECT_EQ(v.find(secret), std::string::npos) << k;
}

// The suite must be there: a missing suite is a failure, never a silent skip.
TEST(SigV4SuitePresence, SuiteDirectoryHoldsAllCases) {
  ASSERT_TRUE(fs::is_directory(kSuiteDir))
      << "AWS SigV4 test suite not found at " << kSuiteDir
      << " (it ships in the repository: tests/data/aws-sigv4/v4)";
  EXPECT_EQ(ListSuiteCases().size(), kSuiteCaseCount);
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = fs::path(kSuiteDir) / GetParam();
    raw_ = ParseRawRequest(ReadFile(dir_ / "request.txt"));
    ctx_ = ParseContext(ReadFile(dir_ / "context.json"));
    req_ = ToHttpRequest(raw_);
  }
  fs::path dir_;
  RawRequest raw_;
  SuiteContext ctx_;
  HttpRequest req_;
};

TEST_P(SigV4SuiteTest, HeaderSignature) {
  ASSERT_OK_AND_ASSIGN(auto parts, ComputeSignature(req_, ctx_.credentials, ctx_.params, nullptr));
  EXPECT_EQ(parts.canonical_request, ReadExpected(dir_ / "header-canonical-request.txt"));
  EXPECT_EQ(parts.string_to_sign, ReadExpected(dir_ / "header-string-to-sign.txt"));
  EXPECT_EQ(parts.signature, ReadExpected(dir_ / "header-signature.txt"));

  const RawRequest expected = ParseRawRequest(ReadFile(dir_ / "header-signed-request.txt"));
  const std::string* auth = FindHeader(expected.headers, "authorization");
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(parts.authorization, *auth);

  // Signing in place yields exactly the headers of the signed request.
  HttpRequest signed_req = req_;
  ASSERT_OK(SignRequest(signed_req, ctx_.credentials, ctx_.params, nullptr));
  EXPECT_EQ(Normalized(signed_req.headers), Normalized(expected.headers));
  EXPECT_EQ(signed_req.url, req_.url);
  EXPECT_EQ(signed_req.body, expected.body);
  ExpectNoSecret(parts, signed_req, ctx_.credentials.secret_access_key);
}

TEST_P(SigV4SuiteTest, QuerySignature) {
  ctx_.params.location = SignatureLocation::kQueryString;
  ASSERT_OK_AND_ASSIGN(auto parts, ComputeSignature(req_, ctx_.credentials, ctx_.params, nullptr));
  EXPECT_EQ(parts.canonical_request, ReadExpected(dir_ / "query-canonical-request.txt"));
  EXPECT_EQ(parts.string_to_sign, ReadExpected(dir_ / "query-string-to-sign.txt"));
  EXPECT_EQ(parts.signature, ReadExpected(dir_ / "query-signature.txt"));
  EXPECT_TRUE(parts.authorization.empty());

  const RawRequest expected = ParseRawRequest(ReadFile(dir_ / "query-signed-request.txt"));
  HttpRequest signed_req = req_;
  ASSERT_OK(SignRequest(signed_req, ctx_.credentials, ctx_.params, nullptr));
  const std::string origin = "https://" + *FindHeader(raw_.headers, "host");
  ASSERT_EQ(signed_req.url.rfind(origin, 0), 0u);
  EXPECT_EQ(signed_req.url.substr(origin.size()), expected.target);
  EXPECT_EQ(Normalized(signed_req.headers), Normalized(expected.headers));
  ExpectNoSecret(parts, signed_req, ctx_.credentials.secret_access_key);
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4SuiteTest, ::testing::ValuesIn(ListSuiteCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ---- crypto helpers against published vectors ----

TEST(CryptoTest, Sha256OfEmptyInput) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, DeriveSigningKeyMatchesAwsExample) {
  // The derivation example of the AWS SigV4 documentation (20120215, us-east-1, iam).
  EXPECT_EQ(HexEncode(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                       "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// ---- canonicalisation rules beyond the suite ----

TEST(CanonicalTest, NormalizePathRemovesDotSegmentsAndDoubleSlashes) {
  EXPECT_EQ(internal::NormalizePath(""), "/");
  EXPECT_EQ(internal::NormalizePath("/a/b/.."), "/a/");
  EXPECT_EQ(internal::NormalizePath("/a/./b//c"), "/a/b/c");
  EXPECT_EQ(internal::NormalizePath("/../a"), "/a");
  EXPECT_EQ(internal::NormalizePath("/a/b/../../c/"), "/c/");
}

TEST(CanonicalTest, PathEncodingIsDoubleExceptForS3) {
  // A path already percent-encoded on the wire is encoded once more for non-S3 services.
  EXPECT_EQ(internal::CanonicalUri("/a%20b/c", true, true), "/a%2520b/c");
  EXPECT_EQ(internal::CanonicalUri("/a%20b//c", false, false), "/a%20b//c");
}

TEST(CanonicalTest, QuerySortedByEncodedKeyThenValue) {
  auto q = internal::ParseQuery("b=2&a=2&a=1&c&&d=&a-b=x&e=a%20b+c");
  EXPECT_EQ(internal::CanonicalQueryString(q), "a=1&a=2&a-b=x&b=2&c=&d=&e=a%20b%2Bc");
}

TEST(CanonicalTest, HeaderValuesTrimmedAndCollapsed) {
  EXPECT_EQ(internal::CanonicalHeaderValue("  a \t b\n   c  "), "a b c");
  EXPECT_EQ(internal::CanonicalHeaderValue("   "), "");
}

TEST(CanonicalTest, HostFromUrlKeepsNonDefaultPort) {
  auto host = [](const std::string& url) {
    auto u = internal::ParseUrl(url);
    EXPECT_OK(u) << url;
    return u.ok() ? internal::HostHeaderValue(*u) : std::string();
  };
  EXPECT_EQ(host("http://127.0.0.1:8000/"), "127.0.0.1:8000");
  EXPECT_EQ(host("https://dynamodb.eu-west-1.amazonaws.com/"), "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(host("https://h.example:443"), "h.example");
  EXPECT_EQ(host("http://h.example:80/x?y=1#frag"), "h.example");
  EXPECT_EQ(host("http://[::1]:8000/"), "[::1]:8000");
  EXPECT_FALSE(internal::ParseUrl("/relative").ok());
  EXPECT_FALSE(internal::ParseUrl("ftp://h/").ok());
  EXPECT_FALSE(internal::ParseUrl("http://user@h/").ok());
  EXPECT_FALSE(internal::ParseUrl("http://h:8x/").ok());
}

// ---- DynamoDB convenience ----

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

Credentials TemporaryCredentials() {
  Credentials c;
  c.access_key_id = "ASIAEXAMPLEKEYID";
  c.secret_access_key = kSecret;
  c.session_token = "FwoGZXIvYXdzEXAMPLE+token/value==";
  return c;
}

HttpRequest GetItemRequest(const std::string& url) {
  HttpRequest req;
  req.url = url;
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                 {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
                 {"User-Agent", "dynaflow/0.1"},
                 {"Accept-Encoding", "identity"}};
  req.body = R"({"TableName":"runs","Key":{"PK":{"S":"RUN#1"},"SK":{"S":"RUN#1"}}})";
  return req;
}

TEST(SignDynamoDbTest, SignsExactlyTheDynamoDbHeadersWithSessionToken) {
  const Credentials creds = TemporaryCredentials();
  const TimePoint now = ParseUtc("2024-02-29T23:59:59Z") + std::chrono::milliseconds(750);
  HttpRequest req = GetItemRequest("https://dynamodb.eu-central-1.amazonaws.com/");
  ASSERT_OK(SignDynamoDbRequest(req, creds, "eu-central-1", now, nullptr));

  // Independent oracle: the canonical request written out by hand from the SigV4 rules.
  const std::string canonical =
      "POST\n/\n\n"
      "content-type:application/x-amz-json-1.0\n"
      "host:dynamodb.eu-central-1.amazonaws.com\n"
      "x-amz-date:20240229T235959Z\n"
      "x-amz-security-token:" +
      creds.session_token +
      "\n"
      "x-amz-target:DynamoDB_20120810.GetItem\n\n"
      "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n" +
      Sha256Hex(req.body);
  const std::string scope = "20240229/eu-central-1/dynamodb/aws4_request";
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20240229T235959Z\n" + scope + "\n" + Sha256Hex(canonical);
  const std::string signature = HexEncode(HmacSha256(
      DeriveSigningKey(kSecret, "20240229", "eu-central-1", "dynamodb"), string_to_sign));

  ASSERT_NE(FindHeader(req.headers, "authorization"), nullptr);
  EXPECT_EQ(*FindHeader(req.headers, "authorization"),
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEYID/" + scope +
                ", SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
                ", Signature=" +
                signature);
  ASSERT_NE(FindHeader(req.headers, "x-amz-security-token"), nullptr);
  EXPECT_EQ(*FindHeader(req.headers, "x-amz-security-token"), creds.session_token);
  EXPECT_EQ(*FindHeader(req.headers, "host"), "dynamodb.eu-central-1.amazonaws.com");
  EXPECT_EQ(*FindHeader(req.headers, "x-amz-date"), "20240229T235959Z");
  for (const auto& [k, v] : req.headers) EXPECT_EQ(v.find(kSecret), std::string::npos) << k;
}

TEST(SignDynamoDbTest, LocalEndpointWithLongTermCredentials) {
  Credentials creds = TemporaryCredentials();
  creds.session_token.clear();
  HttpRequest req = GetItemRequest("http://127.0.0.1:8000/");
  ASSERT_OK(
      SignDynamoDbRequest(req, creds, "us-east-1", ParseUtc("2024-01-02T03:04:05Z"), nullptr));
  EXPECT_EQ(*FindHeader(req.headers, "host"), "127.0.0.1:8000");
  EXPECT_EQ(FindHeader(req.headers, "x-amz-security-token"), nullptr);
  EXPECT_NE(FindHeader(req.headers, "authorization")
                ->find("SignedHeaders=content-type;host;x-amz-date;x-amz-target, "),
            std::string::npos);
}

TEST(SignDynamoDbTest, ResigningReplacesPreviousSignature) {
  const Credentials creds = TemporaryCredentials();
  HttpRequest req = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  ASSERT_OK(
      SignDynamoDbRequest(req, creds, "us-east-1", ParseUtc("2024-01-02T03:04:05Z"), nullptr));
  const std::string first = *FindHeader(req.headers, "authorization");
  ASSERT_OK(
      SignDynamoDbRequest(req, creds, "us-east-1", ParseUtc("2024-01-02T03:04:09Z"), nullptr));
  EXPECT_NE(*FindHeader(req.headers, "authorization"), first);
  for (const char* name : {"authorization", "x-amz-date", "x-amz-security-token", "host"}) {
    EXPECT_EQ(std::count_if(req.headers.begin(), req.headers.end(),
                            [&](const auto& h) { return internal::ToLowerAscii(h.first) == name; }),
              1)
        << name;
  }
  // Re-signing the already signed request equals signing a fresh one at that time.
  HttpRequest fresh = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  ASSERT_OK(
      SignDynamoDbRequest(fresh, creds, "us-east-1", ParseUtc("2024-01-02T03:04:09Z"), nullptr));
  EXPECT_EQ(*FindHeader(req.headers, "authorization"), *FindHeader(fresh.headers, "authorization"));
}

TEST(SignDynamoDbTest, MissingTargetHeaderIsInvalidArgument) {
  HttpRequest req = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  req.headers.erase(req.headers.begin() + 1);
  const HttpRequest before = req;
  Status s = SignDynamoDbRequest(req, TemporaryCredentials(), "us-east-1", TimePoint{}, nullptr);
  EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << s;
  EXPECT_NE(s.message().find("X-Amz-Target"), std::string::npos);
  EXPECT_EQ(req.headers, before.headers);
}

// ---- signing key cache ----

TEST(SigningKeyCacheTest, SameDaySameKeyOtherDayOtherKey) {
  SigningKeyCache cache;
  const Credentials creds = TemporaryCredentials();
  const std::string k1 = cache.GetOrDerive(creds, "20240229", "eu-central-1", "dynamodb");
  const std::string k2 = cache.GetOrDerive(creds, "20240229", "eu-central-1", "dynamodb");
  const std::string k3 = cache.GetOrDerive(creds, "20240301", "eu-central-1", "dynamodb");
  EXPECT_EQ(k1, k2);
  EXPECT_NE(k1, k3);
  EXPECT_EQ(k1, DeriveSigningKey(kSecret, "20240229", "eu-central-1", "dynamodb"));
  EXPECT_EQ(k3, DeriveSigningKey(kSecret, "20240301", "eu-central-1", "dynamodb"));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);

  // Another secret under the same key id is another identity.
  Credentials rotated = creds;
  rotated.secret_access_key = "anotherSecretKeyEXAMPLEanotherSecretKeyEX";
  EXPECT_NE(cache.GetOrDerive(rotated, "20240229", "eu-central-1", "dynamodb"), k1);
}

TEST(SigningKeyCacheTest, SigningThroughTheCacheHitsOnTheSameDay) {
  SigningKeyCache cache;
  const Credentials creds = TemporaryCredentials();
  HttpRequest a = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  HttpRequest b = a;
  HttpRequest c = a;
  ASSERT_OK(SignDynamoDbRequest(a, creds, "us-east-1", ParseUtc("2024-01-02T03:04:05Z"), &cache));
  ASSERT_OK(SignDynamoDbRequest(b, creds, "us-east-1", ParseUtc("2024-01-02T22:00:00Z"), &cache));
  EXPECT_EQ(cache.hits(), 1u);
  ASSERT_OK(SignDynamoDbRequest(c, creds, "us-east-1", ParseUtc("2024-01-03T00:00:00Z"), &cache));
  EXPECT_EQ(cache.misses(), 2u);
  HttpRequest uncached = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  ASSERT_OK(
      SignDynamoDbRequest(uncached, creds, "us-east-1", ParseUtc("2024-01-02T22:00:00Z"), nullptr));
  EXPECT_EQ(*FindHeader(b.headers, "authorization"),
            *FindHeader(uncached.headers, "authorization"));
}

TEST(SigningKeyCacheTest, BoundedSizeEvictsLeastRecentlyUsed) {
  SigningKeyCache cache(2);
  const Credentials creds = TemporaryCredentials();
  (void)cache.GetOrDerive(creds, "20240101", "r", "s");
  (void)cache.GetOrDerive(creds, "20240102", "r", "s");
  (void)cache.GetOrDerive(creds, "20240101", "r", "s");  // hit: now most recent
  (void)cache.GetOrDerive(creds, "20240103", "r", "s");  // evicts 20240102
  EXPECT_EQ(cache.size(), 2u);
  (void)cache.GetOrDerive(creds, "20240101", "r", "s");
  EXPECT_EQ(cache.hits(), 2u);
  (void)cache.GetOrDerive(creds, "20240102", "r", "s");
  EXPECT_EQ(cache.misses(), 4u);
}

TEST(SigningKeyCacheTest, ConcurrentSigningAgrees) {
  SigningKeyCache cache(4);
  const Credentials creds = TemporaryCredentials();
  const TimePoint now = ParseUtc("2024-05-06T07:08:09Z");
  HttpRequest reference = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  ASSERT_OK(SignDynamoDbRequest(reference, creds, "us-east-1", now, nullptr));
  const std::string expected = *FindHeader(reference.headers, "authorization");
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        HttpRequest r = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
        if (!SignDynamoDbRequest(r, creds, "us-east-1", now, &cache).ok() ||
            *FindHeader(r.headers, "authorization") != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
  EXPECT_EQ(cache.hits() + cache.misses(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(cache.size(), 1u);
}

// ---- generic signer options and errors ----

TEST(ComputeSignatureTest, UnsignedPayloadAndExplicitHeaderList) {
  HttpRequest req;
  req.method = "PUT";
  req.url = "https://bucket.s3.amazonaws.com/a%20b//c?x=1";
  req.headers = {{"X-Custom", " v "}, {"X-Other", "o"}};
  req.body = "payload";
  SigningParams p;
  p.region = "us-east-1";
  p.service = "s3";
  p.time = ParseUtc("2024-01-02T03:04:05Z");
  p.normalize_path = false;
  p.double_uri_encode = false;
  p.payload_hash = std::string(kUnsignedPayload);
  p.add_content_sha256_header = true;
  p.headers_to_sign = std::vector<std::string>{"X-CUSTOM"};
  ASSERT_OK_AND_ASSIGN(auto parts, ComputeSignature(req, TemporaryCredentials(), p, nullptr));
  EXPECT_EQ(parts.signed_headers,
            "host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-custom");
  EXPECT_EQ(parts.canonical_request.substr(0, parts.canonical_request.find('\n', 26)),
            "PUT\n/a%20b//c\nx=1\nhost:bucket.s3.amazonaws.com");
  EXPECT_NE(parts.canonical_request.find("\nx-custom:v\n"), std::string::npos);
  EXPECT_EQ(parts.canonical_request.find("x-other"), std::string::npos);
  EXPECT_TRUE(parts.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(ComputeSignatureTest, InvalidInputsAreInvalidArgument) {
  HttpRequest req = GetItemRequest("https://dynamodb.us-east-1.amazonaws.com/");
  SigningParams p;
  p.region = "us-east-1";
  p.service = "dynamodb";
  const Credentials good = TemporaryCredentials();
  auto code = [&](const HttpRequest& r, const Credentials& c, const SigningParams& sp) {
    auto res = ComputeSignature(r, c, sp, nullptr);
    return res.ok() ? StatusCode::kOk : res.error().code();
  };
  EXPECT_EQ(code(req, good, p), StatusCode::kOk);
  Credentials no_secret = good;
  no_secret.secret_access_key.clear();
  EXPECT_EQ(code(req, no_secret, p), StatusCode::kInvalidArgument);
  SigningParams no_region = p;
  no_region.region.clear();
  EXPECT_EQ(code(req, good, no_region), StatusCode::kInvalidArgument);
  SigningParams missing_header = p;
  missing_header.headers_to_sign = std::vector<std::string>{"x-not-there"};
  EXPECT_EQ(code(req, good, missing_header), StatusCode::kInvalidArgument);
  HttpRequest relative = req;
  relative.url = "/";
  EXPECT_EQ(code(relative, good, p), StatusCode::kInvalidArgument);
  SigningParams presign = p;
  presign.location = SignatureLocation::kQueryString;
  presign.expires = std::chrono::seconds(8 * 24 * 3600);
  EXPECT_EQ(code(req, good, presign), StatusCode::kInvalidArgument);
  presign.expires = std::chrono::seconds(60);
  HttpRequest presigned = req;
  presigned.url += "?X-Amz-Signature=abc";
  EXPECT_EQ(code(presigned, good, presign), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dynaflow::dynamodb
