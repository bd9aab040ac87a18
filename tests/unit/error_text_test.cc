// RecordableError: error texts from user code made valid UTF-8 and bounded in size.
#include "dynaflow/engine/internal/error_text.h"

#include <gtest/gtest.h>

#include <string>

#include "dynaflow/model/utf8.h"

namespace dynaflow::engine::internal {
namespace {

TEST(RecordableErrorTest, ShortValidTextIsUnchanged) {
  EXPECT_EQ(RecordableError("card declined", 100), "card declined");
  EXPECT_EQ(RecordableError("", 100), "");
  EXPECT_EQ(RecordableError("caf\xc3\xa9", 100), "caf\xc3\xa9");
}

TEST(RecordableErrorTest, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(RecordableError("bad \xff byte", 100), "bad \xef\xbf\xbd byte");
}

TEST(RecordableErrorTest, LongTextKeepsItsBeginningAndEndAndSaysHowMuchWasCut) {
  std::string text = "BEGIN" + std::string(100000, 'x') + "END";
  std::string out = RecordableError(text, 4096);
  EXPECT_LE(out.size(), 4096u);
  EXPECT_GT(out.size(), 4000u);
  EXPECT_EQ(out.substr(0, 5), "BEGIN");
  EXPECT_EQ(out.substr(out.size() - 3), "END");
  // The marker names exactly the bytes that are missing.
  size_t open = out.find(" ... [");
  size_t close = out.find(" bytes cut] ... ");
  ASSERT_NE(open, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  const size_t cut = std::stoul(out.substr(open + 6, close - open - 6));
  const size_t marker = close + 16 - open;
  EXPECT_EQ(out.size() - marker + cut, text.size());
}

TEST(RecordableErrorTest, CutsAtCharacterBoundaries) {
  // 3-byte characters throughout: any cut inside one would leave invalid UTF-8.
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "\xe2\x82\xac";  // U+20AC
  for (size_t max : {64u, 100u, 101u, 102u, 4096u}) {
    std::string out = RecordableError(text, max);
    EXPECT_LE(out.size(), max);
    EXPECT_TRUE(IsValidUtf8(out)) << max;
    EXPECT_NE(out.find("bytes cut"), std::string::npos);
  }
}

TEST(RecordableErrorTest, TinyBoundsAreRaisedToSixtyFourBytes) {
  std::string out = RecordableError(std::string(1000, 'y'), 1);
  EXPECT_LE(out.size(), 64u);
  EXPECT_NE(out.find("bytes cut"), std::string::npos);
}

}  // namespace
}  // namespace dynaflow::engine::internal
