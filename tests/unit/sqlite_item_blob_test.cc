// The SQLite backend's attribute blob: exact round trips of every type, a pinned byte layout,
// and garbage of every shape decoding to kSerialization (never a crash).
#include "dynaflow/store/table/internal/sqlite_item_blob.h"

#include <gtest/gtest.h>

#include <random>

#include "dynaflow/store/table/internal/sqlite_schema.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::table::internal {
namespace {

using V = AttributeValue;

AttributeMap EveryType() {
  return {{"s", V::S("text \xc3\xa9")},
          {"empty", V::S("")},
          {"n", V::N("-12.50e3")},
          {"big", V::N("12345678901234567890123456789012345678")},
          {"b", V::B(std::string("\0\x01\xff", 3))},
          {"t", V::Bool(true)},
          {"f", V::Bool(false)},
          {"null", V::Null()},
          {"ss", V::SS({"a", "b"})},
          {"ns", V::NS({"1", "-2.5"})},
          {"bs", V::BS({std::string("\0", 1), "x"})},
          {"l", V::L({V::S("x"), V::N(7), V::L({}), V::M({})})},
          {"m", V::M({{"deep", V::M({{"deeper", V::L({V::Bool(true)})}})}})},
          {std::string("n\0ame", 5), V::S(std::string(300, 'z'))}};
}

TEST(SqliteItemBlobTest, RoundTripsEveryTypeExactly) {
  AttributeMap m = EveryType();
  auto decoded = DecodeAttributes(EncodeAttributes(m));
  ASSERT_OK(decoded);
  EXPECT_EQ(*decoded, m);
  // Numbers keep their text.
  EXPECT_EQ(*decoded->at("n").AsN(), "-12.50e3");
  auto empty = DecodeAttributes(EncodeAttributes({}));
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(SqliteItemBlobTest, ByteLayoutIsStable) {
  // version 1, 2 attributes: "a" -> S "xy"; "b" -> L [BOOL true, N "5"].
  std::string expected(
      "\x01\x02"
      "\x01"
      "a\x03\x02xy"
      "\x01"
      "b\x07\x02\x02\x04\x01"
      "5",
      16);
  EXPECT_EQ(EncodeAttributes({{"a", V::S("xy")}, {"b", V::L({V::Bool(true), V::N(5)})}}), expected);
  // Lengths of 128 and more take two varint bytes.
  std::string enc = EncodeAttributes({{"a", V::B(std::string(200, 'q'))}});
  EXPECT_EQ(enc.substr(0, 6), std::string("\x01\x01\x01"
                                          "a\x05\xc8",
                                          6));
  EXPECT_EQ(enc[6], '\x01');
}

void ExpectSerialization(std::string_view blob, const std::string& what) {
  auto r = DecodeAttributes(blob);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), StatusCode::kSerialization) << what << ": " << r.status();
}

TEST(SqliteItemBlobTest, EveryTruncationIsASerializationError) {
  std::string blob = EncodeAttributes(EveryType());
  for (size_t n = 0; n < blob.size(); ++n) {
    ExpectSerialization(std::string_view(blob).substr(0, n), "prefix of " + std::to_string(n));
  }
  ExpectSerialization(blob + "x", "trailing byte");
}

TEST(SqliteItemBlobTest, RejectsMalformedContent) {
  ExpectSerialization(std::string("\x02\x00", 2), "unknown version");
  ExpectSerialization(std::string("\x01\x01\x01"
                                  "a\x0b",
                                  5),
                      "unknown tag");
  ExpectSerialization(std::string("\x01\x01\x01"
                                  "a\x04\x03"
                                  "1x2",
                                  8),
                      "invalid number");
  ExpectSerialization(std::string("\x01\x02\x01"
                                  "a\x00\x01"
                                  "a\x00",
                                  8),
                      "duplicate name");
  ExpectSerialization(std::string("\x01\x01\x01"
                                  "a\x07\xff\xff\xff\xff\x0f",
                                  10),
                      "list count beyond the blob");
  ExpectSerialization(std::string("\x01\x01\x01"
                                  "a\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                                  16),
                      "overlong varint");
  // Nesting deeper than kMaxDecodeDepth: L [ L [ L [ ... ] ] ].
  std::string deep(
      "\x01\x01\x01"
      "a",
      4);
  for (int i = 0; i < kMaxDecodeDepth + 2; ++i) deep += std::string("\x07\x01", 2);
  deep += '\x00';
  ExpectSerialization(deep, "nesting too deep");
}

TEST(SqliteItemBlobTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(12345);
  std::string valid = EncodeAttributes(EveryType());
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string blob;
    if (i % 2 == 0) {  // random bytes after a valid version byte
      blob.push_back('\x01');
      size_t n = rng() % 64;
      for (size_t j = 0; j < n; ++j) blob.push_back(static_cast<char>(rng()));
    } else {  // a valid blob with a few bytes flipped
      blob = valid;
      for (int j = 0; j < 3; ++j) blob[rng() % blob.size()] = static_cast<char>(rng());
    }
    auto r = DecodeAttributes(blob);
    if (r.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kSerialization) << r.status();
    }
  }
  EXPECT_LT(ok, 20000);  // most garbage is detected
}

TEST(SqliteItemBlobTest, TtlColumnIsTheCeilingOfTheNumber) {
  EXPECT_EQ(CeilToInt64("1700000000"), 1700000000);
  EXPECT_EQ(CeilToInt64("1700000000.25"), 1700000001);
  EXPECT_EQ(CeilToInt64("1.7e9"), 1700000000);
  EXPECT_EQ(CeilToInt64("17e-1"), 2);
  EXPECT_EQ(CeilToInt64("0.001"), 1);
  EXPECT_EQ(CeilToInt64("-1.5"), -1);
  EXPECT_EQ(CeilToInt64("0"), 0);
  EXPECT_EQ(CeilToInt64("1e30"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(CeilToInt64("-1e30"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(CeilToInt64("abc"), std::nullopt);
}

}  // namespace
}  // namespace dynaflow::table::internal
