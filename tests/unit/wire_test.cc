// The DynamoDB JSON wire format: attribute values, request bodies, response parsing, malformed
// input and error responses.
#include "dynaflow/store/dynamodb/client/wire.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

// Parses both texts and compares them as JSON values (object member order does not matter).
::testing::AssertionResult SameJson(const std::string& actual, const std::string& expected) {
  rapidjson::Document a, e;
  a.Parse(actual.data(), actual.size());
  e.Parse(expected.data(), expected.size());
  if (a.HasParseError()) return ::testing::AssertionFailure() << "actual is not JSON: " << actual;
  if (e.HasParseError()) {
    return ::testing::AssertionFailure() << "expected is not JSON: " << expected;
  }
  if (a == e) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\n  actual:   " << actual << "\n  expected: " << expected;
}

::testing::AssertionResult IsSerializationError(const Status& s, const std::string& needle = "") {
  if (s.ok()) return ::testing::AssertionFailure() << "unexpected OK";
  if (s.code() != StatusCode::kSerialization) {
    return ::testing::AssertionFailure() << "wrong code: " << s;
  }
  if (!needle.empty() && s.message().find(needle) == std::string::npos) {
    return ::testing::AssertionFailure() << "'" << s.message() << "' lacks '" << needle << "'";
  }
  return ::testing::AssertionSuccess();
}

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

Item SampleItem() {
  static constexpr char kText[] = "quote\" backslash\\ nul\0 tab\t \xC3\xA9 \xE2\x82\xAC";
  AttributeMap inner = {{"x", AttributeValue::NS({"1", "-2.5", "3e10"})},
                        {"flag", AttributeValue::Bool(false)}};
  return Item{
      {"PK", AttributeValue::S("RUN#1")},
      {"SK", AttributeValue::S("STEP#a")},
      {"version", AttributeValue::N("12345678901234567890123456789012345678")},
      {"small", AttributeValue::N("-0.000000000000000000000000000000000000001")},
      {"text", AttributeValue::S(std::string(kText, sizeof(kText) - 1))},
      {"blob", AttributeValue::B(AllBytes())},
      {"empty_blob", AttributeValue::B("")},
      {"done", AttributeValue::Bool(true)},
      {"nothing", AttributeValue::Null()},
      {"tags", AttributeValue::SS({"a", "b"})},
      {"blobs", AttributeValue::BS({std::string("\0\1", 2), "\xff"})},
      {"payload",
       AttributeValue::M({{"inner", AttributeValue::M(inner)},
                          {"list", AttributeValue::L({AttributeValue::S("s"), AttributeValue::N(7),
                                                      AttributeValue::L({AttributeValue::Null()}),
                                                      AttributeValue::M({})})}})},
      {"empty_list", AttributeValue::L({})},
  };
}

// ---- Attribute values --------------------------------------------------------------------

TEST(WireValuesTest, RoundTripsEveryType) {
  Item item = SampleItem();
  std::string json = ItemToJson(item);
  Item back;
  ASSERT_OK(ItemFromJson(json, &back)) << json;
  EXPECT_EQ(back, item);
  for (const auto& [name, value] : item) {
    AttributeValue v;
    ASSERT_OK(AttributeValueFromJson(AttributeValueToJson(value), &v)) << name;
    EXPECT_EQ(v, value) << name;
  }
}

TEST(WireValuesTest, WritesDynamoDbJson) {
  EXPECT_TRUE(SameJson(AttributeValueToJson(AttributeValue::S("a")), R"({"S":"a"})"));
  EXPECT_TRUE(
      SameJson(AttributeValueToJson(AttributeValue::N("12345678901234567890123456789012345678")),
               R"({"N":"12345678901234567890123456789012345678"})"));
  EXPECT_TRUE(SameJson(AttributeValueToJson(AttributeValue::B(std::string("\x00\xff", 2))),
                       R"({"B":"AP8="})"));
  EXPECT_TRUE(SameJson(AttributeValueToJson(AttributeValue::Bool(true)), R"({"BOOL":true})"));
  EXPECT_TRUE(SameJson(AttributeValueToJson(AttributeValue::Null()), R"({"NULL":true})"));
  EXPECT_TRUE(
      SameJson(AttributeValueToJson(AttributeValue::SS({"x", "y"})), R"({"SS":["x","y"]})"));
  EXPECT_TRUE(
      SameJson(AttributeValueToJson(AttributeValue::NS({"1", "2.5"})), R"({"NS":["1","2.5"]})"));
  EXPECT_TRUE(
      SameJson(AttributeValueToJson(AttributeValue::BS({"f", "fo"})), R"({"BS":["Zg==","Zm8="]})"));
  EXPECT_TRUE(SameJson(AttributeValueToJson(AttributeValue::L({AttributeValue::N(1)})),
                       R"({"L":[{"N":"1"}]})"));
  EXPECT_TRUE(SameJson(AttributeValueToJson(AttributeValue::M(
                           {{"a", AttributeValue::M({{"b", AttributeValue::S("c")}})}})),
                       R"({"M":{"a":{"M":{"b":{"S":"c"}}}}})"));
  // Control bytes and NUL are escaped; the result is valid JSON that restores them.
  std::string nul_text = AttributeValueToJson(AttributeValue::S(std::string("a\0\x01\"", 4)));
  EXPECT_EQ(nul_text, "{\"S\":\"a\\u0000\\u0001\\\"\"}");
}

// The wire format's string writer copies unescaped runs in bulk; its output must be exactly what
// rapidjson's own writer produces, wherever the bytes needing escapes fall.
TEST(WireValuesTest, StringEscapingMatchesRapidjson) {
  std::mt19937 rng(1234);
  const char specials[] = {'"', '\\', '\0', '\n', '\x1f', '\x7f', '\x80', '\xff', '/', '\t'};
  for (int round = 0; round < 2000; ++round) {
    size_t len = rng() % 70;
    std::string s(len, 'a');
    for (auto& c : s) {
      c = (rng() % 4 == 0) ? specials[rng() % sizeof(specials)]
                           : static_cast<char>('a' + rng() % 26);
    }
    rapidjson::StringBuffer expected;
    rapidjson::Writer<rapidjson::StringBuffer> w(expected);
    w.StartObject();
    w.Key("S");
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    w.EndObject();
    std::string actual = AttributeValueToJson(AttributeValue::S(s));
    ASSERT_EQ(actual, std::string(expected.GetString(), expected.GetSize())) << round;
    AttributeValue back;
    ASSERT_OK(AttributeValueFromJson(actual, &back));
    ASSERT_EQ(back, AttributeValue::S(s));
  }
  std::string all = AllBytes();
  AttributeValue back;
  ASSERT_OK(AttributeValueFromJson(AttributeValueToJson(AttributeValue::S(all)), &back));
  EXPECT_EQ(back, AttributeValue::S(all));
}

TEST(WireValuesTest, NumbersAreNeverReformatted) {
  for (const char* n :
       {"1e400", "-0", "0.10", "00012", "1E+5", "-12345678901234567890123456789.012345678"}) {
    AttributeValue v;
    std::string json = std::string(R"({"N":")") + n + "\"}";
    ASSERT_OK(AttributeValueFromJson(json, &v)) << n;
    ASSERT_NE(v.AsN(), nullptr);
    EXPECT_EQ(*v.AsN(), n);
    EXPECT_TRUE(SameJson(AttributeValueToJson(v), json));
  }
}

TEST(WireValuesTest, RejectsMalformedValues) {
  struct Case {
    const char* json;
    const char* needle;
  };
  const Case cases[] = {
      {R"({"S":"a","N":"1"})", "expected exactly one type key, got 2"},
      {R"({})", "expected exactly one type key, got 0"},
      {R"({"X":"a"})", "unknown attribute type 'X'"},
      {R"({"N":"abc"})", "N value is not a number: 'abc'"},
      {R"({"N":"1e"})", "N value is not a number"},
      {R"({"N":"123456789012345678901234567890123456789"})", "N value is not a number"},
      {R"({"N":12})", "N: expected a string, got a number"},
      {R"({"S":1})", "S: expected a string, got a number"},
      {R"({"B":"!!!!"})", "B value is not valid base64"},
      {R"({"B":"Zg="})", "B value is not valid base64"},
      {R"({"BOOL":"true"})", "BOOL: expected a boolean, got a string"},
      {R"({"NULL":false})", "NULL value must be true"},
      {R"({"NULL":"x"})", "NULL: expected a boolean"},
      {R"({"L":{}})", "L: expected an array, got an object"},
      {R"({"M":[]})", "M: expected an object, got an array"},
      {R"({"SS":"a"})", "SS value is a string, expected an array"},
      {R"({"SS":["a",1]})", "SS element 1 is a number"},
      {R"({"NS":["1","2","x"]})", "NS element 2 is not a number: 'x'"},
      {R"({"BS":["Zg==","%%"]})", "BS element 1 is not valid base64"},
      {R"({"M":{"a":{"S":"x"},"b":{"Q":1}}})", "M.b: unknown attribute type 'Q'"},
      {R"({"L":[{"S":"x"},{"N":"y"}]})", "L[1]: N value is not a number"},
      {R"({"M":{"a":{"S":"x"},"a":{"S":"y"}}})", "M: duplicate attribute name 'a'"},
      {R"("S")", "$: expected an attribute value object, got a string"},
      {R"([])", "expected an attribute value object, got an array"},
      {R"({"S":"a"} x)", "invalid JSON"},
  };
  for (const Case& c : cases) {
    AttributeValue v;
    EXPECT_TRUE(IsSerializationError(AttributeValueFromJson(c.json, &v), c.needle)) << c.json;
  }
}

TEST(WireValuesTest, RejectsExcessiveNesting) {
  auto nested = [](int depth) {
    std::string s;
    for (int i = 1; i < depth; ++i) s += R"({"L":[)";
    s += R"({"S":"x"})";
    for (int i = 1; i < depth; ++i) s += "]}";
    return s;
  };
  AttributeValue v;
  EXPECT_OK(AttributeValueFromJson(nested(kMaxNestingDepth), &v));
  EXPECT_TRUE(IsSerializationError(AttributeValueFromJson(nested(kMaxNestingDepth + 1), &v),
                                   "nested deeper than"));
  // Far deeper than any stack could recurse: the iterative parser and the depth limit hold.
  EXPECT_TRUE(IsSerializationError(AttributeValueFromJson(nested(200000), &v)));
  std::string brackets(1000000, '[');
  EXPECT_TRUE(IsSerializationError(AttributeValueFromJson(brackets, &v), "invalid JSON"));
}

TEST(WireValuesTest, ItemErrorsNameThePath) {
  Item item;
  EXPECT_TRUE(
      IsSerializationError(ItemFromJson(R"({"a":{"M":{"b":{"L":[{"S":"x"},{"BOOL":1}]}}}})", &item),
                           "a.M.b.L[1].BOOL: expected a boolean, got a number"));
  EXPECT_TRUE(IsSerializationError(ItemFromJson(R"(["a"])", &item), "$: expected an object"));
}

// ---- Request bodies ----------------------------------------------------------------------

TEST(WireRequestTest, GetItemMinimalSendsNoOptionalFields) {
  GetItemRequest r;
  r.table_name = "t";
  r.key = {{"PK", AttributeValue::S("a")}, {"SK", AttributeValue::S("b")}};
  EXPECT_TRUE(SameJson(ToJson(r), R"({"TableName":"t","Key":{"PK":{"S":"a"},"SK":{"S":"b"}}})"));
}

TEST(WireRequestTest, GetItemWithEveryOption) {
  GetItemRequest r;
  r.table_name = "t";
  r.key = {{"PK", AttributeValue::S("a")}};
  r.consistent_read = true;
  r.projection_expression = "#s, PK";
  r.expression_attribute_names = {{"#s", "status"}};
  r.return_consumed_capacity = ReturnConsumedCapacity::kTotal;
  EXPECT_TRUE(SameJson(ToJson(r), R"({"TableName":"t","Key":{"PK":{"S":"a"}},
      "ConsistentRead":true,"ProjectionExpression":"#s, PK",
      "ExpressionAttributeNames":{"#s":"status"},"ReturnConsumedCapacity":"TOTAL"})"));
}

TEST(WireRequestTest, PutItemWithConditionAndReturnValues) {
  PutItemRequest r;
  r.table_name = "wf";
  r.item = {{"PK", AttributeValue::S("RUN#1")}, {"version", AttributeValue::N(3)}};
  r.condition_expression = "#v = :v";
  r.expression_attributes.names = {{"#v", "version"}};
  r.expression_attributes.values = {{":v", AttributeValue::N(2)}};
  r.return_values = ReturnValues::kAllOld;
  r.return_old_item_on_condition_failure = true;
  r.return_consumed_capacity = ReturnConsumedCapacity::kIndexes;
  EXPECT_TRUE(SameJson(ToJson(r), R"({"TableName":"wf",
      "Item":{"PK":{"S":"RUN#1"},"version":{"N":"3"}},
      "ConditionExpression":"#v = :v",
      "ExpressionAttributeNames":{"#v":"version"},
      "ExpressionAttributeValues":{":v":{"N":"2"}},
      "ReturnValues":"ALL_OLD",
      "ReturnValuesOnConditionCheckFailure":"ALL_OLD",
      "ReturnConsumedCapacity":"INDEXES"})"));
}

TEST(WireRequestTest, PutItemOmitsEmptyExpressionMaps) {
  PutItemRequest r;
  r.table_name = "wf";
  r.item = {{"PK", AttributeValue::S("x")}};
  r.condition_expression = "attribute_not_exists(PK)";
  EXPECT_TRUE(SameJson(ToJson(r), R"j({"TableName":"wf","Item":{"PK":{"S":"x"}},
      "ConditionExpression":"attribute_not_exists(PK)"
})j"));
}

TEST(WireRequestTest, UpdateAndDeleteItem) {
  UpdateItemRequest u;
  u.table_name = "t";
  u.key = {{"PK", AttributeValue::S("a")}};
  u.update_expression = "SET #s = :s ADD #v :one";
  u.condition_expression = "#v = :old";
  u.expression_attributes.names = {{"#s", "status"}, {"#v", "version"}};
  u.expression_attributes.values = {{":s", AttributeValue::S("DONE")},
                                    {":one", AttributeValue::N(1)},
                                    {":old", AttributeValue::N(4)}};
  u.return_values = ReturnValues::kUpdatedNew;
  EXPECT_TRUE(SameJson(ToJson(u), R"({"TableName":"t","Key":{"PK":{"S":"a"}},
      "UpdateExpression":"SET #s = :s ADD #v :one","ConditionExpression":"#v = :old",
      "ExpressionAttributeNames":{"#s":"status","#v":"version"},
      "ExpressionAttributeValues":{":s":{"S":"DONE"},":one":{"N":"1"},":old":{"N":"4"}},
      "ReturnValues":"UPDATED_NEW"})"));

  DeleteItemRequest d;
  d.table_name = "t";
  d.key = {{"PK", AttributeValue::S("a")}};
  d.return_values = ReturnValues::kAllOld;
  d.return_old_item_on_condition_failure = true;
  d.condition_expression = "attribute_exists(PK)";
  EXPECT_TRUE(SameJson(ToJson(d), R"j({"TableName":"t","Key":{"PK":{"S":"a"}},
      "ConditionExpression":"attribute_exists(PK)","ReturnValues":"ALL_OLD",
      "ReturnValuesOnConditionCheckFailure":"ALL_OLD"
})j"));
}

TEST(WireRequestTest, QueryWithExclusiveStartKey) {
  QueryRequest q;
  q.table_name = "wf";
  q.index_name = "GSI1";
  q.key_condition_expression = "GSI1PK = :pk AND begins_with(GSI1SK, :p)";
  q.filter_expression = "#t > :now";
  q.projection_expression = "PK, SK";
  q.expression_attributes.names = {{"#t", "ttl"}};
  q.expression_attributes.values = {{":pk", AttributeValue::S("WORKFLOW#w")},
                                    {":p", AttributeValue::S("2024")},
                                    {":now", AttributeValue::N(1700000000)}};
  q.scan_index_forward = false;
  q.limit = 25;
  q.exclusive_start_key = Item{{"PK", AttributeValue::S("RUN#9")},
                               {"SK", AttributeValue::S("RUN#9")},
                               {"GSI1PK", AttributeValue::S("WORKFLOW#w")},
                               {"GSI1SK", AttributeValue::S("2024-01-01")}};
  q.return_consumed_capacity = ReturnConsumedCapacity::kTotal;
  EXPECT_TRUE(SameJson(ToJson(q), R"j({"TableName":"wf","IndexName":"GSI1",
      "KeyConditionExpression":"GSI1PK = :pk AND begins_with(GSI1SK, :p)",
      "FilterExpression":"#t > :now","ProjectionExpression":"PK, SK",
      "ExpressionAttributeNames":{"#t":"ttl"},
      "ExpressionAttributeValues":{":pk":{"S":"WORKFLOW#w"},":p":{"S":"2024"},
                                   ":now":{"N":"1700000000"}},
      "ScanIndexForward":false,"Limit":25,
      "ExclusiveStartKey":{"PK":{"S":"RUN#9"},"SK":{"S":"RUN#9"},"GSI1PK":{"S":"WORKFLOW#w"},
                           "GSI1SK":{"S":"2024-01-01"}},
      "ReturnConsumedCapacity":"TOTAL"
})j"));

  QueryRequest minimal;
  minimal.table_name = "wf";
  minimal.key_condition_expression = "PK = :pk";
  minimal.expression_attributes.values = {{":pk", AttributeValue::S("RUN#1")}};
  minimal.consistent_read = true;
  EXPECT_TRUE(SameJson(ToJson(minimal), R"({"TableName":"wf","KeyConditionExpression":"PK = :pk",
      "ExpressionAttributeValues":{":pk":{"S":"RUN#1"}},"ConsistentRead":true})"));
}

TEST(WireRequestTest, ScanWithSegments) {
  ScanRequest s;
  s.table_name = "wf";
  s.filter_expression = "attribute_exists(#t)";
  s.expression_attributes.names = {{"#t", "ttl"}};
  s.limit = 100;
  s.segment = 2;
  s.total_segments = 4;
  s.exclusive_start_key = Item{{"PK", AttributeValue::S("a")}, {"SK", AttributeValue::S("b")}};
  EXPECT_TRUE(SameJson(ToJson(s), R"j({"TableName":"wf","FilterExpression":"attribute_exists(#t)",
      "ExpressionAttributeNames":{"#t":"ttl"},"Limit":100,
      "ExclusiveStartKey":{"PK":{"S":"a"},"SK":{"S":"b"}},"Segment":2,"TotalSegments":4
})j"));
}

TEST(WireRequestTest, BatchGetAndBatchWrite) {
  BatchGetItemRequest g;
  KeysAndAttributes& k = g.request_items["wf"];
  k.keys = {{{"PK", AttributeValue::S("a")}, {"SK", AttributeValue::S("a")}},
            {{"PK", AttributeValue::S("b")}, {"SK", AttributeValue::S("b")}}};
  k.consistent_read = true;
  k.projection_expression = "#d";
  k.expression_attribute_names = {{"#d", "data"}};
  g.request_items["other"].keys = {{{"id", AttributeValue::N(1)}}};
  g.return_consumed_capacity = ReturnConsumedCapacity::kTotal;
  EXPECT_TRUE(SameJson(ToJson(g), R"({"RequestItems":{
      "wf":{"Keys":[{"PK":{"S":"a"},"SK":{"S":"a"}},{"PK":{"S":"b"},"SK":{"S":"b"}}],
            "ConsistentRead":true,"ProjectionExpression":"#d",
            "ExpressionAttributeNames":{"#d":"data"}},
      "other":{"Keys":[{"id":{"N":"1"}}]}},
      "ReturnConsumedCapacity":"TOTAL"})"));

  BatchWriteItemRequest w;
  WriteRequest put;
  put.put_item = Item{{"PK", AttributeValue::S("a")}, {"n", AttributeValue::N(1)}};
  WriteRequest del;
  del.delete_key = Item{{"PK", AttributeValue::S("b")}};
  w.request_items["wf"] = {put, del};
  EXPECT_TRUE(SameJson(ToJson(w), R"({"RequestItems":{"wf":[
      {"PutRequest":{"Item":{"PK":{"S":"a"},"n":{"N":"1"}}}},
      {"DeleteRequest":{"Key":{"PK":{"S":"b"}}}}]}})"));
}

TEST(WireRequestTest, TransactWriteItemsWithAllFourKindsAndToken) {
  TransactWriteItemsRequest r;
  TransactConditionCheck check;
  check.table_name = "wf";
  check.key = {{"PK", AttributeValue::S("RUN#1")}, {"SK", AttributeValue::S("RUN#1")}};
  check.condition_expression = "#e = :e";
  check.expression_attributes.names = {{"#e", "epoch"}};
  check.expression_attributes.values = {{":e", AttributeValue::N(7)}};
  check.return_old_item_on_condition_failure = true;
  TransactPut put;
  put.table_name = "wf";
  put.item = {{"PK", AttributeValue::S("RUN#1")},
              {"SK", AttributeValue::S("OUTPUT#s")},
              {"data", AttributeValue::B("\x01\x02")}};
  put.condition_expression = "attribute_not_exists(PK)";
  TransactDelete del;
  del.table_name = "wf";
  del.key = {{"PK", AttributeValue::S("RUN#1")}, {"SK", AttributeValue::S("STATE#k")}};
  TransactUpdate upd;
  upd.table_name = "wf";
  upd.key = {{"PK", AttributeValue::S("RUN#1")}, {"SK", AttributeValue::S("STEP#s")}};
  upd.update_expression = "SET #st = :done";
  upd.condition_expression = "#st = :running";
  upd.expression_attributes.names = {{"#st", "status"}};
  upd.expression_attributes.values = {{":done", AttributeValue::S("DONE")},
                                      {":running", AttributeValue::S("RUNNING")}};
  r.transact_items = {check, put, del, upd};
  r.client_request_token = "0b7e4c1a-1a2b-4c3d-8e9f-001122334455";
  r.return_consumed_capacity = ReturnConsumedCapacity::kTotal;
  EXPECT_TRUE(SameJson(ToJson(r), R"j({"TransactItems":[
      {"ConditionCheck":{"TableName":"wf","Key":{"PK":{"S":"RUN#1"},"SK":{"S":"RUN#1"}},
          "ConditionExpression":"#e = :e","ExpressionAttributeNames":{"#e":"epoch"},
          "ExpressionAttributeValues":{":e":{"N":"7"}},
          "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
      {"Put":{"TableName":"wf","Item":{"PK":{"S":"RUN#1"},"SK":{"S":"OUTPUT#s"},
          "data":{"B":"AQI="}},"ConditionExpression":"attribute_not_exists(PK)"
}
},
      {"Delete":{"TableName":"wf","Key":{"PK":{"S":"RUN#1"},"SK":{"S":"STATE#k"}}}},
      {"Update":{"TableName":"wf","Key":{"PK":{"S":"RUN#1"},"SK":{"S":"STEP#s"}},
          "UpdateExpression":"SET #st = :done","ConditionExpression":"#st = :running",
          "ExpressionAttributeNames":{"#st":"status"},
          "ExpressionAttributeValues":{":done":{"S":"DONE"},":running":{"S":"RUNNING"}}}}],
      "ClientRequestToken":"0b7e4c1a-1a2b-4c3d-8e9f-001122334455",
      "ReturnConsumedCapacity":"TOTAL"
})j"));
}

TEST(WireRequestTest, TransactGetItems) {
  TransactGetItemsRequest r;
  TransactGetItem a;
  a.table_name = "wf";
  a.key = {{"PK", AttributeValue::S("x")}};
  TransactGetItem b;
  b.table_name = "wf";
  b.key = {{"PK", AttributeValue::S("y")}};
  b.projection_expression = "#v";
  b.expression_attribute_names = {{"#v", "version"}};
  r.transact_items = {a, b};
  EXPECT_TRUE(SameJson(ToJson(r), R"({"TransactItems":[
      {"Get":{"TableName":"wf","Key":{"PK":{"S":"x"}}}},
      {"Get":{"TableName":"wf","Key":{"PK":{"S":"y"}},"ProjectionExpression":"#v",
              "ExpressionAttributeNames":{"#v":"version"}}}]})"));
}

TEST(WireRequestTest, CreateTableWithIndexes) {
  CreateTableRequest r;
  r.table_name = "wf";
  r.attribute_definitions = {{"PK", "S"}, {"SK", "S"}, {"GSI1PK", "S"}, {"GSI1SK", "S"}};
  r.key_schema = {{"PK", "HASH"}, {"SK", "RANGE"}};
  GlobalSecondaryIndex gsi;
  gsi.index_name = "GSI1";
  gsi.key_schema = {{"GSI1PK", "HASH"}, {"GSI1SK", "RANGE"}};
  gsi.projection.projection_type = "INCLUDE";
  gsi.projection.non_key_attributes = {"status", "ttl"};
  gsi.provisioned_throughput = ProvisionedThroughput{5, 6};
  r.global_secondary_indexes = {gsi};
  r.billing_mode = "PROVISIONED";
  r.provisioned_throughput = ProvisionedThroughput{10, 20};
  EXPECT_TRUE(SameJson(ToJson(r), R"({"TableName":"wf",
      "AttributeDefinitions":[{"AttributeName":"PK","AttributeType":"S"},
          {"AttributeName":"SK","AttributeType":"S"},{"AttributeName":"GSI1PK","AttributeType":"S"},
          {"AttributeName":"GSI1SK","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"PK","KeyType":"HASH"},{"AttributeName":"SK","KeyType":"RANGE"}],
      "GlobalSecondaryIndexes":[{"IndexName":"GSI1",
          "KeySchema":[{"AttributeName":"GSI1PK","KeyType":"HASH"},
                       {"AttributeName":"GSI1SK","KeyType":"RANGE"}],
          "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["status","ttl"]},
          "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":6}}],
      "BillingMode":"PROVISIONED",
      "ProvisionedThroughput":{"ReadCapacityUnits":10,"WriteCapacityUnits":20}})"));

  CreateTableRequest on_demand;
  on_demand.table_name = "t";
  on_demand.attribute_definitions = {{"PK", "S"}};
  on_demand.key_schema = {{"PK", "HASH"}};
  EXPECT_TRUE(SameJson(ToJson(on_demand), R"({"TableName":"t",
      "AttributeDefinitions":[{"AttributeName":"PK","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"PK","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})"));
}

TEST(WireRequestTest, TableAndTtlOperations) {
  EXPECT_TRUE(SameJson(ToJson(DescribeTableRequest{"wf"}), R"({"TableName":"wf"})"));
  EXPECT_TRUE(SameJson(ToJson(DeleteTableRequest{"wf"}), R"({"TableName":"wf"})"));
  EXPECT_TRUE(SameJson(ToJson(DescribeTimeToLiveRequest{"wf"}), R"({"TableName":"wf"})"));
  UpdateTimeToLiveRequest ttl{"wf", "ttl", true};
  EXPECT_TRUE(SameJson(ToJson(ttl), R"({"TableName":"wf",
      "TimeToLiveSpecification":{"AttributeName":"ttl","Enabled":true}})"));
  ttl.enabled = false;
  EXPECT_TRUE(SameJson(ToJson(ttl), R"({"TableName":"wf",
      "TimeToLiveSpecification":{"AttributeName":"ttl","Enabled":false}})"));
}

TEST(WireRequestTest, TableNameWithSpecialCharactersIsEscaped) {
  EXPECT_TRUE(SameJson(ToJson(DescribeTableRequest{"a\"b\\c"}), R"({"TableName":"a\"b\\c"})"));
}

// DynamoDB rejects request bodies that are not valid UTF-8; the client checks each body with
// CheckRequestUtf8 before sending. Binary values are base64, so raw bytes there are fine.
TEST(WireRequestTest, CheckRequestUtf8NamesTheInvalidString) {
  const std::string fffd = "\xEF\xBF\xBD";
  PutItemRequest valid;
  valid.table_name = "wf";
  valid.item = SampleItem();  // non-ASCII text, NUL, all 256 bytes as B and BS
  EXPECT_OK(CheckRequestUtf8("PutItem", ToJson(valid)));

  auto put_error = [](Item item) {
    PutItemRequest r;
    r.table_name = "wf";
    r.item = std::move(item);
    r.item["PK"] = AttributeValue::S("RUN#1");
    return CheckRequestUtf8("PutItem", ToJson(r));
  };
  struct Case {
    Status status;
    std::string message;
  };
  UpdateItemRequest u;
  u.table_name = "t";
  u.key = {{"PK", AttributeValue::S("a")}};
  u.update_expression = "SET #s = :s";
  u.expression_attributes.names = {{"#s", "st\xE2\x82"}};
  UpdateItemRequest u2 = u;
  u2.expression_attributes.names = {{"#s", "status"}};
  u2.expression_attributes.values = {{":s", AttributeValue::S("\xED\xA0\x80")}};
  QueryRequest q;
  q.table_name = "t";
  q.key_condition_expression = "PK = :pk";
  q.expression_attributes.values = {{":pk", AttributeValue::S("RUN#1")}};
  q.exclusive_start_key =
      Item{{"PK", AttributeValue::S("RUN#1")}, {"SK", AttributeValue::S("STEP#\xC0\x80")}};
  const Case cases[] = {
      {put_error({{"tags", AttributeValue::M({{"team", AttributeValue::S("ab\xFFz")}})}}),
       "PutItem request: Item.tags.M.team.S: string is not valid UTF-8 (byte 2)"},
      {put_error({{"labels", AttributeValue::SS({"ok", "b\xC3"})}}),
       "PutItem request: Item.labels.SS[1]: string is not valid UTF-8 (byte 1)"},
      {put_error({{"payload", AttributeValue::M({{"k\xFF", AttributeValue::Null()}})}}),
       "PutItem request: Item.payload.M: member name \"k" + fffd +
           "\" is not valid UTF-8 (byte 1)"},
      {put_error({{"n\xF5m", AttributeValue::S("x")}}),
       "PutItem request: Item: member name \"n" + fffd + "m\" is not valid UTF-8 (byte 1)"},
      {CheckRequestUtf8("UpdateItem", ToJson(u)),
       "UpdateItem request: ExpressionAttributeNames.#s: string is not valid UTF-8 (byte 2)"},
      {CheckRequestUtf8("UpdateItem", ToJson(u2)),
       "UpdateItem request: ExpressionAttributeValues.:s.S: string is not valid UTF-8 (byte 0)"},
      {CheckRequestUtf8("Query", ToJson(q)),
       "Query request: ExclusiveStartKey.SK.S: string is not valid UTF-8 (byte 5)"},
      {CheckRequestUtf8("DescribeTable", ToJson(DescribeTableRequest{"t\x80"})),
       "DescribeTable request: TableName: string is not valid UTF-8 (byte 1)"},
      // Not JSON (cannot be located): the offset in the body.
      {CheckRequestUtf8("GetItem", "{\"a\":\"\xFF"),
       "GetItem request: body is not valid UTF-8 (byte 6)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), StatusCode::kInvalidArgument) << c.status;
    EXPECT_EQ(c.status.message(), c.message);
  }
}

// ---- Responses ---------------------------------------------------------------------------

constexpr char kGetItemBody[] =
    R"({"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"wf"},)"
    R"("Item":{"PK":{"S":"RUN#1"},"SK":{"S":"RUN#1"},"version":{"N":"42"},)"
    R"("payload":{"M":{"x":{"NS":["1","2"]},"b":{"B":"AP8="}}},"tags":{"SS":["a"]}}})";

TEST(WireResponseTest, GetItem) {
  GetItemResponse r;
  ASSERT_OK(ParseResponse(kGetItemBody, &r));
  ASSERT_TRUE(r.item.has_value());
  EXPECT_EQ(*FindAttribute(*r.item, "PK"), AttributeValue::S("RUN#1"));
  EXPECT_EQ(*FindAttribute(*r.item, "version"), AttributeValue::N("42"));
  EXPECT_EQ(*FindAttribute(*r.item, "payload"),
            AttributeValue::M({{"x", AttributeValue::NS({"1", "2"})},
                               {"b", AttributeValue::B(std::string("\x00\xff", 2))}}));
  ASSERT_TRUE(r.consumed_capacity.has_value());
  EXPECT_EQ(r.consumed_capacity->table_name, "wf");
  EXPECT_DOUBLE_EQ(r.consumed_capacity->capacity_units, 0.5);

  GetItemResponse absent;
  absent.item = Item{};  // stale data must be reset
  ASSERT_OK(ParseResponse("{}", &absent));
  EXPECT_FALSE(absent.item.has_value());
  EXPECT_FALSE(absent.consumed_capacity.has_value());
}

TEST(WireResponseTest, PutUpdateDeleteItem) {
  PutItemResponse put;
  ASSERT_OK(ParseResponse("{}", &put));
  EXPECT_FALSE(put.attributes.has_value());
  ASSERT_OK(ParseResponse(R"({"Attributes":{"PK":{"S":"a"},"n":{"N":"1"}},
      "ConsumedCapacity":{"TableName":"wf","CapacityUnits":1.0,"WriteCapacityUnits":1.0}})",
                          &put));
  ASSERT_TRUE(put.attributes.has_value());
  EXPECT_EQ(put.attributes->size(), 2u);
  EXPECT_DOUBLE_EQ(put.consumed_capacity->write_capacity_units, 1.0);

  UpdateItemResponse upd;
  ASSERT_OK(ParseResponse(R"({"Attributes":{"version":{"N":"8"},"status":{"S":"DONE"}}})", &upd));
  EXPECT_EQ(*FindAttribute(*upd.attributes, "version"), AttributeValue::N("8"));

  DeleteItemResponse del;
  ASSERT_OK(ParseResponse(R"({"Attributes":{"PK":{"S":"gone"}},
      "ItemCollectionMetrics":{"ItemCollectionKey":{"PK":{"S":"gone"}},"SizeEstimateRangeGB":[0,1]}})",
                          &del));
  EXPECT_EQ(*FindAttribute(*del.attributes, "PK"), AttributeValue::S("gone"));
}

constexpr char kQueryBody[] =
    R"({"Count":2,"Items":[{"PK":{"S":"RUN#1"},"SK":{"S":"STEP#a"},"n":{"N":"1"}},)"
    R"({"PK":{"S":"RUN#1"},"SK":{"S":"STEP#b"},"l":{"L":[{"BOOL":true},{"NULL":true}]}}],)"
    R"("LastEvaluatedKey":{"PK":{"S":"RUN#1"},"SK":{"S":"STEP#b"}},"ScannedCount":3,)"
    R"("ConsumedCapacity":{"TableName":"wf","CapacityUnits":0.5}})";

TEST(WireResponseTest, QueryAndScan) {
  QueryResponse q;
  ASSERT_OK(ParseResponse(kQueryBody, &q));
  ASSERT_EQ(q.items.size(), 2u);
  EXPECT_EQ(q.count, 2);
  EXPECT_EQ(q.scanned_count, 3);
  EXPECT_EQ(*FindAttribute(q.items[1], "l"),
            AttributeValue::L({AttributeValue::Bool(true), AttributeValue::Null()}));
  ASSERT_TRUE(q.last_evaluated_key.has_value());
  EXPECT_EQ(*FindAttribute(*q.last_evaluated_key, "SK"), AttributeValue::S("STEP#b"));
  EXPECT_TRUE(q.consumed_capacity.has_value());

  ScanResponse last_page;
  ASSERT_OK(ParseResponse(R"({"Count":0,"Items":[],"ScannedCount":10})", &last_page));
  EXPECT_TRUE(last_page.items.empty());
  EXPECT_EQ(last_page.scanned_count, 10);
  EXPECT_FALSE(last_page.last_evaluated_key.has_value());
}

constexpr char kBatchGetBody[] =
    R"({"Responses":{"wf":[{"PK":{"S":"a"},"v":{"N":"1"}},{"PK":{"S":"b"}}],"other":[]},)"
    R"("UnprocessedKeys":{"wf":{"Keys":[{"PK":{"S":"c"}}],"ConsistentRead":true,)"
    R"("ProjectionExpression":"#p","ExpressionAttributeNames":{"#p":"PK"}}},)"
    R"("ConsumedCapacity":[{"TableName":"wf","CapacityUnits":1.5},{"TableName":"other","CapacityUnits":0}]})";

TEST(WireResponseTest, BatchGetItem) {
  BatchGetItemResponse r;
  ASSERT_OK(ParseResponse(kBatchGetBody, &r));
  ASSERT_EQ(r.responses.size(), 2u);
  ASSERT_EQ(r.responses["wf"].size(), 2u);
  EXPECT_EQ(*FindAttribute(r.responses["wf"][0], "v"), AttributeValue::N("1"));
  EXPECT_TRUE(r.responses["other"].empty());
  ASSERT_EQ(r.unprocessed_keys.size(), 1u);
  const KeysAndAttributes& u = r.unprocessed_keys["wf"];
  ASSERT_EQ(u.keys.size(), 1u);
  EXPECT_EQ(*FindAttribute(u.keys[0], "PK"), AttributeValue::S("c"));
  EXPECT_TRUE(u.consistent_read);
  EXPECT_EQ(u.projection_expression, "#p");
  EXPECT_EQ(u.expression_attribute_names.at("#p"), "PK");
  ASSERT_EQ(r.consumed_capacity.size(), 2u);
  EXPECT_EQ(r.consumed_capacity[1].table_name, "other");
  EXPECT_DOUBLE_EQ(r.consumed_capacity[0].capacity_units, 1.5);
}

constexpr char kBatchWriteBody[] =
    R"({"UnprocessedItems":{"wf":[{"PutRequest":{"Item":{"PK":{"S":"a"},"d":{"B":"Zm9v"}}}},)"
    R"({"DeleteRequest":{"Key":{"PK":{"S":"b"}}}}]},"ConsumedCapacity":[{"TableName":"wf",)"
    R"("CapacityUnits":2}]})";

TEST(WireResponseTest, BatchWriteItem) {
  BatchWriteItemResponse r;
  ASSERT_OK(ParseResponse(kBatchWriteBody, &r));
  ASSERT_EQ(r.unprocessed_items["wf"].size(), 2u);
  const WriteRequest& put = r.unprocessed_items["wf"][0];
  ASSERT_TRUE(put.put_item.has_value());
  EXPECT_FALSE(put.delete_key.has_value());
  EXPECT_EQ(*FindAttribute(*put.put_item, "d"), AttributeValue::B("foo"));
  const WriteRequest& del = r.unprocessed_items["wf"][1];
  ASSERT_TRUE(del.delete_key.has_value());
  EXPECT_FALSE(del.put_item.has_value());
  ASSERT_EQ(r.consumed_capacity.size(), 1u);
  EXPECT_DOUBLE_EQ(r.consumed_capacity[0].capacity_units, 2.0);

  BatchWriteItemResponse done;
  ASSERT_OK(ParseResponse(R"({"UnprocessedItems":{}})", &done));
  EXPECT_TRUE(done.unprocessed_items.empty());
}

TEST(WireResponseTest, TransactWriteItems) {
  TransactWriteItemsResponse r;
  ASSERT_OK(ParseResponse("{}", &r));
  EXPECT_TRUE(r.consumed_capacity.empty());
  ASSERT_OK(ParseResponse(R"({"ConsumedCapacity":[{"TableName":"wf","CapacityUnits":8.0,
      "WriteCapacityUnits":8.0}]})",
                          &r));
  ASSERT_EQ(r.consumed_capacity.size(), 1u);
  EXPECT_DOUBLE_EQ(r.consumed_capacity[0].write_capacity_units, 8.0);
}

constexpr char kTransactGetBody[] =
    R"({"Responses":[{"Item":{"PK":{"S":"x"},"version":{"N":"3"}}},{},)"
    R"({"Item":{"PK":{"S":"z"}}}],"ConsumedCapacity":[{"TableName":"wf","CapacityUnits":6}]})";

TEST(WireResponseTest, TransactGetItems) {
  TransactGetItemsResponse r;
  ASSERT_OK(ParseResponse(kTransactGetBody, &r));
  ASSERT_EQ(r.items.size(), 3u);
  ASSERT_TRUE(r.items[0].has_value());
  EXPECT_EQ(*FindAttribute(*r.items[0], "version"), AttributeValue::N("3"));
  EXPECT_FALSE(r.items[1].has_value());
  ASSERT_TRUE(r.items[2].has_value());
  EXPECT_EQ(r.consumed_capacity.size(), 1u);
}

constexpr char kDescribeTableBody[] =
    R"({"Table":{"AttributeDefinitions":[{"AttributeName":"PK","AttributeType":"S"},)"
    R"({"AttributeName":"SK","AttributeType":"S"},{"AttributeName":"GSI1PK","AttributeType":"S"}],)"
    R"("BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST",)"
    R"("LastUpdateToPayPerRequestDateTime":1.700000000123E9},"CreationDateTime":1.7E9,)"
    R"("GlobalSecondaryIndexes":[{"Backfilling":false,"IndexArn":"arn:aws:dynamodb:eu-central-1:)"
    R"(123456789012:table/wf/index/GSI1","IndexName":"GSI1","IndexSizeBytes":0,)"
    R"("IndexStatus":"CREATING","ItemCount":0,"KeySchema":[{"AttributeName":"GSI1PK",)"
    R"("KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["s"]},)"
    R"("ProvisionedThroughput":{"NumberOfDecreasesToday":0,"ReadCapacityUnits":0,)"
    R"("WriteCapacityUnits":0}}],"ItemCount":12345678901,"KeySchema":[{"AttributeName":"PK",)"
    R"("KeyType":"HASH"},{"AttributeName":"SK","KeyType":"RANGE"}],"ProvisionedThroughput":)"
    R"({"NumberOfDecreasesToday":0,"ReadCapacityUnits":0,"WriteCapacityUnits":0},)"
    R"("TableArn":"arn:aws:dynamodb:eu-central-1:123456789012:table/wf","TableId":)"
    R"("e3b0c442-98fc-1c14-9afb-f4c8996fb924","TableName":"wf","TableSizeBytes":1024,)"
    R"("TableStatus":"ACTIVE"}})";

TEST(WireResponseTest, DescribeTable) {
  DescribeTableResponse r;
  ASSERT_OK(ParseResponse(kDescribeTableBody, &r));
  const TableDescription& t = r.table;
  EXPECT_EQ(t.table_name, "wf");
  EXPECT_EQ(t.table_status, "ACTIVE");
  EXPECT_EQ(t.billing_mode, "PAY_PER_REQUEST");
  EXPECT_EQ(t.item_count, 12345678901);
  EXPECT_EQ(t.table_arn, "arn:aws:dynamodb:eu-central-1:123456789012:table/wf");
  ASSERT_EQ(t.attribute_definitions.size(), 3u);
  EXPECT_EQ(t.attribute_definitions[2].attribute_name, "GSI1PK");
  EXPECT_EQ(t.attribute_definitions[2].attribute_type, "S");
  ASSERT_EQ(t.key_schema.size(), 2u);
  EXPECT_EQ(t.key_schema[1].attribute_name, "SK");
  EXPECT_EQ(t.key_schema[1].key_type, "RANGE");
  ASSERT_EQ(t.global_secondary_indexes.size(), 1u);
  const GlobalSecondaryIndex& g = t.global_secondary_indexes[0];
  EXPECT_EQ(g.index_name, "GSI1");
  EXPECT_EQ(g.index_status, "CREATING");
  EXPECT_EQ(g.projection.projection_type, "INCLUDE");
  EXPECT_EQ(g.projection.non_key_attributes, std::vector<std::string>{"s"});
  ASSERT_EQ(g.key_schema.size(), 1u);
  ASSERT_TRUE(g.provisioned_throughput.has_value());
  EXPECT_EQ(g.provisioned_throughput->read_capacity_units, 0);
}

TEST(WireResponseTest, CreateAndDeleteTable) {
  constexpr char kCreate[] =
      R"({"TableDescription":{"AttributeDefinitions":[{"AttributeName":"PK","AttributeType":"S"}],)"
      R"("CreationDateTime":1.7E9,"ItemCount":0,"KeySchema":[{"AttributeName":"PK","KeyType":"HASH"}],)"
      R"("TableName":"wf","TableStatus":"CREATING","TableSizeBytes":0}})";
  CreateTableResponse c;
  ASSERT_OK(ParseResponse(kCreate, &c));
  EXPECT_EQ(c.table_description.table_status, "CREATING");
  EXPECT_EQ(c.table_description.billing_mode, "");
  ASSERT_EQ(c.table_description.key_schema.size(), 1u);

  DeleteTableResponse d;
  ASSERT_OK(ParseResponse(R"({"TableDescription":{"TableName":"wf","TableStatus":"DELETING",
      "ItemCount":0,"TableSizeBytes":0,"TableArn":"arn:x"}})",
                          &d));
  EXPECT_EQ(d.table_description.table_status, "DELETING");
  EXPECT_EQ(d.table_description.table_arn, "arn:x");

  // Either wrapper key is accepted for every table operation.
  DescribeTableResponse via_description;
  ASSERT_OK(ParseResponse(kCreate, &via_description));
  EXPECT_EQ(via_description.table.table_name, "wf");
}

TEST(WireResponseTest, TimeToLive) {
  UpdateTimeToLiveResponse u;
  ASSERT_OK(
      ParseResponse(R"({"TimeToLiveSpecification":{"AttributeName":"ttl","Enabled":true}})", &u));
  EXPECT_EQ(u.attribute_name, "ttl");
  EXPECT_TRUE(u.enabled);

  DescribeTimeToLiveResponse d;
  ASSERT_OK(ParseResponse(
      R"({"TimeToLiveDescription":{"AttributeName":"ttl","TimeToLiveStatus":"ENABLED"}})", &d));
  EXPECT_EQ(d.time_to_live_status, "ENABLED");
  EXPECT_EQ(d.attribute_name, "ttl");
  ASSERT_OK(ParseResponse(R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})", &d));
  EXPECT_EQ(d.time_to_live_status, "DISABLED");
  EXPECT_EQ(d.attribute_name, "");
}

// A page far larger than the parser's inline buffers (about 1 MB, as DynamoDB sends at most).
TEST(WireResponseTest, LargeQueryPage) {
  std::string body = R"({"Items":[)";
  const int kItems = 2000;
  for (int i = 0; i < kItems; ++i) {
    if (i) body += ',';
    body += ItemToJson({{"PK", AttributeValue::S("RUN#" + std::to_string(i))},
                        {"data", AttributeValue::S(std::string(400, 'a' + i % 26))},
                        {"n", AttributeValue::N(i)}});
  }
  body += R"(],"Count":2000,"ScannedCount":2000})";
  ASSERT_GT(body.size(), 800000u);
  QueryResponse q;
  ASSERT_OK(ParseResponse(body, &q));
  ASSERT_EQ(q.items.size(), static_cast<size_t>(kItems));
  EXPECT_EQ(*FindAttribute(q.items[1234], "PK"), AttributeValue::S("RUN#1234"));
  EXPECT_EQ(*FindAttribute(q.items[1234], "n"), AttributeValue::N(1234));
  EXPECT_EQ(*FindAttribute(q.items[1999], "data"),
            AttributeValue::S(std::string(400, 'a' + 1999 % 26)));
}

TEST(WireResponseTest, ConsumedCapacityAcceptsObjectOrArray) {
  GetItemResponse g;
  ASSERT_OK(ParseResponse(R"({"ConsumedCapacity":[{"TableName":"a","CapacityUnits":2}]})", &g));
  ASSERT_TRUE(g.consumed_capacity.has_value());
  EXPECT_EQ(g.consumed_capacity->table_name, "a");
  TransactWriteItemsResponse t;
  ASSERT_OK(ParseResponse(R"({"ConsumedCapacity":{"TableName":"b","CapacityUnits":3}})", &t));
  ASSERT_EQ(t.consumed_capacity.size(), 1u);
  EXPECT_EQ(t.consumed_capacity[0].table_name, "b");
}

// ---- Malformed bodies --------------------------------------------------------------------

// Every proper prefix of a valid body is invalid JSON and must give kSerialization.
template <class Response>
void ExpectEveryPrefixFails(std::string_view body) {
  Response full;
  ASSERT_OK(ParseResponse(body, &full)) << body;
  for (size_t len = 0; len < body.size(); ++len) {
    Response r;
    Status s = ParseResponse(body.substr(0, len), &r);
    ASSERT_TRUE(IsSerializationError(s)) << "prefix length " << len;
  }
}

TEST(WireMalformedTest, EveryTruncationIsAnError) {
  ExpectEveryPrefixFails<GetItemResponse>(kGetItemBody);
  ExpectEveryPrefixFails<QueryResponse>(kQueryBody);
  ExpectEveryPrefixFails<BatchGetItemResponse>(kBatchGetBody);
  ExpectEveryPrefixFails<BatchWriteItemResponse>(kBatchWriteBody);
  ExpectEveryPrefixFails<TransactGetItemsResponse>(kTransactGetBody);
  ExpectEveryPrefixFails<DescribeTableResponse>(kDescribeTableBody);
  ExpectEveryPrefixFails<UpdateTimeToLiveResponse>(
      R"({"TimeToLiveSpecification":{"AttributeName":"ttl","Enabled":true}})");
}

TEST(WireMalformedTest, TruncationMessageNamesOperationAndOffset) {
  std::string body(kGetItemBody);
  GetItemResponse r;
  Status s = ParseResponse(body.substr(0, 40), &r);
  EXPECT_TRUE(IsSerializationError(s, "GetItem response: invalid JSON at offset 40")) << s;
}

// Flipping single bytes of a valid body must never crash: either a value or kSerialization.
TEST(WireMalformedTest, CorruptedBytesNeverCrash) {
  for (std::string_view body : {std::string_view(kQueryBody), std::string_view(kBatchGetBody),
                                std::string_view(kDescribeTableBody)}) {
    for (size_t i = 0; i < body.size(); ++i) {
      for (char c : {'"', '{', ']', '0', 'x', '\0', ':'}) {
        std::string damaged(body);
        damaged[i] = c;
        QueryResponse q;
        Status s1 = ParseResponse(damaged, &q);
        EXPECT_TRUE(s1.ok() || s1.code() == StatusCode::kSerialization);
        BatchGetItemResponse b;
        Status s2 = ParseResponse(damaged, &b);
        EXPECT_TRUE(s2.ok() || s2.code() == StatusCode::kSerialization);
        DescribeTableResponse d;
        Status s3 = ParseResponse(damaged, &d);
        EXPECT_TRUE(s3.ok() || s3.code() == StatusCode::kSerialization);
      }
    }
  }
}

TEST(WireMalformedTest, InvalidJsonAndWrongRoots) {
  GetItemResponse g;
  EXPECT_TRUE(IsSerializationError(ParseResponse("", &g), "invalid JSON at offset 0"));
  EXPECT_TRUE(IsSerializationError(ParseResponse("not json", &g), "invalid JSON"));
  EXPECT_TRUE(IsSerializationError(ParseResponse("{} {}", &g), "invalid JSON"));
  EXPECT_TRUE(IsSerializationError(ParseResponse("[]", &g), "$: expected an object, got an array"));
  EXPECT_TRUE(IsSerializationError(ParseResponse("null", &g), "expected an object, got null"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"("x")", &g), "expected an object"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"a":NaN})", &g), "invalid JSON"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(std::string("{}\0{}", 5), &g),
                                   "invalid JSON at offset 2: raw NUL byte"));
  EXPECT_TRUE(IsSerializationError(
      ParseResponse(std::string("{\"Item\":{\"a\":{\"S\":\"x\0\"}}}", 25), &g), "raw NUL byte"));
}

TEST(WireMalformedTest, WrongTypesNameTheirPath) {
  GetItemResponse g;
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Item":[]})", &g),
                                   "GetItem response: Item: expected an object, got an array"));
  EXPECT_TRUE(IsSerializationError(
      ParseResponse(R"({"Item":{"payload":{"M":{"x":{"NS":["1","2","x"]}}}}})", &g),
      "GetItem response: Item.payload.M.x: NS element 2 is not a number"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Item":{"b":{"B":"A"}}})", &g),
                                   "Item.b: B value is not valid base64"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Item":{"n":{"N":"1.2.3"}}})", &g),
                                   "Item.n: N value is not a number"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"ConsumedCapacity":"x"})", &g),
                                   "ConsumedCapacity: expected an object, got a string"));
  EXPECT_TRUE(
      IsSerializationError(ParseResponse(R"({"ConsumedCapacity":{"CapacityUnits":"1"}})", &g),
                           "ConsumedCapacity.CapacityUnits: expected a number, got a string"));

  QueryResponse q;
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Items":{},"Count":0})", &q),
                                   "Items: expected an array, got an object"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Items":[],"Count":"0"})", &q),
                                   "Count: expected an integer, got a string"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Items":[],"Count":1.5})", &q),
                                   "Count: expected a 32-bit integer"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Items":[{"a":{"S":"x"}},5],"Count":2})", &q),
                                   "Items[1]: expected an object, got a number"));
  EXPECT_TRUE(IsSerializationError(
      ParseResponse(R"({"Items":[],"Count":0,"LastEvaluatedKey":{"PK":"a"}})", &q),
      "LastEvaluatedKey.PK: expected an attribute value object, got a string"));

  BatchWriteItemResponse b;
  EXPECT_TRUE(
      IsSerializationError(ParseResponse(R"({"UnprocessedItems":{"wf":[{}]}})", &b),
                           "UnprocessedItems.wf[0]: expected a PutRequest or a DeleteRequest"));
  EXPECT_TRUE(
      IsSerializationError(ParseResponse(R"({"UnprocessedItems":{"wf":[{"PutRequest":{}}]}})", &b),
                           "UnprocessedItems.wf[0].PutRequest.Item: missing"));

  TransactGetItemsResponse t;
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Responses":[{"Item":{"a":{}}}]})", &t),
                                   "Responses[0].Item.a: expected exactly one type key, got 0"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Responses":[null]})", &t),
                                   "Responses[0]: expected an object, got null"));

  DescribeTableResponse d;
  EXPECT_TRUE(IsSerializationError(
      ParseResponse(R"({"Table":{"TableName":"wf","TableStatus":"ACTIVE","ItemCount":"3"}})", &d),
      "Table.ItemCount: expected an integer, got a string"));
  EXPECT_TRUE(
      IsSerializationError(ParseResponse(R"({"Table":{"TableName":"wf","TableStatus":"ACTIVE",
          "GlobalSecondaryIndexes":[{"IndexName":"g","KeySchema":[{"AttributeName":"x"}]}]}})",
                                         &d),
                           "Table.GlobalSecondaryIndexes[0].KeySchema[0].KeyType: missing"));
}

TEST(WireMalformedTest, MissingRequiredFields) {
  QueryResponse q;
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Count":0})", &q),
                                   "Query/Scan response: Items: missing"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Items":[]})", &q), "Count: missing"));
  TransactGetItemsResponse t;
  EXPECT_TRUE(IsSerializationError(ParseResponse("{}", &t), "Responses: missing"));
  DescribeTableResponse d;
  EXPECT_TRUE(IsSerializationError(ParseResponse("{}", &d), "missing TableDescription"));
  EXPECT_TRUE(IsSerializationError(ParseResponse(R"({"Table":{"TableName":"wf"}})", &d),
                                   "Table.TableStatus: missing"));
  UpdateTimeToLiveResponse u;
  EXPECT_TRUE(IsSerializationError(
      ParseResponse(R"({"TimeToLiveSpecification":{"AttributeName":"ttl"}})", &u),
      "TimeToLiveSpecification.Enabled: missing"));
  DescribeTimeToLiveResponse dt;
  EXPECT_TRUE(IsSerializationError(ParseResponse("{}", &dt), "TimeToLiveDescription: missing"));
}

// ---- Error responses ---------------------------------------------------------------------

TEST(WireErrorTest, ConditionalCheckFailedWithOldItem) {
  HttpHeaders headers = {{"x-amzn-RequestId", "REQ123"},
                         {"Content-Type", "application/x-amz-json-1.0"}};
  Error e = ParseErrorResponse(
      400, headers,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
      R"("message":"The conditional request failed","Item":{"PK":{"S":"a"},"version":{"N":"5"}}})");
  EXPECT_EQ(e.type, "ConditionalCheckFailedException");
  EXPECT_TRUE(e.IsConditionalCheckFailed());
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.request_id, "REQ123");
  EXPECT_EQ(e.message, "The conditional request failed");
  ASSERT_TRUE(e.item.has_value());
  EXPECT_EQ(*FindAttribute(*e.item, "version"), AttributeValue::N("5"));
  EXPECT_EQ(e.ToStatus().code(), StatusCode::kConditionFailed);
}

TEST(WireErrorTest, CapitalMessageAndTypeWithoutHash) {
  Error e =
      ParseErrorResponse(400, {}, R"({"__type":"com.amazon.coral.validate#ValidationException",
      "Message":"1 validation error detected"})");
  EXPECT_EQ(e.type, "ValidationException");
  EXPECT_EQ(e.message, "1 validation error detected");

  Error plain = ParseErrorResponse(400, {{"X-Amzn-Requestid", "r2"}},
                                   R"({"__type":"ResourceNotFoundException","message":"nope"})");
  EXPECT_EQ(plain.type, "ResourceNotFoundException");
  EXPECT_TRUE(plain.IsResourceNotFound());
  EXPECT_EQ(plain.message, "nope");
  EXPECT_EQ(plain.request_id, "r2");
  EXPECT_FALSE(plain.item.has_value());
  EXPECT_TRUE(plain.cancellation_reasons.empty());
}

TEST(WireErrorTest, TypeFromHeaderWhenBodyHasNone) {
  Error e = ParseErrorResponse(
      400,
      {{"x-amzn-ErrorType",
        "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"}},
      R"({"message":"Rate exceeded"})");
  EXPECT_EQ(e.type, "ThrottlingException");
  EXPECT_TRUE(e.IsThrottling());
  EXPECT_EQ(e.message, "Rate exceeded");

  Error hashed = ParseErrorResponse(
      400,
      {{"x-amzn-errortype",
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}},
      "{}");
  EXPECT_EQ(hashed.type, "ProvisionedThroughputExceededException");
}

TEST(WireErrorTest, TransactionCanceledWithReasonsAndItems) {
  Error e = ParseErrorResponse(
      400, {},
      R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
      R"("CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed",)"
      R"("Item":{"PK":{"S":"RUN#1"},"epoch":{"N":"9"}},"Message":"The conditional request failed"},)"
      R"({"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}],)"
      R"("Message":"Transaction cancelled, please refer cancellation reasons for specific reasons )"
      R"([None, ConditionalCheckFailed, TransactionConflict]"})");
  EXPECT_TRUE(e.IsTransactionCanceled());
  EXPECT_NE(e.message.find("Transaction cancelled"), std::string::npos);
  ASSERT_EQ(e.cancellation_reasons.size(), 3u);
  EXPECT_EQ(e.cancellation_reasons[0].code, "None");
  EXPECT_EQ(e.cancellation_reasons[0].message, "");
  EXPECT_FALSE(e.cancellation_reasons[0].item.has_value());
  EXPECT_EQ(e.cancellation_reasons[1].code, "ConditionalCheckFailed");
  EXPECT_EQ(e.cancellation_reasons[1].message, "The conditional request failed");
  ASSERT_TRUE(e.cancellation_reasons[1].item.has_value());
  EXPECT_EQ(*FindAttribute(*e.cancellation_reasons[1].item, "epoch"), AttributeValue::N("9"));
  EXPECT_EQ(e.cancellation_reasons[2].code, "TransactionConflict");
  EXPECT_EQ(e.ToStatus().code(), StatusCode::kTransactionCanceled);
}

TEST(WireErrorTest, MalformedFieldsAreDroppedButTypeKept) {
  Error e = ParseErrorResponse(
      400, {},
      R"({"__type":"x#ConditionalCheckFailedException","message":"failed","Item":{"a":{"N":"zz"}}})");
  EXPECT_TRUE(e.IsConditionalCheckFailed());
  EXPECT_FALSE(e.item.has_value());
  EXPECT_NE(e.message.find("failed; malformed field ignored: Item.a: N value is not a number"),
            std::string::npos)
      << e.message;

  Error t = ParseErrorResponse(
      400, {},
      R"({"__type":"TransactionCanceledException","CancellationReasons":[{"Code":1},"x",{"Code":"None"}]})");
  EXPECT_TRUE(t.IsTransactionCanceled());
  ASSERT_EQ(t.cancellation_reasons.size(), 3u);
  EXPECT_EQ(t.cancellation_reasons[2].code, "None");
  EXPECT_NE(t.message.find("CancellationReasons[0].Code"), std::string::npos) << t.message;
  EXPECT_NE(t.message.find("CancellationReasons[1]"), std::string::npos) << t.message;
}

TEST(WireErrorTest, UnparseableBodies) {
  Error gateway = ParseErrorResponse(502, {{"x-amzn-RequestId", "r"}},
                                     "<html><body>502 Bad Gateway</body></html>");
  EXPECT_EQ(gateway.type, "BadGateway");
  EXPECT_EQ(gateway.http_status, 502);
  EXPECT_EQ(gateway.request_id, "r");
  EXPECT_NE(gateway.message.find("<html><body>502 Bad Gateway"), std::string::npos);
  EXPECT_EQ(gateway.ToStatus().code(), StatusCode::kUnavailable);

  EXPECT_EQ(ParseErrorResponse(500, {}, "oops").type, "InternalServerError");
  EXPECT_EQ(ParseErrorResponse(503, {}, "").type, "ServiceUnavailable");
  EXPECT_EQ(ParseErrorResponse(504, {}, "x").type, "GatewayTimeout");
  EXPECT_EQ(ParseErrorResponse(429, {}, "x").type, "TooManyRequestsException");
  EXPECT_EQ(ParseErrorResponse(413, {}, "x").type, "RequestEntityTooLarge");
  Error bad = ParseErrorResponse(400, {}, R"({"__type":"Valid)");
  EXPECT_EQ(bad.type, kSerializationError);
  EXPECT_NE(bad.message.find(R"({"__type":"Valid)"), std::string::npos);
  EXPECT_EQ(ParseErrorResponse(400, {}, "[1,2]").type, kSerializationError);
  // A header still names the exception when the body is unreadable.
  EXPECT_EQ(ParseErrorResponse(400, {{"x-amzn-ErrorType", "AccessDeniedException:"}}, "<x>").type,
            "AccessDeniedException");

  // The quoted snippet is bounded and printable.
  std::string huge(100000, 'z');
  huge[3] = '\n';
  huge[5] = '\x01';
  Error big = ParseErrorResponse(500, {}, huge);
  EXPECT_LT(big.message.size(), kErrorBodySnippetBytes + 100);
  EXPECT_EQ(big.message.find('\n'), std::string::npos);
  EXPECT_EQ(big.message.find('\x01'), std::string::npos);
  EXPECT_NE(big.message.find("100000 bytes"), std::string::npos) << big.message;
}

TEST(WireErrorTest, EveryTruncatedErrorBodyStillYieldsAnError) {
  std::string body =
      R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
      R"("CancellationReasons":[{"Code":"ConditionalCheckFailed","Item":{"PK":{"S":"a"}}}],)"
      R"("Message":"Transaction cancelled"})";
  for (size_t len = 0; len < body.size(); ++len) {
    Error e = ParseErrorResponse(400, {}, body.substr(0, len));
    EXPECT_EQ(e.type, kSerializationError) << len;
    EXPECT_EQ(e.http_status, 400);
    EXPECT_FALSE(e.message.empty());
  }
  EXPECT_TRUE(ParseErrorResponse(400, {}, body).IsTransactionCanceled());
}

}  // namespace
}  // namespace dynaflow::dynamodb
