// Base64 (RFC 4648 vectors, strictness, round trips), CRC-32 (known vectors, slicing against a
// bitwise reference) and x-amz-crc32 verification.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "dynaflow/store/dynamodb/client/base64.h"
#include "dynaflow/store/dynamodb/client/internal/crc32.h"
#include "dynaflow/store/dynamodb/client/wire.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using internal::Crc32;
using internal::Crc32Extend;

struct Vector {
  const char* raw;
  const char* encoded;
};
// RFC 4648 section 10.
constexpr Vector kRfc4648[] = {{"", ""},
                               {"f", "Zg=="},
                               {"fo", "Zm8="},
                               {"foo", "Zm9v"},
                               {"foob", "Zm9vYg=="},
                               {"fooba", "Zm9vYmE="},
                               {"foobar", "Zm9vYmFy"}};

TEST(Base64Test, Rfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    EXPECT_EQ(Base64Encode(v.raw), v.encoded) << v.raw;
    std::string decoded = "junk";
    ASSERT_TRUE(Base64Decode(v.encoded, &decoded)) << v.encoded;
    EXPECT_EQ(decoded, v.raw);
  }
}

TEST(Base64Test, EncodesHighAndZeroBytes) {
  EXPECT_EQ(Base64Encode(std::string("\x00\xff", 2)), "AP8=");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
  std::string out;
  ASSERT_TRUE(Base64Decode("+/+/", &out));
  EXPECT_EQ(out, std::string("\xfb\xff\xbf", 3));
}

TEST(Base64Test, AppendKeepsExistingContent) {
  std::string out = "x=";
  Base64EncodeAppend("foo", &out);
  EXPECT_EQ(out, "x=Zm9v");
}

TEST(Base64Test, RejectsInvalidInput) {
  const char* bad[] = {
      "Zg",        // not a multiple of 4
      "Zg=",       // not a multiple of 4
      "Zm9vY",     // not a multiple of 4
      "Zg=a",      // data after padding
      "Z===",      // too much padding
      "====",      // only padding
      "Zm9v====",  // a whole group of padding
      "Zh==",      // non-zero padding bits
      "Zm9=",      // non-zero padding bits
      "Zm-v",      // URL-safe alphabet is not accepted
      "Zm_v",      // URL-safe alphabet is not accepted
      "Zm9v\n",    // whitespace
      "Zm 9",      // whitespace
      "=Zm9",      // padding first
  };
  for (const char* text : bad) {
    std::string out;
    EXPECT_FALSE(Base64Decode(text, &out)) << text;
  }
  std::string nul_inside("Zm\0v", 4);
  std::string out;
  EXPECT_FALSE(Base64Decode(nul_inside, &out));
}

TEST(Base64Test, RoundTripsAllByteValuesAndLengths) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string out;
  ASSERT_TRUE(Base64Decode(Base64Encode(all), &out));
  EXPECT_EQ(out, all);

  std::mt19937 rng(42);
  for (size_t len = 0; len < 200; ++len) {
    std::string raw(len, '\0');
    for (auto& c : raw) c = static_cast<char>(rng() & 0xFF);
    std::string encoded = Base64Encode(raw);
    EXPECT_EQ(encoded.size(), Base64EncodedSize(len));
    ASSERT_TRUE(Base64Decode(encoded, &out)) << len;
    EXPECT_EQ(out, raw) << len;
  }
}

// Bit-at-a-time CRC-32 (reflected 0xEDB88320), the definition the tables must agree with.
uint32_t ReferenceCrc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32Test, KnownVectors) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("a"), 0xE8B7BE43u);
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(Crc32("{}"), ReferenceCrc32("{}"));
}

TEST(Crc32Test, MatchesBitwiseReferenceAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string buf(300, '\0');
  for (auto& c : buf) c = static_cast<char>(rng() & 0xFF);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len + offset <= 280; ++len) {
      std::string_view piece(buf.data() + offset, len);
      ASSERT_EQ(Crc32(piece), ReferenceCrc32(piece)) << offset << "/" << len;
    }
  }
}

TEST(Crc32Test, ExtendConcatenates) {
  std::string a = "hello, ", b = "dynamodb world with more than eight bytes";
  EXPECT_EQ(Crc32Extend(Crc32(a), b), Crc32(a + b));
  EXPECT_EQ(Crc32Extend(0, b), Crc32(b));
  EXPECT_EQ(Crc32Extend(Crc32(a), ""), Crc32(a));
}

TEST(VerifyCrc32Test, AbsentHeaderIsOk) {
  EXPECT_OK(VerifyCrc32({}, "anything"));
  EXPECT_OK(VerifyCrc32({{"x-amzn-RequestId", "abc"}}, "{}"));
}

TEST(VerifyCrc32Test, MatchingHeaderIsOkCaseInsensitively) {
  std::string body = R"({"Item":{"PK":{"S":"a"}}})";
  std::string crc = std::to_string(Crc32(body));
  EXPECT_OK(VerifyCrc32({{"x-amz-crc32", crc}}, body));
  EXPECT_OK(VerifyCrc32({{"X-Amz-Crc32", crc}}, body));
  EXPECT_OK(VerifyCrc32({{"x-amz-crc32", "3421780262"}}, "123456789"));
}

TEST(VerifyCrc32Test, MismatchNamesBothValues) {
  std::string body = R"({"Item":{"PK":{"S":"a"}}})";
  uint32_t good = Crc32(body);
  std::string truncated = body.substr(0, body.size() - 3);
  Status s = VerifyCrc32({{"x-amz-crc32", std::to_string(good)}}, truncated);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kSerialization);
  EXPECT_NE(s.message().find("mismatch"), std::string::npos) << s;
  EXPECT_NE(s.message().find(std::to_string(good)), std::string::npos) << s;
  EXPECT_NE(s.message().find(std::to_string(Crc32(truncated))), std::string::npos) << s;
}

TEST(VerifyCrc32Test, RejectsMalformedHeader) {
  for (const char* v : {"", "abc", "-1", "4294967296", "12x", "0x1234"}) {
    Status s = VerifyCrc32({{"x-amz-crc32", v}}, "123456789");
    EXPECT_EQ(s.code(), StatusCode::kSerialization) << v;
  }
}

}  // namespace
}  // namespace dynaflow::dynamodb
