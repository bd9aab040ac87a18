// UTF-8 validation and repair (dynaflow/model/utf8.h): the strict rules of the Unicode Standard's
// Table 3-7, checked against an independent bit-pattern decoder, and U+FFFD substitution of
// maximal subparts (the Standard's Table 3-8 example and friends).
#include "dynaflow/model/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace dynaflow {
namespace {

constexpr size_t npos = std::string_view::npos;
const std::string kFffd = "\xEF\xBF\xBD";

// Reference: decodes by bit pattern, then rejects overlong forms, surrogates and code points
// above U+10FFFF. A different method from the table-driven implementation.
size_t ReferenceFindInvalid(std::string_view s) {
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    unsigned b = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      cp = b & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      unsigned c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < kMinimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return npos;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  // Boundaries of every sequence length and around the surrogates.
  for (const std::string& s :
       {Bytes({0x7F}), Bytes({0xC2, 0x80}), Bytes({0xDF, 0xBF}), Bytes({0xE0, 0xA0, 0x80}),
        Bytes({0xED, 0x9F, 0xBF}), Bytes({0xEE, 0x80, 0x80}), Bytes({0xEF, 0xBF, 0xBF}),
        Bytes({0xF0, 0x90, 0x80, 0x80}), Bytes({0xF4, 0x8F, 0xBF, 0xBF})}) {
    EXPECT_TRUE(IsValidUtf8(s)) << testing::PrintToString(s);
    EXPECT_EQ(SanitizeUtf8(s), s);
  }
}

TEST(Utf8Test, RejectsIllFormedSequencesAtTheirFirstByte) {
  struct Case {
    std::string text;
    size_t offset;
    const char* what;
  };
  const Case cases[] = {
      {Bytes({0x80}), 0, "lone continuation byte"},
      {Bytes({'a', 0xBF}), 1, "lone continuation byte after ASCII"},
      {Bytes({0xC0, 0x80}), 0, "overlong NUL"},
      {Bytes({0xC1, 0xBF}), 0, "overlong U+007F"},
      {Bytes({0xE0, 0x80, 0x80}), 0, "overlong 3-byte"},
      {Bytes({0xE0, 0x9F, 0xBF}), 0, "overlong U+07FF"},
      {Bytes({0xF0, 0x80, 0x80, 0x80}), 0, "overlong 4-byte"},
      {Bytes({0xF0, 0x8F, 0xBF, 0xBF}), 0, "overlong U+FFFF"},
      {Bytes({0xED, 0xA0, 0x80}), 0, "surrogate U+D800"},
      {Bytes({0xED, 0xBF, 0xBF}), 0, "surrogate U+DFFF"},
      {Bytes({0xF4, 0x90, 0x80, 0x80}), 0, "U+110000"},
      {Bytes({0xF5, 0x80, 0x80, 0x80}), 0, "lead F5"},
      {Bytes({0xFE}), 0, "byte FE"},
      {Bytes({0xFF}), 0, "byte FF"},
      {Bytes({'o', 'k', 0xC3}), 2, "2-byte sequence cut by the end"},
      {Bytes({0xE2, 0x82}), 0, "3-byte sequence cut by the end"},
      {Bytes({0xF0, 0x9F, 0x98}), 0, "4-byte sequence cut by the end"},
      {Bytes({0xC3, 'a'}), 0, "2-byte sequence broken by ASCII"},
      {Bytes({0xE2, 0x82, 0xE2, 0x82, 0xAC}), 0, "3-byte sequence broken by a lead byte"},
      {Bytes({'a', 'b', 'c', 0xC3, 0xA9, 0xFF}), 5, "after a valid 2-byte sequence"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidUtf8(c.text)) << c.what;
    EXPECT_EQ(FindInvalidUtf8(c.text), c.offset) << c.what;
    EXPECT_EQ(ReferenceFindInvalid(c.text), c.offset) << c.what;
  }
}

// The offset is exact wherever the bad byte falls relative to the 8-byte ASCII fast path.
TEST(Utf8Test, OffsetIsExactAroundTheAsciiFastPath) {
  for (size_t len = 1; len <= 40; ++len) {
    for (size_t at = 0; at < len; ++at) {
      std::string s(len, 'x');
      s[at] = '\xFF';
      ASSERT_EQ(FindInvalidUtf8(s), at) << len << " " << at;
      std::string t(len, 'x');
      t[at] = '\xC3';  // cut by the following ASCII byte or by the end
      ASSERT_EQ(FindInvalidUtf8(t), at) << len << " " << at;
    }
  }
  std::string long_valid;
  for (int i = 0; i < 100; ++i) long_valid += "abcdefgh\xE2\x82\xAC";
  EXPECT_TRUE(IsValidUtf8(long_valid));
  EXPECT_EQ(FindInvalidUtf8(long_valid + "\xE2\x82"), long_valid.size());
}

// Every 1- and 2-byte string, every 3-byte string from a non-ASCII lead, and 4-byte strings
// around the continuation boundaries agree with the reference decoder.
TEST(Utf8Test, AgreesWithReferenceDecoderExhaustively) {
  std::string s;
  for (int a = 0; a < 256; ++a) {
    s = Bytes({a});
    ASSERT_EQ(FindInvalidUtf8(s), ReferenceFindInvalid(s)) << a;
    for (int b = 0; b < 256; ++b) {
      s = Bytes({a, b});
      ASSERT_EQ(FindInvalidUtf8(s), ReferenceFindInvalid(s)) << a << " " << b;
    }
  }
  for (int a = 0x80; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c = 0; c < 256; ++c) {
        s = Bytes({a, b, c});
        ASSERT_EQ(FindInvalidUtf8(s), ReferenceFindInvalid(s)) << a << " " << b << " " << c;
      }
    }
  }
  const int edges[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (int a = 0xF0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : edges) {
        for (int d : edges) {
          s = Bytes({a, b, c, d});
          ASSERT_EQ(FindInvalidUtf8(s), ReferenceFindInvalid(s))
              << a << " " << b << " " << c << " " << d;
        }
      }
    }
  }
}

TEST(Utf8Test, SanitizeReplacesMaximalSubparts) {
  // The Unicode Standard's Table 3-8 example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
  EXPECT_EQ(SanitizeUtf8(Bytes(
                {0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64})),
            "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
  EXPECT_EQ(SanitizeUtf8(Bytes({0xC0, 0xAF})), kFffd + kFffd);  // C0 never starts a sequence
  EXPECT_EQ(SanitizeUtf8(Bytes({0xE0, 0x80, 0xAF})), kFffd + kFffd + kFffd);
  EXPECT_EQ(SanitizeUtf8(Bytes({0xED, 0xA0, 0x80})), kFffd + kFffd + kFffd);
  EXPECT_EQ(SanitizeUtf8(Bytes({0xF4, 0x90, 0x80, 0x80})), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(SanitizeUtf8(Bytes({0xF0, 0x9F, 0x98})), kFffd);  // one truncated sequence
  EXPECT_EQ(SanitizeUtf8(Bytes({0xE2, 0x82, 'x'})), kFffd + "x");
  EXPECT_EQ(SanitizeUtf8("boom: \xFF\xFE!"), "boom: " + kFffd + kFffd + "!");
  EXPECT_EQ(SanitizeUtf8(Bytes({0xFF})), kFffd);
  EXPECT_EQ(SanitizeUtf8(""), "");
  EXPECT_EQ(SanitizeUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));
  EXPECT_EQ(kUtf8ReplacementCharacter, kFffd);
}

// Random bytes: the result is always valid, keeps every valid sequence of the input in order,
// and sanitizing twice changes nothing.
TEST(Utf8Test, SanitizeAlwaysYieldsValidUtf8) {
  std::mt19937 rng(42);
  const int pieces[] = {'a',  0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xED, 0xA0,
                        0xF0, 0x9F, 0x98, 0xF4, 0x90, 0xFF, 0xC0, 0x00, 0xEF, 0x8F};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    size_t len = rng() % 24;
    for (size_t i = 0; i < len; ++i) {
      s.push_back(static_cast<char>(pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))]));
    }
    std::string clean = SanitizeUtf8(s);
    ASSERT_TRUE(IsValidUtf8(clean)) << testing::PrintToString(s);
    ASSERT_EQ(SanitizeUtf8(clean), clean);
    if (IsValidUtf8(s)) {
      ASSERT_EQ(clean, s);
    } else {
      ASSERT_NE(clean.find(kFffd), std::string::npos) << testing::PrintToString(s);
      // The valid prefix survives untouched.
      size_t bad = FindInvalidUtf8(s);
      ASSERT_EQ(clean.substr(0, bad), s.substr(0, bad));
      ASSERT_EQ(clean.substr(bad, 3), kFffd);
    }
  }
}

}  // namespace
}  // namespace dynaflow
