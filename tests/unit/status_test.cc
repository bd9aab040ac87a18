#include "dynaflow/model/status.h"

#include <gtest/gtest.h>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"
#include "tests/support/status_matchers.h"

namespace dynaflow {
namespace {

TEST(StatusTest, OkIsCheapAndEmpty) {
  Status s;
  EXPECT_OK(s);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.message(), "");
}

TEST(StatusTest, ErrorCarriesCodeAndContext) {
  Status s = Status::NotFound("run r1").WithContext("GetRun");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: GetRun: run r1");
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  DYNAFLOW_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Result<int> ReturnsOkStatusByMistake() { return Status::OK(); }

TEST(ResultTest, OkStatusIsRejectedAsInternalError) {
  Result<int> r = ReturnsOkStatusByMistake();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().message(), "Result built from an OK Status (return a value or an error)");
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
}

TEST(AttributeValueTest, NumbersStayDecimalStrings) {
  auto n = AttributeValue::N("12345678901234567890123456789012345678");
  EXPECT_EQ(*n.AsN(), "12345678901234567890123456789012345678");
  EXPECT_TRUE(AttributeValue::IsValidNumber("-1.5e10"));
  EXPECT_FALSE(AttributeValue::IsValidNumber("1.2.3"));
  EXPECT_FALSE(AttributeValue::IsValidNumber("123456789012345678901234567890123456789"));
  EXPECT_EQ(AttributeValue::N(int64_t{-42}).AsInt64().value(), -42);
  EXPECT_FALSE(AttributeValue::N("1.5").AsInt64().ok());
}

TEST(AttributeValueTest, DeepCopyAndEquality) {
  AttributeMap inner{{"a", AttributeValue::S("x")}};
  auto m = AttributeValue::M(inner);
  AttributeValue copy = m;
  copy.MutableM()->emplace("b", AttributeValue::Bool(true));
  EXPECT_EQ(m.AsM()->size(), 1u);
  EXPECT_EQ(copy.AsM()->size(), 2u);
  EXPECT_FALSE(m == copy);
  EXPECT_TRUE(m == AttributeValue::M(inner));
}

TEST(AttributeValueTest, SizesCountLikeDynamoDB) {
  Item item{{"PK", AttributeValue::S("RUN#1")}, {"n", AttributeValue::N("12345")}};
  // "PK"(2) + "RUN#1"(5) + "n"(1) + number with 5 significant digits: 3 + 1.
  EXPECT_EQ(ItemSizeBytes(item), 2u + 5u + 1u + 4u);
}

}  // namespace
}  // namespace dynaflow
