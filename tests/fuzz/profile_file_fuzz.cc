// libFuzzer target: the AWS shared config / credentials file parser (a file users edit by
// hand). The first input byte picks the file kind. Build and run (libFuzzer, or
// standalone_driver.cc in test builds): tests/fuzz/CMakeLists.txt.
#include <cstdint>
#include <string>
#include <string_view>

#include "dynaflow/store/dynamodb/client/profile_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dynaflow::dynamodb::ProfileSet;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  ProfileSet set;
  const auto kind = data[0] % 2 == 0 ? ProfileSet::Kind::kConfig : ProfileSet::Kind::kCredentials;
  if (set.Parse(text, "fuzz", kind).ok()) {
    for (const std::string& name : set.Names()) (void)set.Find(name)->Get("region");
  }
  return 0;
}
