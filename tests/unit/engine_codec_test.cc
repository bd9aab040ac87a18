// Codecs, retry policy arithmetic and the latency histogram (no store involved).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/engine/codec.h"
#include "dynaflow/engine/internal/histogram.h"
#include "dynaflow/engine/retry_policy.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine {

// A user type with JSON traits: composes inside containers.
struct LineItem {
  std::string sku;
  int64_t quantity = 0;
  std::optional<double> price;
  friend bool operator==(const LineItem&, const LineItem&) = default;
};
template <>
struct JsonTraits<LineItem> {
  static void Write(JsonWriter& w, const LineItem& v) {
    w.StartObject();
    WriteMember(w, "sku", v.sku);
    WriteMember(w, "quantity", v.quantity);
    WriteMember(w, "price", v.price);
    w.EndObject();
  }
  static Result<LineItem> Read(const JsonValue& j) {
    LineItem v;
    DYNAFLOW_ASSIGN_OR_RETURN(v.sku, ReadMember<std::string>(j, "sku"));
    DYNAFLOW_ASSIGN_OR_RETURN(v.quantity, ReadMember<int64_t>(j, "quantity"));
    DYNAFLOW_ASSIGN_OR_RETURN(v.price, ReadMember<std::optional<double>>(j, "price"));
    return v;
  }
};

// A user type whose JSON traits follow from a field list (JsonFields).
struct Address {
  std::string street;
  int32_t zip = 0;
  std::vector<LineItem> parcels;
  friend bool operator==(const Address&, const Address&) = default;
};
template <>
struct JsonFields<Address> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("street", &Address::street), JsonField("zip", &Address::zip),
                      JsonField("parcels", &Address::parcels));
};

// A user type with its own byte codec.
struct Point {
  int x = 0, y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};
template <>
struct Codec<Point> {
  static std::string Encode(const Point& p) {
    return std::to_string(p.x) + "," + std::to_string(p.y);
  }
  static Result<Point> Decode(std::string_view s) {
    auto comma = s.find(',');
    if (comma == std::string_view::npos) return Status::Serialization("no comma");
    return Point{std::stoi(std::string(s.substr(0, comma))),
                 std::stoi(std::string(s.substr(comma + 1)))};
  }
};

struct NoCodec {};

static_assert(Encodable<int>);
static_assert(Encodable<std::map<std::string, std::vector<std::optional<LineItem>>>>);
static_assert(Encodable<Point>);
static_assert(JsonSerializable<Address> && Encodable<std::optional<std::vector<Address>>>);
static_assert(!Encodable<NoCodec>);
static_assert(!Encodable<std::vector<NoCodec>>);
static_assert(!JsonSerializable<Point>);  // byte codec only: not usable inside JSON containers

template <class T>
T RoundTrip(const T& v) {
  auto r = Codec<T>::Decode(Codec<T>::Encode(v));
  EXPECT_OK(r);
  return r.ok() ? *r : T{};
}

TEST(EngineCodec, ScalarsRoundTrip) {
  EXPECT_EQ(RoundTrip<bool>(true), true);
  EXPECT_EQ(RoundTrip<int64_t>(std::numeric_limits<int64_t>::min()),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(RoundTrip<uint64_t>(std::numeric_limits<uint64_t>::max()),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(RoundTrip<int8_t>(-128), -128);
  EXPECT_EQ(RoundTrip<double>(0.1), 0.1);
  EXPECT_EQ(RoundTrip<double>(-1e300), -1e300);
  EXPECT_TRUE(std::isnan(RoundTrip<double>(std::nan(""))));
  EXPECT_EQ(RoundTrip<double>(-INFINITY), -INFINITY);
  EXPECT_EQ(Codec<Unit>::Encode(Unit{}), "null");
  EXPECT_OK(Codec<Unit>::Decode("null"));
}

TEST(EngineCodec, StringsKeepEveryByte) {
  std::string bytes("a\0b\"\\\n\x01\xff", 8);
  EXPECT_EQ(RoundTrip(bytes), bytes);
  EXPECT_EQ(Codec<std::string>::Encode("hi"), "\"hi\"");
}

TEST(EngineCodec, ContainersAndUserTypesCompose) {
  std::map<std::string, std::vector<std::optional<LineItem>>> v{
      {"a", {LineItem{"x", 2, 9.5}, std::nullopt}}, {"b", {}}};
  EXPECT_EQ(RoundTrip(v), v);
  EXPECT_EQ(Codec<LineItem>::Encode(LineItem{"s", 1, std::nullopt}),
            R"({"sku":"s","quantity":1,"price":null})");
  EXPECT_EQ(RoundTrip(Point{3, -4}), (Point{3, -4}));
}

TEST(EngineCodec, DecodeErrorsAreSerializationStatuses) {
  EXPECT_TRUE(Codec<int32_t>::Decode("\"x\"").error().Is(StatusCode::kSerialization));
  EXPECT_TRUE(Codec<int32_t>::Decode("4294967296").error().Is(StatusCode::kSerialization));
  EXPECT_TRUE(Codec<uint8_t>::Decode("-1").error().Is(StatusCode::kSerialization));
  EXPECT_TRUE(Codec<int>::Decode("1 2").error().Is(StatusCode::kSerialization));
  EXPECT_TRUE(Codec<int>::Decode("").error().Is(StatusCode::kSerialization));
  EXPECT_TRUE(Codec<std::vector<int>>::Decode("[1,\"a\"]").error().Is(StatusCode::kSerialization));
  auto missing = Codec<LineItem>::Decode(R"({"sku":"s"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("quantity"), std::string::npos);
  EXPECT_EQ(Codec<int>::Decode(" 7 ").value(), 7);
}

TEST(EngineRetryPolicy, BackoffGrowsCapsAndJitters) {
  RetryPolicy p;
  p.initial_backoff = Duration(100);
  p.max_backoff = Duration(1000);
  p.multiplier = 3;
  p.jitter = 0.2;
  EXPECT_EQ(p.Backoff(2, 0.5), Duration(100));
  EXPECT_EQ(p.Backoff(3, 0.5), Duration(300));
  EXPECT_EQ(p.Backoff(4, 0.5), Duration(900));
  EXPECT_EQ(p.Backoff(5, 0.5), Duration(1000));
  EXPECT_EQ(p.Backoff(50, 0.5), Duration(1000));
  EXPECT_EQ(p.Backoff(2, 0.0), Duration(80));
  EXPECT_EQ(p.Backoff(2, 0.999999), Duration(120));
}

TEST(EngineRetryPolicy, RetryableCodes) {
  RetryPolicy p;
  EXPECT_TRUE(p.IsRetryable(Status::Unavailable("x")));
  EXPECT_FALSE(p.IsRetryable(Status::InvalidArgument("x")));
  EXPECT_FALSE(p.IsRetryable(Status::Cancelled("x")));
  p.non_retryable = {StatusCode::kUnavailable};
  EXPECT_FALSE(p.IsRetryable(Status::Unavailable("x")));
  EXPECT_TRUE(p.IsRetryable(Status::InvalidArgument("x")));
}

TEST(EngineHistogram, PercentilesWithinBucketPrecision) {
  internal::Histogram h;
  EXPECT_EQ(h.Snapshot().count, 0);
  for (int i = 1; i <= 1000; ++i) h.Record(i * 1000);  // 1 ms .. 1000 ms
  LatencyStats s = h.Snapshot();
  EXPECT_EQ(s.count, 1000);
  EXPECT_NEAR(s.mean_ms, 500.5, 0.01);
  EXPECT_NEAR(s.p50_ms, 500, 500 * 0.07);
  EXPECT_NEAR(s.p99_ms, 990, 990 * 0.07);
  EXPECT_DOUBLE_EQ(s.max_ms, 1000);
}

TEST(EngineHistogram, BucketsAreMonotonic) {
  int prev = -1;
  for (int64_t v = 1; v < (int64_t{1} << 36); v = v * 5 / 4 + 1) {
    int b = internal::Histogram::BucketOf(v);
    EXPECT_GE(b, prev);
    double mid = internal::Histogram::BucketMid(b);
    EXPECT_NEAR(mid, static_cast<double>(v), static_cast<double>(v) * 0.13) << v;
    prev = b;
  }
}

TEST(EngineCodec, JsonFieldsWriteAndReadTheListedMembers) {
  Address a{"Main St 1", 10115, {{"apple", 2, 1.5}, {"pear", 1, std::nullopt}}};
  const std::string json = Codec<Address>::Encode(a);
  EXPECT_EQ(json, R"({"street":"Main St 1","zip":10115,"parcels":[{"sku":"apple","quantity":2,)"
                  R"("price":1.5},{"sku":"pear","quantity":1,"price":null}]})");
  EXPECT_EQ(RoundTrip(a), a);
  EXPECT_EQ(RoundTrip(std::vector<Address>{a, Address{}}), (std::vector<Address>{a, Address{}}));
  // Extra members are ignored; a missing or mistyped one is named.
  auto extra = Codec<Address>::Decode(R"({"street":"s","zip":1,"parcels":[],"note":"x"})");
  ASSERT_OK(extra);
  EXPECT_EQ(extra->zip, 1);
  auto missing = Codec<Address>::Decode(R"({"street":"s","parcels":[]})");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().Is(StatusCode::kSerialization));
  EXPECT_NE(missing.error().message().find("\"zip\""), std::string::npos) << missing.error();
  auto mistyped = Codec<Address>::Decode(R"({"street":"s","zip":"10115","parcels":[]})");
  ASSERT_FALSE(mistyped.ok());
  EXPECT_NE(mistyped.error().ToString().find("zip"), std::string::npos) << mistyped.error();
  auto not_object = Codec<Address>::Decode("[1,2]");
  ASSERT_FALSE(not_object.ok());
  EXPECT_TRUE(not_object.error().Is(StatusCode::kSerialization));
}

}  // namespace dynaflow::engine
