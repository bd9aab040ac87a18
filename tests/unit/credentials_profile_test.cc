// Shared config/credentials files: the parser, profile resolution, static keys,
// credential_process, role_arn + source_profile (STS AssumeRole over a loopback server),
// credential_source and web_identity_token_file.
#include "dynaflow/store/dynamodb/client/credentials_profile.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "dynaflow/store/dynamodb/client/profile_file.h"
#include "tests/support/credentials_fixtures.h"
#include "tests/support/fake_clock.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using Server = test::LoopbackHttpServer;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// ---- The file format ---------------------------------------------------------------------

TEST(ProfileFileTest, SectionsCommentsContinuationsAndCase) {
  ProfileSet set;
  ASSERT_OK(
      set.Parse("# comment\n"
                "; another\n"
                "[default]\n"
                "region = eu-west-1   # trailing comment\n"
                "AWS_Access_Key_Id=AKIDDEFAULT\n"
                "\n"
                "[profile dev]  ; comment\n"
                "region=us-east-2\n"
                "s3 =\n"
                "  max_concurrent_requests = 10\n"
                "url = http://x/#anchor\n"
                "[sso-session corp]\n"
                "sso_region = us-east-1\n"
                "[services local]\n"
                "dynamodb =\n"
                "  endpoint_url = http://localhost:8000\n"
                "[profile dev]\n"
                "output = json\r\n",
                "/cfg", ProfileSet::Kind::kConfig));
  ASSERT_NE(set.Find("default"), nullptr);
  EXPECT_EQ(set.Find("default")->Get("region"), "eu-west-1");
  EXPECT_EQ(set.Find("default")->Get("aws_access_key_id"), "AKIDDEFAULT");
  const Profile* dev = set.Find("dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->Get("region"), "us-east-2");
  EXPECT_EQ(dev->Get("s3"), "\nmax_concurrent_requests = 10");
  EXPECT_EQ(dev->Get("url"), "http://x/#anchor");
  EXPECT_EQ(dev->Get("output"), "json");
  EXPECT_EQ(dev->Find("region")->Location(), "/cfg:8");
  EXPECT_EQ(set.Find("corp"), nullptr);
  EXPECT_EQ(set.Find("local"), nullptr);
  EXPECT_EQ(set.Names(), (std::vector<std::string>{"default", "dev"}));
}

TEST(ProfileFileTest, CredentialsFileSectionsHaveNoPrefix) {
  ProfileSet set;
  ASSERT_OK(set.Parse("[dev]\naws_access_key_id = A\n[profile skipped]\nx = 1\n", "/creds",
                      ProfileSet::Kind::kCredentials));
  EXPECT_NE(set.Find("dev"), nullptr);
  EXPECT_EQ(set.Find("skipped"), nullptr);
  EXPECT_EQ(set.Find("profile skipped"), nullptr);
}

TEST(ProfileFileTest, MalformedLinesNameFileAndLineButNotTheContent) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"[default]\nwJalrXUtnFEMI\n",
       "/creds:2: expected a [section] header, a \"key = value\" property or a comment"},
      {"aws_access_key_id = A\n",
       "/creds:1: expected a [section] header before the first property"},
      {"[default\n", "/creds:1: expected ']' to close the section header"},
      {"[default] x\n", "/creds:1: expected nothing but a comment after the section header"},
      {"[ ]\n", "/creds:1: expected a section name inside [ ]"},
      {"[default]\n= value\n", "/creds:2: expected a property name before '='"},
      {"[default]\naws secret = "
       "wJalrXUtnFEMI\n",
       "/creds:2: expected a property name without spaces"},
      {"[a b]\n", "/creds:1: expected a profile name without whitespace"},
  };
  for (const Case& c : cases) {
    ProfileSet set;
    Status st = set.Parse(c.text, "/creds", ProfileSet::Kind::kCredentials);
    ASSERT_FALSE(st.ok()) << c.text;
    EXPECT_ERROR(st, StatusCode::kInvalidArgument, c.message);
    EXPECT_EQ(st.message().find("wJalrXUtnFEMI"), std::string::npos);
  }
}

TEST(ProfileFileTest, LocationsFromTheEnvironment) {
  test::FakeEnv env;
  env.Set("HOME", "/home/u");
  auto loc = ResolveProfileFileLocations(env.Lookup());
  EXPECT_EQ(loc.config_file, "/home/u/.aws/config");
  EXPECT_EQ(loc.credentials_file, "/home/u/.aws/credentials");
  env.Set("AWS_CONFIG_FILE", "~/cfg");
  env.Set("AWS_SHARED_CREDENTIALS_FILE", "/etc/creds");
  loc = ResolveProfileFileLocations(env.Lookup());
  EXPECT_EQ(loc.config_file, "/home/u/cfg");
  EXPECT_EQ(loc.credentials_file, "/etc/creds");
  test::FakeEnv no_home;
  loc = ResolveProfileFileLocations(no_home.Lookup());
  EXPECT_EQ(loc.config_file, "");
  EXPECT_EQ(ResolveProfileName("", no_home.Lookup()), "default");
  no_home.Set("AWS_PROFILE", "ops");
  EXPECT_EQ(ResolveProfileName("", no_home.Lookup()), "ops");
  EXPECT_EQ(ResolveProfileName("cfg", no_home.Lookup()), "cfg");
}

TEST(ProfileFileTest, CredentialsFileOverridesConfigFile) {
  test::TempDir dir;
  ProfileFileLocations loc;
  loc.config_file =
      dir.Write("config", "[profile dev]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n");
  loc.credentials_file = dir.Write("credentials", "[dev]\naws_access_key_id = FROMCREDS\n");
  ASSERT_OK_AND_ASSIGN(auto set, LoadProfileFiles(loc));
  EXPECT_EQ(set.Find("dev")->Get("aws_access_key_id"), "FROMCREDS");
  EXPECT_EQ(set.Find("dev")->Get("region"), "eu-west-1");
  EXPECT_EQ(set.files(), (std::vector<std::string>{loc.config_file, loc.credentials_file}));

  loc.credentials_file = dir.File("absent");
  EXPECT_OK(LoadProfileFiles(loc)) << "missing files are skipped";

  loc.credentials_file = dir.Write("unreadable", "[dev]\n", 0000);
  if (::geteuid() != 0) {
    auto r = LoadProfileFiles(loc);
    ASSERT_ERROR(
        r, StatusCode::kPermissionDenied,
        "cannot read AWS credentials file " + loc.credentials_file + ": Permission denied");
  }
}

// ---- Profile credentials -----------------------------------------------------------------

class ProfileTest : public ::testing::Test {
 protected:
  ProfileTest()
      : sts_([this](const Server::Request& r) {
          // Answers AssumeRole with credentials named after the role and the signing key id, so
          // a test can see which credentials signed which hop.
          ++sts_calls_;
          const std::string body = r.body;
          const size_t at = body.find("RoleArn=");
          std::string role = body.substr(at + 8, body.find('&', at) - at - 8);
          role = role.substr(role.rfind("%2F") + 3);
          const std::string* auth = r.Header("Authorization");
          std::string signer = "none";
          if (auth != nullptr) {
            const size_t c = auth->find("Credential=") + 11;
            signer = auth->substr(c, auth->find('/', c) - c);
          }
          const bool web = body.find("Action=AssumeRoleWithWebIdentity") != std::string::npos;
          const Credentials out =
              test::MakeCredentials("ASIA-" + role + "-BY-" + signer, "sec-" + role, "tok-" + role);
          return Server::Response::Text(
              200, test::StsCredentialsXml(web ? "AssumeRoleWithWebIdentity" : "AssumeRole", out,
                                           "2024-01-01T01:00:00Z"));
        }) {
    env_.Set("AWS_CONFIG_FILE", dir_.File("config"));
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.File("credentials"));
  }

  ProfileCredentialsOptions Options(std::string profile = "") {
    ProfileCredentialsOptions o;
    o.profile = std::move(profile);
    o.env = env_.Lookup();
    o.transport = transport_;
    o.clock = &clock_;
    o.sts.endpoint = sts_.url("/");
    o.sts.region = "eu-central-1";
    return o;
  }

  Result<Credentials> Get(std::string profile = "") {
    return ProfileCredentialsProvider(Options(std::move(profile))).GetCredentials();
  }

  test::TempDir dir_;
  test::FakeEnv env_;
  test::FakeClock clock_;
  std::shared_ptr<Transport> transport_ = std::make_shared<CurlTransport>();
  std::atomic<int> sts_calls_{0};
  Server sts_;
};

TEST_F(ProfileTest, StaticKeysOfTheDefaultProfile) {
  dir_.Write("credentials",
             "[default]\naws_access_key_id = AKIDDEFAULT01\naws_secret_access_key = " +
                 std::string(kSecret) + "\naws_session_token = TOKEN01\n");
  ASSERT_OK_AND_ASSIGN(auto c, Get());
  EXPECT_EQ(c.access_key_id, "AKIDDEFAULT01");
  EXPECT_EQ(c.secret_access_key, kSecret);
  EXPECT_EQ(c.session_token, "TOKEN01");
  EXPECT_FALSE(c.expiration.has_value());
}

TEST_F(ProfileTest, ProfileSectionOfTheConfigFileChosenByAwsProfile) {
  dir_.Write("config",
             "[default]\nregion = eu-west-1\n[profile dev]\naws_access_key_id = AKIDDEV\n"
             "aws_secret_access_key = SECRETDEV\n");
  env_.Set("AWS_PROFILE", "dev");
  ASSERT_OK_AND_ASSIGN(auto c, Get());
  EXPECT_EQ(c.access_key_id, "AKIDDEV");
}

TEST_F(ProfileTest, MissingProfiles) {
  auto c = Get();
  ASSERT_ERROR(c, StatusCode::kNotFound,
               "profile \"default\" is not defined anywhere: no AWS config file "
               "exists (looked for " +
                   dir_.File("config") + " and " + dir_.File("credentials") + ")");

  dir_.Write("config", "[profile other]\nregion = eu-west-1\n");
  c = Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);

  c = Get("prod");
  ASSERT_ERROR(c, StatusCode::kInvalidArgument,
               "the configured profile \"prod\" is not defined in " + dir_.File("config"));

  env_.Set("AWS_PROFILE", "staging");
  c = Get();
  ASSERT_ERROR(c, StatusCode::kInvalidArgument,
               "profile \"staging\" (from AWS_PROFILE) is not defined in " + dir_.File("config"));

  c = Get("other");
  ASSERT_ERROR(c, StatusCode::kNotFound,
               "profile \"other\" has no credentials (none of aws_access_key_id, role_arn, "
               "credential_process)");
}

TEST_F(ProfileTest, HalfAKeyPairNamesTheProfileAndLine) {
  dir_.Write("credentials", "[default]\n\naws_secret_access_key = " + std::string(kSecret) + "\n");
  auto c = Get();
  ASSERT_ERROR(c, StatusCode::kInvalidArgument,
               "profile \"default\" (" + dir_.File("credentials") +
                   ":3) sets aws_secret_access_key but no aws_access_key_id");
  EXPECT_EQ(c.status().message().find(kSecret), std::string::npos);
}

TEST_F(ProfileTest, MalformedCredentialsFile) {
  dir_.Write("credentials", "[default]\naws_access_key_id AKIDNOEQUALS\n");
  auto c = Get();
  ASSERT_ERROR(c, StatusCode::kInvalidArgument,
               dir_.File("credentials") +
                   ":2: expected a [section] header, a \"key = value\" property or a comment");
}

TEST_F(ProfileTest, CredentialProcess) {
  const std::string script =
      dir_.Write("helper.sh",
                 "#!/bin/sh\n"
                 "echo 'prompt for the user' >&2\n"
                 "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
                 "\"PROCSECRET\", "
                 "\"SessionToken\": \"PROCTOKEN\", \"Expiration\": \"2024-01-01T02:00:00Z\"}'\n",
                 0700);
  dir_.Write("config",
             "[profile proc]\ncredential_process = " + script + " --flag 'arg with space'\n");
  auto c = Get("proc");
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->secret_access_key, "PROCSECRET");
  EXPECT_EQ(c->session_token, "PROCTOKEN");
  EXPECT_EQ(ToUnixMillis(*c->expiration), 1704067200000 + 2 * 3600 * 1000);
}

TEST_F(ProfileTest, CredentialProcessFailures) {
  struct Case {
    std::string command;
    StatusCode code;
    std::string message;  // after the "credential_process of profile "p" (file:2): " prefix
  } cases[] = {
      {"echo SECRETOUTPUT; exit 3", StatusCode::kInvalidArgument,
       "the command exited with status 3 (its stderr, if any, was printed above)"},
      {"echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETOUTPUT\"}'",
       StatusCode::kInvalidArgument, "the command's output: expected \"Version\": 1"},
      {"echo 'SECRETOUTPUT not json'", StatusCode::kInvalidArgument,
       "the command's output: invalid JSON at offset 0: Invalid value."},
      {"echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'", StatusCode::kInvalidArgument,
       "the command's output: SecretAccessKey: missing"},
      {"echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETOUTPUT\", "
       "\"Expiration\": \"2023-12-31T23:00:00Z\"}'",
       StatusCode::kInvalidArgument,
       "the command returned credentials that expired at 2023-12-31T23:00:00Z"},
      {"kill -9 $$", StatusCode::kInvalidArgument, "the command was killed by signal 9"},
  };
  for (const Case& c : cases) {
    dir_.Write("config", "[profile p]\ncredential_process = " + c.command + "\n");
    auto r = Get("p");
    ASSERT_FALSE(r.ok()) << c.command;
    EXPECT_EQ(r.status().code(), c.code) << c.command;
    EXPECT_EQ(r.status().message(),
              "credential_process of profile \"p\" (" + dir_.File("config") + ":2): " + c.message);
    EXPECT_EQ(r.status().message().find("SECRETOUTPUT"), std::string::npos);
  }
}

// True while `pid` exists and is not a zombie.
bool ProcessAlive(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

TEST(CredentialProcessTest, TimeoutKillsTheCommandAndWhatItStarted) {
  test::TempDir dir;
  const std::string pid_file = dir.File("child.pid");
  ProcessCredentialsOptions o;
  o.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto r = RunCredentialProcess("sleep 30 & echo $! > " + pid_file + "; wait; true", "test", o);
  ASSERT_ERROR(
      r, StatusCode::kTimeout,
      "credential_process of test: the command did not finish within 300 ms and was killed");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  std::ifstream in(pid_file);
  std::string child;
  ASSERT_TRUE(std::getline(in, child)) << "the command wrote its child's pid";
  for (int i = 0; i < 100 && ProcessAlive(child); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(ProcessAlive(child)) << "the command's own child was killed too";

  o.max_output_bytes = 100;
  r = RunCredentialProcess("head -c 100000 /dev/zero", "test", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
}

TEST_F(ProfileTest, RoleWithSourceProfileIsAssumedWithSignedRequest) {
  dir_.Write("credentials",
             "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = BASESECRET\n");
  dir_.Write("config",
             "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n"
             "role_session_name = app-session\nexternal_id = ext-1\nduration_seconds = 1800\n");
  ASSERT_OK_AND_ASSIGN(auto c, Get("app"));
  EXPECT_EQ(c.access_key_id, "ASIA-app-BY-AKIDBASE");
  ASSERT_TRUE(c.expiration.has_value());
  const auto req = sts_.requests().at(0);
  EXPECT_EQ(req.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole"
            "%2Fapp&RoleSessionName=app-session&ExternalId=ext-1&DurationSeconds=1800");
  ASSERT_NE(req.Header("Authorization"), nullptr);
  EXPECT_EQ(
      req.Header("Authorization")
          ->rfind("AWS4-HMAC-SHA256 Credential=AKIDBASE/20240101/eu-central-1/sts/aws4_request, ",
                  0),
      0u);
  EXPECT_EQ(req.Header("X-Amz-Security-Token"), nullptr) << "long-term source keys";
}

TEST_F(ProfileTest, RoleChainsHopByHop) {
  dir_.Write("credentials", "[root]\naws_access_key_id = AKIDROOT\naws_secret_access_key = S\n");
  dir_.Write("config",
             "[profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = root\n"
             "[profile top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = mid\n");
  ASSERT_OK_AND_ASSIGN(auto c, Get("top"));
  EXPECT_EQ(c.access_key_id, "ASIA-top-BY-ASIA-mid-BY-AKIDROOT");
  EXPECT_EQ(sts_calls_.load(), 2);
  const auto second = sts_.requests().at(1);
  ASSERT_NE(second.Header("X-Amz-Security-Token"), nullptr);
  EXPECT_EQ(*second.Header("X-Amz-Security-Token"), "tok-mid");
}

TEST_F(ProfileTest, SelfReferencingSourceUsesItsOwnKeys) {
  dir_.Write("credentials",
             "[me]\naws_access_key_id = AKIDME\naws_secret_access_key = S\n"
             "role_arn = arn:aws:iam::1:role/me\nsource_profile = me\n");
  ASSERT_OK_AND_ASSIGN(auto c, Get("me"));
  EXPECT_EQ(c.access_key_id, "ASIA-me-BY-AKIDME");
}

TEST_F(ProfileTest, RoleProfileErrors) {
  const std::string cfg = dir_.File("config");
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
       "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
       "source credentials for profile \"a\" (" + cfg + ":2): profile \"b\" (" + cfg +
           ":6): source_profile forms a cycle: "
           "\"a\" -> \"b\" -> \"a\""},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = ghost\n",
       "profile \"a\" (" + cfg +
           ":3): source_profile \"ghost\" is not defined in any AWS "
           "config file"},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\n",
       "profile \"a\" (" + cfg +
           ":2): role_arn needs one of source_profile, credential_source or "
           "web_identity_token_file"},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\ncredential_source = "
       "Environment\n",
       "profile \"a\" (" + cfg +
           ":2) sets both source_profile (line 3) and credential_source "
           "(line 4); expected exactly one source for role_arn"},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Laptop\n",
       "source credentials for profile \"a\" (" + cfg + ":2): profile \"a\" (" + cfg +
           ":3): credential_source: expected Environment, Ec2InstanceMetadata or EcsContainer, "
           "got \"Laptop\""},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\nduration_seconds = 60\n"
       "aws_access_key_id = K\naws_secret_access_key = S\n",
       "profile \"a\" (" + cfg +
           ":4): duration_seconds: expected a whole number of seconds from "
           "900 to 43200, got \"60\""},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\nmfa_serial = "
       "arn:aws:iam::1:mfa/u\n[profile b]\naws_access_key_id = K\naws_secret_access_key = S\n",
       "profile \"a\" (" + cfg +
           ":4) sets mfa_serial, which dynaflow does not support (it cannot "
           "prompt for an MFA code); use credential_process or temporary credentials instead"},
      {"[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\n"
       "region = eu-west-1\n",
       "source credentials for profile \"a\" (" + cfg +
           ":2): profile \"b\" has no credentials "
           "(none of aws_access_key_id, role_arn, credential_process)"},
      {"[profile a]\nsso_start_url = https://corp.awsapps.com/start\n",
       "profile \"a\" (" + cfg +
           ":2) uses AWS IAM Identity Center (sso_start_url), which dynaflow "
           "does not support directly; set credential_process = aws configure export-credentials "
           "--profile a --format process"},
  };
  for (const Case& c : cases) {
    dir_.Write("config", c.text);
    auto r = Get("a");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(r.status().message(), c.message);
  }
  EXPECT_EQ(sts_calls_.load(), 0);
}

TEST_F(ProfileTest, CredentialSourceEnvironment) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDFROMENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "ENVSECRET");
  dir_.Write("config",
             "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\n");
  ASSERT_OK_AND_ASSIGN(auto c, Get("a"));
  EXPECT_EQ(c.access_key_id, "ASIA-a-BY-AKIDFROMENV");
}

TEST_F(ProfileTest, WebIdentityTokenFileInAProfile) {
  const std::string token = dir_.Write("jwt", "PROFILE.JWT.TOKEN");
  dir_.Write("config", "[profile w]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = " +
                           token + "\nrole_session_name = w-session\n");
  ASSERT_OK_AND_ASSIGN(auto c, Get("w"));
  EXPECT_EQ(c.access_key_id, "ASIA-w-BY-none");
  const auto req = sts_.requests().at(0);
  EXPECT_NE(req.body.find("Action=AssumeRoleWithWebIdentity"), std::string::npos);
  EXPECT_NE(req.body.find("RoleSessionName=w-session"), std::string::npos);
  EXPECT_NE(req.body.find("WebIdentityToken=PROFILE.JWT.TOKEN"), std::string::npos);
}

TEST_F(ProfileTest, StsRegionFallsBackToTheProfileRegion) {
  dir_.Write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = S\n");
  dir_.Write("config",
             "[profile app]\nregion = ap-southeast-2\nrole_arn = arn:aws:iam::1:role/app\n"
             "source_profile = base\n");
  ProfileCredentialsOptions o = Options("app");
  o.sts.region = "";
  ASSERT_OK(ProfileCredentialsProvider(o).GetCredentials());
  EXPECT_NE(sts_.requests().at(0).Header("Authorization")->find("/ap-southeast-2/sts/"),
            std::string::npos);
  env_.Set("AWS_REGION", "sa-east-1");
  ASSERT_OK(ProfileCredentialsProvider(o).GetCredentials());
  EXPECT_NE(sts_.requests().at(1).Header("Authorization")->find("/sa-east-1/sts/"),
            std::string::npos);
}

}  // namespace
}  // namespace dynaflow::dynamodb
