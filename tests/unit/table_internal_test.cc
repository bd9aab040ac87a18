// Unit tests of the Table layer's shared pieces: exact decimals, conditions, updates, item
// sizing, validation, TTL, cursors and paging helpers.
#include <gtest/gtest.h>

#include "dynaflow/store/dynamodb/client/base64.h"
#include "dynaflow/store/table/condition.h"
#include "dynaflow/store/table/internal/cursor.h"
#include "dynaflow/store/table/internal/decimal.h"
#include "dynaflow/store/table/internal/paging.h"
#include "dynaflow/store/table/internal/ttl.h"
#include "dynaflow/store/table/internal/validation.h"
#include "dynaflow/store/table/table.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::table {
namespace {

using V = AttributeValue;

Item MakeItem(const std::string& pk, const std::string& sk, Item attrs = {}) {
  attrs[kPk] = V::S(pk);
  attrs[kSk] = V::S(sk);
  return attrs;
}

// ---- Decimals ----------------------------------------------------------------------------------

TEST(DecimalTest, ComparesNumericallyWithExponentsAndSigns) {
  struct Case {
    const char* a;
    const char* b;
    int want;
  };
  for (const Case& c : std::vector<Case>{
           {"1", "1.0", 0},
           {"-0", "0", 0},
           {"0.000", "0e5", 0},
           {"1e2", "100", 0},
           {"1E-2", "0.01", 0},
           {"+5", "5", 0},
           {"9", "10", -1},
           {"-10", "-9", -1},
           {"-0.5", "0", -1},
           {"0.001", "1e-4", 1},
           {"12.5e1", "125", 0},
           {"-1e130", "1e-130", -1},
           {"9.99e125", "1e126", -1},
           {"12345678901234567890123456789012345678", "12345678901234567890123456789012345679", -1},
           {"0.12345678901234567890123456789012345678", "0.12345678901234567890123456789012345677",
            1},
       }) {
    EXPECT_EQ(CompareDecimal(c.a, c.b), c.want) << c.a << " vs " << c.b;
    EXPECT_EQ(CompareDecimal(c.b, c.a), -c.want) << c.b << " vs " << c.a;
  }
}

TEST(DecimalTest, ParseRejectsGarbage) {
  for (const char* bad : {"", "-", "1e", "e5", "1.2.3", "abc", "1x", "--1", "1e+"}) {
    EXPECT_FALSE(internal::ParseDecimal(bad).ok()) << bad;
  }
  EXPECT_EQ(internal::FormatDecimal(internal::ParseDecimal("-012.3400e1").value()), "-123.4");
  EXPECT_EQ(internal::FormatDecimal(internal::ParseDecimal("5e-3").value()), "0.005");
}

TEST(DecimalTest, AddsExactly) {
  struct Case {
    const char* a;
    const char* b;
    const char* want;
  };
  for (const Case& c : std::vector<Case>{
           {"1.25", "2", "3.25"},
           {"-5", "3", "-2"},
           {"3", "-5", "-2"},
           {"0.1", "0.2", "0.3"},
           {"1e3", "1", "1001"},
           {"5", "-5", "0"},
           {"0", "-7.5", "-7.5"},
           {"99999999999999999999999999999999999999", "1",
            "100000000000000000000000000000000000000"},
           {"9223372036854775807", "1", "9223372036854775808"},
       }) {
    auto sum = internal::AddDecimalStrings(c.a, c.b);
    ASSERT_OK(sum) << c.a << " + " << c.b;
    EXPECT_EQ(*sum, c.want) << c.a << " + " << c.b;
  }
  EXPECT_FALSE(internal::AddDecimalStrings("99999999999999999999999999999999999999", "0.1").ok())
      << "39 significant digits";
  EXPECT_FALSE(internal::AddDecimalStrings("x", "1").ok());
}

// ---- Conditions --------------------------------------------------------------------------------

TEST(ConditionTest, DebugString) {
  Condition c = Condition::NotExists("PK") || Condition::Eq("version", V::N("3"));
  EXPECT_EQ(c.DebugString(), "attribute_not_exists(PK) OR version = N:3");
  Condition nested =
      (Condition::Exists("a") && Condition::Lt("n", V::N("1"))) || !Condition::BeginsWith("s", "x");
  EXPECT_EQ(nested.DebugString(), "(attribute_exists(a) AND n < N:1) OR NOT (begins_with(s, S:x))");
}

TEST(ConditionTest, EqualityOfCompositeValues) {
  Item item = MakeItem("p", "s",
                       {{"ns", V::NS({"1", "2.0"})},
                        {"ss", V::SS({"b", "a"})},
                        {"m", V::M({{"x", V::N("10")}, {"y", V::L({V::S("a"), V::Null()})}})},
                        {"l", V::L({V::N("1"), V::S("1")})}});
  EXPECT_TRUE(Condition::Eq("ns", V::NS({"2", "1"})).Evaluate(&item));
  EXPECT_FALSE(Condition::Eq("ns", V::NS({"2", "3"})).Evaluate(&item));
  EXPECT_TRUE(Condition::Eq("ss", V::SS({"a", "b"})).Evaluate(&item));
  EXPECT_TRUE(Condition::Eq("m", V::M({{"y", V::L({V::S("a"), V::Null()})}, {"x", V::N("1e1")}}))
                  .Evaluate(&item));
  EXPECT_FALSE(Condition::Eq("m", V::M({{"x", V::N("10")}})).Evaluate(&item));
  EXPECT_FALSE(Condition::Eq("l", V::L({V::S("1"), V::N("1")})).Evaluate(&item)) << "list order";
  EXPECT_TRUE(Condition::Ne("l", V::L({V::S("1"), V::N("1")})).Evaluate(&item));
  EXPECT_FALSE(Condition::Lt("ss", V::S("z")).Evaluate(&item)) << "sets are not ordered";
}

TEST(ConditionTest, AbsentItem) {
  EXPECT_TRUE(Condition::NotExists("PK").Evaluate(nullptr));
  EXPECT_FALSE(Condition::Exists("PK").Evaluate(nullptr));
  EXPECT_FALSE(Condition::Eq("a", V::S("x")).Evaluate(nullptr));
  EXPECT_TRUE(Condition::Ne("a", V::S("x")).Evaluate(nullptr));
  EXPECT_FALSE(Condition::BeginsWith("a", "").Evaluate(nullptr));
}

TEST(UpdateTest, ApplyToIsAllOrNothing) {
  Item item = MakeItem("p", "s", {{"s", V::S("text")}, {"n", V::N("1")}});
  Update u;
  u.Set("a", V::S("x")).Add("n", 1).Add("s", 1);
  Item before = item;
  Status s = u.ApplyTo(&item);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("ADD s"), std::string::npos) << s;
  EXPECT_EQ(item, before);

  Update ok;
  ok.Set("a", V::S("x")).Add("n", -3).Remove("s").Add("new", 7);
  ASSERT_OK(ok.ApplyTo(&item));
  EXPECT_EQ(item, MakeItem("p", "s", {{"a", V::S("x")}, {"n", V::N("-2")}, {"new", V::N("7")}}));
}

// ---- Item size (DynamoDB's rules) --------------------------------------------------------------

TEST(ItemSizeTest, FollowsDynamoDbSizing) {
  // Strings and binaries: name bytes + UTF-8 / raw bytes.
  EXPECT_EQ(ItemSizeBytes({{"ab", V::S("xyz")}}), 5u);
  EXPECT_EQ(ItemSizeBytes({{"é", V::S("é")}}), 4u);
  EXPECT_EQ(ItemSizeBytes({{"b", V::B(std::string(10, '\0'))}}), 11u);
  // Numbers: 1 byte per two significant digits (leading/trailing zeros trimmed) + 1.
  EXPECT_EQ(ItemSizeBytes({{"n", V::N("123")}}), 1u + 2 + 1);
  EXPECT_EQ(ItemSizeBytes({{"n", V::N("100")}}), 1u + 1 + 1);
  EXPECT_EQ(ItemSizeBytes({{"n", V::N("0.0012")}}), 1u + 1 + 1);
  EXPECT_EQ(ItemSizeBytes({{"n", V::N("0")}}), 1u + 0 + 1);
  // Null and Boolean: name + 1.
  EXPECT_EQ(ItemSizeBytes({{"x", V::Null()}, {"y", V::Bool(false)}}), 4u);
  // List / Map: name + 3 + elements + 1 byte per element (map elements count their names).
  EXPECT_EQ(ItemSizeBytes({{"l", V::L({})}}), 4u);
  EXPECT_EQ(ItemSizeBytes({{"l", V::L({V::S("ab"), V::N("1")})}}), 1u + 3 + (2 + 1) + (2 + 1));
  EXPECT_EQ(ItemSizeBytes({{"m", V::M({{"k", V::S("v")}})}}), 1u + 3 + (1 + 1 + 1));
  // Sets: the sum of their elements.
  EXPECT_EQ(ItemSizeBytes({{"s", V::SS({"ab", "c"})}}), 1u + 3);
  EXPECT_EQ(ItemSizeBytes({{"s", V::NS({"12", "1"})}}), 1u + 2 + 2);
}

// ---- Validation --------------------------------------------------------------------------------

TEST(ValidationTest, ItemSizeMessageNamesTheItem) {
  Item item = MakeItem("RUN#1", "STEP#a");
  size_t fixed = ItemSizeBytes(item) + 4;  // + "data"
  item["data"] = V::S(std::string(409612 - fixed, 'x'));
  Status s = internal::ValidateItem(item);
  EXPECT_ERROR(s, StatusCode::kLimitExceeded,
               "item RUN#1/STEP#a is 409612 bytes; the limit is 409600 (400 KB)");
}

TEST(ValidationTest, Items) {
  EXPECT_OK(internal::ValidateItem(MakeItem("p", "s", {{kTtl, V::N("12")}})));
  EXPECT_EQ(internal::ValidateItem({{kPk, V::S("p")}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(internal::ValidateItem(MakeItem("p", "s", {{kGsi2Pk, V::B("x")}})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(internal::ValidateItem(MakeItem("p", "s", {{"set", V::SS({})}})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(internal::ValidateItem(MakeItem("p", "s", {{"set", V::NS({"1", "1.0"})}})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(internal::ValidateItem(MakeItem("p", "s", {{"m", V::M({{"x", V::N("1..")}})}})).code(),
            StatusCode::kInvalidArgument);
  Status ttl = internal::ValidateItem(MakeItem("p", "s", {{kTtl, V::S("1")}}));
  EXPECT_NE(ttl.message().find("ttl must be of type N"), std::string::npos) << ttl;
}

TEST(ValidationTest, UpdatesAndConditions) {
  Update pk;
  pk.Set(kSk, V::S("x"));
  Status s = internal::ValidateUpdate({"p", "s"}, pk);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("SK cannot be updated"), std::string::npos) << s;
  Update gsi_add;
  gsi_add.Add(kGsi1Sk, 1);
  EXPECT_EQ(internal::ValidateUpdate({"p", "s"}, gsi_add).code(), StatusCode::kInvalidArgument);
  Update fine;
  fine.Set(kGsi1Pk, V::S("g")).Remove(kGsi2Pk).Add(kTtl, 5).Set("n", V::N("1"));
  EXPECT_OK(internal::ValidateUpdate({"p", "s"}, fine));
  EXPECT_OK(internal::ValidateUpdate({"p", "s"}, Update()));

  EXPECT_EQ(internal::ValidateCondition(Condition::Lt("a", V::Bool(true))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(internal::ValidateCondition(Condition::Exists("") && Condition::Exists("a")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(internal::ValidateCondition(Condition::Eq("a", V::N("nan"))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_OK(internal::ValidateCondition(Condition::Eq("a", V::Null())));
}

TEST(ValidationTest, Transactions) {
  std::vector<WriteOp> ops = {PutOp{MakeItem("p", "a")}, DeleteOp{{"p", "b"}},
                              ConditionCheckOp{{"p", "a"}, Condition::Exists(kPk)}};
  Status s = internal::ValidateTransaction(ops);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("transaction op 2: key p/a appears in more than one op"),
            std::string::npos)
      << s;
  ops.pop_back();
  EXPECT_OK(internal::ValidateTransaction(ops));
  ops.push_back(PutOp{{{kPk, V::S("p")}}});
  s = internal::ValidateTransaction(ops);
  EXPECT_NE(s.message().find("transaction op 2: item has no SK"), std::string::npos) << s;
}

TEST(ValidationTest, Queries) {
  QueryRequest q;
  q.partition = "p";
  EXPECT_OK(internal::ValidateQuery(q));
  q.sort = SortKeyCondition::BeginsWith("");
  EXPECT_EQ(internal::ValidateQuery(q).code(), StatusCode::kInvalidArgument);
  q.sort = SortKeyCondition::Between("a", "a");
  EXPECT_OK(internal::ValidateQuery(q));
  q.sort = SortKeyCondition::Lt(std::string(1025, 'x'));
  EXPECT_EQ(internal::ValidateQuery(q).code(), StatusCode::kLimitExceeded);
}

// ---- TTL ---------------------------------------------------------------------------------------

TEST(TtlTest, ExpiryRules) {
  TimePoint now = FromUnixMillis(1'700'000'000'500);  // .5 s past a whole second
  auto expired = [&](V ttl) { return internal::IsExpired(MakeItem("p", "s", {{kTtl, ttl}}), now); };
  EXPECT_TRUE(expired(V::N("1699999999")));
  EXPECT_TRUE(expired(V::N("1700000000")));  // ttl <= now (whole seconds)
  EXPECT_FALSE(expired(V::N("1700000000.5")));
  EXPECT_FALSE(expired(V::N("1700000001")));
  EXPECT_TRUE(expired(V::N("1.7e9")));
  EXPECT_FALSE(expired(V::N("1.7000001e9")));
  EXPECT_FALSE(expired(V::S("1")));  // not a number: never expires
  EXPECT_FALSE(expired(V::N("garbage")));
  EXPECT_FALSE(internal::IsExpired(MakeItem("p", "s"), now));
}

// ---- Cursors -----------------------------------------------------------------------------------

TEST(CursorTest, Base64UrlRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 64; ++i) {
    std::string enc = dynamodb::Base64UrlEncode(bytes);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(dynamodb::Base64UrlDecode(enc), bytes);
    bytes.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(dynamodb::Base64UrlEncode("\xfb\xff"), "-_8");
  for (const char* bad : {"A", "AB=", "AB C", "a+b/", "AB!C", "AF"}) {
    EXPECT_EQ(dynamodb::Base64UrlDecode(bad), std::nullopt) << bad;
  }
}

TEST(CursorTest, RoundTripAndBinding) {
  internal::CursorSigner signer("secret");
  QueryRequest q;
  q.index = Index::kGsi1;
  q.partition = "WORKFLOW#w";
  q.sort = SortKeyCondition::Between("a", "z");
  q.forward = false;
  auto binding = internal::CursorBinding::For("memory", q);
  internal::CursorPosition pos{{"RUN#1", "RUN#1"}, "2024-01-01"};
  std::string cursor = signer.Encode(binding, pos);
  ASSERT_OK_AND_ASSIGN(auto back, signer.Decode(binding, cursor));
  EXPECT_EQ(back, pos);

  auto reason = [&](internal::CursorBinding b) {
    auto r = signer.Decode(b, cursor);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  auto b = binding;
  b.table = "sqlite:x";
  EXPECT_NE(reason(b).find("table 'memory', not 'sqlite:x'"), std::string::npos);
  b = binding;
  b.index = Index::kGsi2;
  EXPECT_NE(reason(b).find("index GSI1, not GSI2"), std::string::npos);
  b = binding;
  b.partition = "WORKFLOW#v";
  EXPECT_NE(reason(b).find("another partition"), std::string::npos);
  b = binding;
  b.forward = true;
  EXPECT_NE(reason(b).find("opposite direction"), std::string::npos);
  b = binding;
  b.sort = SortKeyCondition::Between("a", "y");
  EXPECT_NE(reason(b).find("sort-key condition"), std::string::npos);

  auto other = internal::CursorSigner("another").Decode(binding, cursor);
  EXPECT_NE(other.status().message().find("authentication failed"), std::string::npos);
  auto builtin = internal::CursorSigner("").Decode(binding, cursor);
  EXPECT_FALSE(builtin.ok());

  // Every single-bit change of the decoded bytes is detected.
  std::string raw = dynamodb::Base64UrlDecode(cursor).value();
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = raw;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      EXPECT_FALSE(signer.Decode(binding, dynamodb::Base64UrlEncode(t)).ok()) << i << ":" << bit;
    }
  }
}

// ---- Paging ------------------------------------------------------------------------------------

TEST(PagingTest, SortKeyPositions) {
  using P = internal::RangePosition;
  auto pos = [](std::optional<SortKeyCondition> c, const char* sk) {
    return internal::SortKeyPosition(c, sk);
  };
  EXPECT_EQ(pos(std::nullopt, "x"), P::kInside);
  EXPECT_EQ(pos(SortKeyCondition::Eq("b"), "a"), P::kBefore);
  EXPECT_EQ(pos(SortKeyCondition::Eq("b"), "b"), P::kInside);
  EXPECT_EQ(pos(SortKeyCondition::Eq("b"), "b0"), P::kAfter);
  EXPECT_EQ(pos(SortKeyCondition::BeginsWith("ab"), "aa"), P::kBefore);
  EXPECT_EQ(pos(SortKeyCondition::BeginsWith("ab"), "ab"), P::kInside);
  EXPECT_EQ(pos(SortKeyCondition::BeginsWith("ab"), "abz"), P::kInside);
  EXPECT_EQ(pos(SortKeyCondition::BeginsWith("ab"), "ac"), P::kAfter);
  EXPECT_EQ(pos(SortKeyCondition::Between("b", "d"), "a"), P::kBefore);
  EXPECT_EQ(pos(SortKeyCondition::Between("b", "d"), "d"), P::kInside);
  EXPECT_EQ(pos(SortKeyCondition::Between("b", "d"), "d0"), P::kAfter);
  EXPECT_EQ(pos(SortKeyCondition::Lt("b"), "b"), P::kAfter);
  EXPECT_EQ(pos(SortKeyCondition::Le("b"), "b"), P::kInside);
  EXPECT_EQ(pos(SortKeyCondition::Gt("b"), "b"), P::kBefore);
  EXPECT_EQ(pos(SortKeyCondition::Ge("b"), "b"), P::kInside);
  // Byte order: bytes >= 0x80 sort after ASCII.
  EXPECT_EQ(pos(SortKeyCondition::Lt("z"), "\xc3\xa9"), P::kAfter);
}

TEST(PagingTest, RangeBounds) {
  EXPECT_EQ(internal::PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(internal::PrefixSuccessor("a\xff"), "b");
  EXPECT_EQ(internal::PrefixSuccessor("\xff\xff"), std::nullopt);
  EXPECT_EQ(internal::PrefixSuccessor(""), std::nullopt);
  EXPECT_EQ(internal::RangeStart(SortKeyCondition::Gt("b")), std::string("b\0", 2));
  EXPECT_EQ(internal::RangeStart(SortKeyCondition::Lt("b")), std::nullopt);
  EXPECT_EQ(internal::RangeEnd(SortKeyCondition::Le("b")), std::string("b\0", 2));
  EXPECT_EQ(internal::RangeEnd(SortKeyCondition::Lt("b")), "b");
  EXPECT_EQ(internal::RangeEnd(SortKeyCondition::BeginsWith("ab")), "ac");
  EXPECT_EQ(internal::RangeEnd(SortKeyCondition::Between("a", "c")), std::string("c\0", 2));
  EXPECT_EQ(internal::RangeEnd(SortKeyCondition::Ge("b")), std::nullopt);
}

TEST(PagingTest, PageAssemblerLimits) {
  using Verdict = internal::PageAssembler::Verdict;
  TimePoint now = FromUnixMillis(1'700'000'000'000);
  Item big = MakeItem("p", "s", {{"d", V::S(std::string(400 * 1024 - 10, 'x'))}});
  ASSERT_LE(ItemSizeBytes(big), kMaxItemBytes);
  internal::PageAssembler page(100, now);
  EXPECT_EQ(page.Offer(big), Verdict::kTaken);
  EXPECT_EQ(page.Offer(big), Verdict::kTaken);
  EXPECT_FALSE(page.full());
  EXPECT_EQ(page.Offer(big), Verdict::kFull) << "a third 400 KB item would pass 1 MB";
  EXPECT_TRUE(page.full());
  EXPECT_EQ(page.items().size(), 2u);
  EXPECT_LE(page.bytes(), kMaxPageBytes);

  internal::PageAssembler limited(2, now);
  Item expired = MakeItem("p", "e", {{kTtl, V::N("1")}});
  EXPECT_EQ(limited.Offer(expired), Verdict::kSkipped);
  EXPECT_EQ(limited.Offer(MakeItem("p", "a")), Verdict::kTaken);
  EXPECT_FALSE(limited.full());
  EXPECT_EQ(limited.Offer(MakeItem("p", "b")), Verdict::kTaken);
  EXPECT_TRUE(limited.full());
  EXPECT_EQ(limited.TakeItems().size(), 2u);
}

}  // namespace
}  // namespace dynaflow::table
