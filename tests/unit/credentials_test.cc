// Credentials providers: static, environment (with a fake environment), chain order and
// redaction of secrets.
#include "dynaflow/store/dynamodb/client/credentials.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "tests/support/credentials_fixtures.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

constexpr const char* kId = "AKIDEXAMPLE1234";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FwoGZXIvYXdzEXAMPLEsessionTOKEN==";

// A fake environment; counts lookups so tests can see which providers were asked.
struct FakeEnv {
  std::map<std::string, std::string, std::less<>> vars;
  int lookups = 0;
  EnvLookup Lookup() {
    return [this](std::string_view name) -> std::optional<std::string> {
      ++lookups;
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

// A provider answering a fixed result, counting calls.
class FixedProvider : public CredentialsProvider {
 public:
  FixedProvider(std::string name, Result<Credentials> answer, int* calls)
      : name_(std::move(name)), answer_(std::move(answer)), calls_(calls) {}
  Result<Credentials> GetCredentials() override {
    ++*calls_;
    return answer_;
  }
  std::string Name() const override { return name_; }

 private:
  std::string name_;
  Result<Credentials> answer_;
  int* calls_;
};

TEST(StaticCredentialsProviderTest, ReturnsItsCredentials) {
  StaticCredentialsProvider p(test::MakeCredentials(kId, kSecret, kToken));
  ASSERT_OK_AND_ASSIGN(auto c, p.GetCredentials());
  EXPECT_EQ(c.access_key_id, kId);
  EXPECT_EQ(c.secret_access_key, kSecret);
  EXPECT_EQ(c.session_token, kToken);
  EXPECT_TRUE(c.has_session_token());
  EXPECT_EQ(p.Name(), "static");
}

TEST(StaticCredentialsProviderTest, IncompleteIsInvalidArgument) {
  EXPECT_TRUE(StaticCredentialsProvider(test::MakeCredentials("", kSecret))
                  .GetCredentials()
                  .status()
                  .Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(StaticCredentialsProvider(test::MakeCredentials(kId, ""))
                  .GetCredentials()
                  .status()
                  .Is(StatusCode::kInvalidArgument));
}

TEST(EnvironmentCredentialsProviderTest, ReadsTheThreeVariables) {
  FakeEnv env;
  env.vars = {{"AWS_ACCESS_KEY_ID", kId},
              {"AWS_SECRET_ACCESS_KEY", kSecret},
              {"AWS_SESSION_TOKEN", kToken}};
  EnvironmentCredentialsProvider p(env.Lookup());
  auto c = p.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kId);
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_FALSE(c->expiration.has_value());

  env.vars.erase("AWS_SESSION_TOKEN");  // read on every call
  c = p.GetCredentials();
  ASSERT_OK(c);
  EXPECT_FALSE(c->has_session_token());
}

TEST(EnvironmentCredentialsProviderTest, NothingSetIsNotFound) {
  FakeEnv env;
  env.vars = {{"AWS_ACCESS_KEY_ID", ""}};  // empty counts as unset
  auto c = EnvironmentCredentialsProvider(env.Lookup()).GetCredentials();
  EXPECT_TRUE(c.status().Is(StatusCode::kNotFound)) << c.status();
}

TEST(EnvironmentCredentialsProviderTest, HalfSetPairNamesTheMissingVariable) {
  FakeEnv id_only;
  id_only.vars = {{"AWS_ACCESS_KEY_ID", kId}};
  Status s = EnvironmentCredentialsProvider(id_only.Lookup()).GetCredentials().status();
  EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << s;
  EXPECT_NE(s.message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos) << s;

  FakeEnv secret_only;
  secret_only.vars = {{"AWS_SECRET_ACCESS_KEY", kSecret}, {"AWS_SESSION_TOKEN", kToken}};
  s = EnvironmentCredentialsProvider(secret_only.Lookup()).GetCredentials().status();
  EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << s;
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID is not"), std::string::npos) << s;
  EXPECT_EQ(s.message().find(kSecret), std::string::npos);

  FakeEnv token_only;
  token_only.vars = {{"AWS_SESSION_TOKEN", kToken}};
  s = EnvironmentCredentialsProvider(token_only.Lookup()).GetCredentials().status();
  EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << s;
}

TEST(EnvironmentCredentialsProviderTest, DefaultLookupUsesProcessEnvironment) {
  ::setenv("DYNAFLOW_CREDENTIALS_TEST_VAR", "x", 1);
  EXPECT_EQ(GetEnv("DYNAFLOW_CREDENTIALS_TEST_VAR"), "x");
  ::unsetenv("DYNAFLOW_CREDENTIALS_TEST_VAR");
  EXPECT_EQ(GetEnv("DYNAFLOW_CREDENTIALS_TEST_VAR"), std::nullopt);
}

TEST(ChainCredentialsProviderTest, FirstProviderWithCredentialsWins) {
  int calls[3] = {0, 0, 0};
  std::vector<std::unique_ptr<CredentialsProvider>> ps;
  ps.push_back(std::make_unique<FixedProvider>("a", Status::NotFound("nothing in a"), &calls[0]));
  ps.push_back(std::make_unique<FixedProvider>("b", test::MakeCredentials("IDB", "SB"), &calls[1]));
  ps.push_back(std::make_unique<FixedProvider>("c", test::MakeCredentials("IDC", "SC"), &calls[2]));
  ChainCredentialsProvider chain(std::move(ps));
  auto c = chain.GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "IDB");
  EXPECT_EQ(calls[0], 1);
  EXPECT_EQ(calls[1], 1);
  EXPECT_EQ(calls[2], 0);
  EXPECT_EQ(chain.Name(), "chain(a, b, c)");
}

TEST(ChainCredentialsProviderTest, ErrorOtherThanNotFoundStopsTheChain) {
  int calls[2] = {0, 0};
  std::vector<std::unique_ptr<CredentialsProvider>> ps;
  ps.push_back(
      std::make_unique<FixedProvider>("broken", Status::InvalidArgument("half set"), &calls[0]));
  ps.push_back(
      std::make_unique<FixedProvider>("good", test::MakeCredentials("ID", "S"), &calls[1]));
  Status s = ChainCredentialsProvider(std::move(ps)).GetCredentials().status();
  EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << s;
  EXPECT_NE(s.message().find("broken"), std::string::npos);
  EXPECT_EQ(calls[1], 0);
}

TEST(ChainCredentialsProviderTest, AllNotFoundListsThePlacesTried) {
  FakeEnv env;
  int calls = 0;
  std::vector<std::unique_ptr<CredentialsProvider>> ps;
  ps.push_back(std::make_unique<EnvironmentCredentialsProvider>(env.Lookup()));
  ps.push_back(std::make_unique<FixedProvider>("profile", Status::NotFound("no file"), &calls));
  Status s = ChainCredentialsProvider(std::move(ps)).GetCredentials().status();
  EXPECT_TRUE(s.Is(StatusCode::kNotFound)) << s;
  EXPECT_NE(s.message().find("environment"), std::string::npos) << s;
  EXPECT_NE(s.message().find("profile (no file)"), std::string::npos) << s;
  EXPECT_GT(env.lookups, 0);

  EXPECT_TRUE(ChainCredentialsProvider({}).GetCredentials().status().Is(StatusCode::kNotFound));
}

TEST(ChainCredentialsProviderTest, DefaultChainReadsTheEnvironment) {
  FakeEnv env;
  env.vars = {{"AWS_ACCESS_KEY_ID", kId}, {"AWS_SECRET_ACCESS_KEY", kSecret}};
  auto chain = NewDefaultCredentialsProviderChain(env.Lookup());
  ASSERT_OK_AND_ASSIGN(auto c, chain->GetCredentials());
  EXPECT_EQ(c.access_key_id, kId);
}

TEST(CredentialsTest, ToStringIsRedacted) {
  Credentials c = test::MakeCredentials(kId, kSecret, kToken);
  c.expiration = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30T12:36:00Z
  const std::string s = c.ToString();
  EXPECT_EQ(s.find(kSecret), std::string::npos) << s;
  EXPECT_EQ(s.find(kToken), std::string::npos) << s;
  EXPECT_EQ(s.find(kId), std::string::npos) << s;
  EXPECT_NE(s.find("...1234"), std::string::npos) << s;
  EXPECT_NE(s.find("expiration=2015-08-30T12:36:00Z"), std::string::npos) << s;
  std::ostringstream os;
  os << c;
  EXPECT_EQ(os.str(), s);

  const std::string short_id = test::MakeCredentials("AKID", kSecret).ToString();
  EXPECT_EQ(short_id.find("AKID"), std::string::npos) << short_id;
  EXPECT_NE(short_id.find("session_token=<absent>"), std::string::npos) << short_id;
}

}  // namespace
}  // namespace dynaflow::dynamodb
