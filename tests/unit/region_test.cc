// Region resolution: configuration, then AWS_REGION / AWS_DEFAULT_REGION, then the profile.
#include "dynaflow/store/dynamodb/client/region.h"

#include <gtest/gtest.h>

#include "tests/support/credentials_fixtures.h"

namespace dynaflow::dynamodb {
namespace {

class RegionTest : public ::testing::Test {
 protected:
  RegionTest() {
    env_.Set("AWS_CONFIG_FILE", dir_.File("config"));
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.File("credentials"));
  }
  RegionOptions Options(std::string configured = "", std::string profile = "") {
    RegionOptions o;
    o.configured = std::move(configured);
    o.profile = std::move(profile);
    o.env = env_.Lookup();
    return o;
  }
  std::string Resolve(const RegionOptions& o) {
    auto r = ResolveRegion(o);
    return r.ok() ? r->region + " from " + r->source : r.status().ToString();
  }

  test::TempDir dir_;
  test::FakeEnv env_;
};

TEST_F(RegionTest, PrecedenceConfigurationEnvironmentProfile) {
  dir_.Write("config", "[default]\nregion = ap-south-1\n[profile dev]\nregion = eu-north-1\n");
  env_.Set("AWS_DEFAULT_REGION", "us-west-2");
  env_.Set("AWS_REGION", "us-east-2");
  EXPECT_EQ(Resolve(Options("eu-central-1")), "eu-central-1 from configuration");
  EXPECT_EQ(Resolve(Options()), "us-east-2 from AWS_REGION");
  env_.Unset("AWS_REGION");
  EXPECT_EQ(Resolve(Options()), "us-west-2 from AWS_DEFAULT_REGION");
  env_.Set("AWS_DEFAULT_REGION", "");  // empty counts as unset
  EXPECT_EQ(Resolve(Options()),
            "ap-south-1 from profile \"default\" (" + dir_.File("config") + ":2)");
  EXPECT_EQ(Resolve(Options("", "dev")),
            "eu-north-1 from profile \"dev\" (" + dir_.File("config") + ":4)");
  env_.Set("AWS_PROFILE", "dev");
  EXPECT_EQ(Resolve(Options()), "eu-north-1 from profile \"dev\" (" + dir_.File("config") + ":4)");
}

TEST_F(RegionTest, MissingRegionNamesTheThreePlaces) {
  RegionOptions o = Options();
  o.configured_hint = "aws-region in [store]";
  EXPECT_EQ(Resolve(o),
            "InvalidArgument: no AWS region configured; set one of: aws-region in "
            "[store]; the AWS_REGION or AWS_DEFAULT_REGION environment variable; "
            "`region` in profile \"default\" of " +
                dir_.File("config"));
  dir_.Write("config", "[profile ops]\noutput = json\n");
  EXPECT_EQ(Resolve(Options("", "ops")),
            "InvalidArgument: no AWS region configured; set one of: the region option of the "
            "client configuration; the AWS_REGION or AWS_DEFAULT_REGION environment variable; "
            "`region` in profile \"ops\" of " +
                dir_.File("config"));
}

TEST_F(RegionTest, InvalidRegionNamesTheSource) {
  env_.Set("AWS_REGION", "EU Central");
  EXPECT_EQ(Resolve(Options()),
            "InvalidArgument: AWS region \"EU Central\" from AWS_REGION is not a valid region "
            "name: expected lowercase letters, digits and '-' (e.g. eu-central-1)");
  EXPECT_TRUE(IsValidRegionName("us-gov-west-1"));
  EXPECT_TRUE(IsValidRegionName("local"));
  EXPECT_FALSE(IsValidRegionName("1abc"));
  EXPECT_FALSE(IsValidRegionName("eu-central-1.evil.com"));
  EXPECT_FALSE(IsValidRegionName(""));
}

TEST_F(RegionTest, MalformedConfigFileIsReported) {
  dir_.Write("config", "[default]\nregion\n");
  EXPECT_EQ(Resolve(Options()), "InvalidArgument: " + dir_.File("config") +
                                    ":2: expected a [section] header, a \"key = value\" property "
                                    "or a comment");
}

}  // namespace
}  // namespace dynaflow::dynamodb
