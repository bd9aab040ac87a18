// Rendering of typed conditions, updates and key conditions to DynamoDB expressions: exact
// strings, and exactly the placeholders used.
#include "dynaflow/store/table/internal/dynamodb_render.h"

#include <gtest/gtest.h>

#include "tests/support/table_conformance.h"

namespace dynaflow::table::internal {
namespace {

using V = AttributeValue;
using Names = std::map<std::string, std::string>;

TEST(DynamoDbRenderTest, ExistsAndNotExists) {
  ExpressionBuilder b;
  EXPECT_EQ(b.Condition(Condition::Exists("PK")), "attribute_exists(#n0)");
  EXPECT_EQ(b.Condition(Condition::NotExists("status")), "attribute_not_exists(#n1)");
  EXPECT_EQ(b.attributes().names, (Names{{"#n0", "PK"}, {"#n1", "status"}}));
  EXPECT_TRUE(b.attributes().values.empty()) << "no value placeholder when none is used";
}

TEST(DynamoDbRenderTest, EveryComparison) {
  struct Case {
    Condition c;
    std::string want;
  };
  std::vector<Case> cases = {
      {Condition::Eq("a", V::S("x")), "#n0 = :v0"},
      {Condition::Ne("a", V::S("x")), "#n0 <> :v0"},
      {Condition::Lt("a", V::N("1")), "#n0 < :v0"},
      {Condition::Le("a", V::N("1")), "#n0 <= :v0"},
      {Condition::Gt("a", V::B("\x01")), "#n0 > :v0"},
      {Condition::Ge("a", V::S("x")), "#n0 >= :v0"},
  };
  for (const Case& tc : cases) {
    ExpressionBuilder b;
    EXPECT_EQ(b.Condition(tc.c), tc.want);
    EXPECT_EQ(b.attributes().names, (Names{{"#n0", "a"}}));
    ASSERT_EQ(b.attributes().values.size(), 1u);
    EXPECT_EQ(b.attributes().values.at(":v0"), tc.c.value());
  }
}

TEST(DynamoDbRenderTest, BeginsWithStringAndBytes) {
  ExpressionBuilder b;
  EXPECT_EQ(b.Condition(Condition::BeginsWith("SK", "STEP#")), "begins_with(#n0, :v0)");
  EXPECT_EQ(b.Condition(Condition::BeginsWithBytes("blob", std::string("\0\1", 2))),
            "begins_with(#n1, :v1)");
  EXPECT_EQ(b.attributes().values.at(":v0"), V::S("STEP#"));
  EXPECT_EQ(b.attributes().values.at(":v1"), V::B(std::string("\0\1", 2)));
}

TEST(DynamoDbRenderTest, JunctionsAreParenthesisedWhenNested) {
  ExpressionBuilder b;
  Condition c = (Condition::NotExists("PK") || Condition::Eq("version", V::N("3"))) &&
                !Condition::BeginsWith("state", "DONE");
  EXPECT_EQ(b.Condition(c),
            "(attribute_not_exists(#n0) OR #n1 = :v0) AND NOT (begins_with(#n2, :v1))");
  EXPECT_EQ(b.attributes().names, (Names{{"#n0", "PK"}, {"#n1", "version"}, {"#n2", "state"}}));
  EXPECT_EQ(b.attributes().values.size(), 2u);

  ExpressionBuilder flat;
  EXPECT_EQ(flat.Condition(Condition::Exists("a") && Condition::Exists("b")),
            "attribute_exists(#n0) AND attribute_exists(#n1)");
  ExpressionBuilder or_of_and;
  EXPECT_EQ(or_of_and.Condition((Condition::Exists("a") && Condition::Exists("b")) ||
                                !(Condition::Exists("c") || Condition::Exists("d"))),
            "(attribute_exists(#n0) AND attribute_exists(#n1)) OR "
            "NOT (attribute_exists(#n2) OR attribute_exists(#n3))");
}

TEST(DynamoDbRenderTest, NamesAndEqualValuesShareOnePlaceholder) {
  ExpressionBuilder b;
  Condition c = (Condition::Gt("n", V::N("5")) && Condition::Lt("n", V::N("10"))) ||
                Condition::Eq("m", V::N("5"));
  EXPECT_EQ(b.Condition(c), "(#n0 > :v0 AND #n0 < :v1) OR #n1 = :v0");
  EXPECT_EQ(b.attributes().names, (Names{{"#n0", "n"}, {"#n1", "m"}}));
  EXPECT_EQ(b.attributes().values.size(), 2u);
  // Equal text only: "5.0" is another value (DynamoDB compares them numerically anyway).
  EXPECT_EQ(b.Value(V::N("5.0")), ":v2");
  EXPECT_EQ(b.Value(V::S("5")), ":v3") << "an S is not the N of the same text";
}

TEST(DynamoDbRenderTest, ReservedWordsAndOddNamesOnlyAppearInTheNameMap) {
  ExpressionBuilder b;
  std::string expr = b.Condition(Condition::Exists("status") && Condition::Exists("a.b") &&
                                 Condition::Exists("#x y"));
  EXPECT_EQ(expr, "(attribute_exists(#n0) AND attribute_exists(#n1)) AND attribute_exists(#n2)");
  EXPECT_EQ(b.attributes().names, (Names{{"#n0", "status"}, {"#n1", "a.b"}, {"#n2", "#x y"}}));
}

TEST(DynamoDbRenderTest, UpdateSetAddRemove) {
  ExpressionBuilder b;
  Update u;
  u.Set("status", V::S("DONE")).Add("version", 1).Remove("lease").Add("count", -3).Remove("x");
  EXPECT_EQ(b.Update(u),
            "SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v2, "
            "#n3 = if_not_exists(#n3, :v1) + :v3 REMOVE #n2, #n4");
  EXPECT_EQ(b.attributes().names, (Names{{"#n0", "status"},
                                         {"#n1", "version"},
                                         {"#n2", "lease"},
                                         {"#n3", "count"},
                                         {"#n4", "x"}}));
  EXPECT_EQ(b.attributes().values.size(), 4u);
  EXPECT_EQ(b.attributes().values.at(":v0"), V::S("DONE"));
  EXPECT_EQ(b.attributes().values.at(":v1"), V::N("0"));
  EXPECT_EQ(b.attributes().values.at(":v2"), V::N("1"));
  EXPECT_EQ(b.attributes().values.at(":v3"), V::N("-3"));
}

TEST(DynamoDbRenderTest, UpdateOnlyRemoveOrEmpty) {
  ExpressionBuilder b;
  Update remove;
  remove.Remove("a").Remove("b");
  EXPECT_EQ(b.Update(remove), "REMOVE #n0, #n1");
  EXPECT_TRUE(b.attributes().values.empty());

  ExpressionBuilder empty;
  EXPECT_EQ(empty.Update(Update()), "");
  EXPECT_TRUE(empty.attributes().names.empty());
  EXPECT_TRUE(empty.attributes().values.empty());
}

TEST(DynamoDbRenderTest, UpdateAndConditionShareTheBuilder) {
  ExpressionBuilder b;
  Update u;
  u.Set("version", V::N("4")).Set("state", V::S("RUNNING"));
  EXPECT_EQ(b.Update(u), "SET #n0 = :v0, #n1 = :v1");
  EXPECT_EQ(b.Condition(Condition::Eq("version", V::N("3")) && Condition::Exists("PK")),
            "#n0 = :v2 AND attribute_exists(#n2)");
  dynamodb::ExpressionAttributes taken = b.Take();
  EXPECT_EQ(taken.names, (Names{{"#n0", "version"}, {"#n1", "state"}, {"#n2", "PK"}}));
  EXPECT_EQ(taken.values.size(), 3u);
}

TEST(DynamoDbRenderTest, KeyConditions) {
  struct Case {
    Index index;
    std::optional<SortKeyCondition> sort;
    std::string want;
    Names names;
    size_t values;
  };
  std::vector<Case> cases = {
      {Index::kPrimary, std::nullopt, "#n0 = :v0", {{"#n0", "PK"}}, 1},
      {Index::kPrimary, SortKeyCondition::Eq("A"), "#n0 = :v0 AND #n1 = :v1",
       Names{{"#n0", "PK"}, {"#n1", "SK"}}, 2},
      {Index::kGsi1, SortKeyCondition::BeginsWith("STEP#"), "#n0 = :v0 AND begins_with(#n1, :v1)",
       Names{{"#n0", "GSI1PK"}, {"#n1", "GSI1SK"}}, 2},
      {Index::kGsi2, SortKeyCondition::Between("a", "b"), "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2",
       Names{{"#n0", "GSI2PK"}, {"#n1", "GSI2SK"}}, 3},
      {Index::kPrimary, SortKeyCondition::Lt("x"), "#n0 = :v0 AND #n1 < :v1",
       Names{{"#n0", "PK"}, {"#n1", "SK"}}, 2},
      {Index::kPrimary, SortKeyCondition::Le("x"), "#n0 = :v0 AND #n1 <= :v1",
       Names{{"#n0", "PK"}, {"#n1", "SK"}}, 2},
      {Index::kPrimary, SortKeyCondition::Gt("x"), "#n0 = :v0 AND #n1 > :v1",
       Names{{"#n0", "PK"}, {"#n1", "SK"}}, 2},
      {Index::kPrimary, SortKeyCondition::Ge("x"), "#n0 = :v0 AND #n1 >= :v1",
       Names{{"#n0", "PK"}, {"#n1", "SK"}}, 2},
  };
  for (const Case& tc : cases) {
    ExpressionBuilder b;
    EXPECT_EQ(b.KeyCondition(tc.index, "P", tc.sort), tc.want);
    EXPECT_EQ(b.attributes().names, tc.names) << tc.want;
    EXPECT_EQ(b.attributes().values.size(), tc.values) << tc.want;
    EXPECT_EQ(b.attributes().values.at(":v0"), V::S("P"));
  }
  ExpressionBuilder between;
  between.KeyCondition(Index::kPrimary, "P", SortKeyCondition::Between("lo", "hi"));
  EXPECT_EQ(between.attributes().values.at(":v1"), V::S("lo"));
  EXPECT_EQ(between.attributes().values.at(":v2"), V::S("hi"));
  // A sort value equal to the partition shares its placeholder.
  ExpressionBuilder same;
  EXPECT_EQ(same.KeyCondition(Index::kPrimary, "P", SortKeyCondition::Eq("P")),
            "#n0 = :v0 AND #n1 = :v0");
}

TEST(DynamoDbRenderTest, NotExpiredFilterAfterKeyCondition) {
  ExpressionBuilder b;
  EXPECT_EQ(b.KeyCondition(Index::kGsi1, "G", std::nullopt), "#n0 = :v0");
  EXPECT_EQ(b.NotExpired(1704067200), "NOT (#n1 <= :v1)");
  EXPECT_EQ(b.attributes().names, (Names{{"#n0", "GSI1PK"}, {"#n1", "ttl"}}));
  EXPECT_EQ(b.attributes().values.at(":v1"), V::N("1704067200"));
}

}  // namespace
}  // namespace dynaflow::table::internal
