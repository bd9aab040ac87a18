// The project version: the generated header, the library function and CMake's project version
// (passed in by tests/CMakeLists.txt as DYNAFLOW_TEST_PROJECT_VERSION) agree.
#include "dynaflow/model/version.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace dynaflow {
namespace {

TEST(VersionTest, LibraryHeaderAndCMakeProjectAgree) {
  EXPECT_EQ(Version(), DYNAFLOW_VERSION);
  EXPECT_EQ(std::string(Version()), DYNAFLOW_TEST_PROJECT_VERSION);
}

TEST(VersionTest, IsSemanticAndMatchesItsParts) {
  const std::string v(Version());
  EXPECT_TRUE(
      std::regex_match(v, std::regex(R"((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*))")))
      << v;
  EXPECT_EQ(v, std::to_string(DYNAFLOW_VERSION_MAJOR) + "." +
                   std::to_string(DYNAFLOW_VERSION_MINOR) + "." +
                   std::to_string(DYNAFLOW_VERSION_PATCH));
}

}  // namespace
}  // namespace dynaflow
