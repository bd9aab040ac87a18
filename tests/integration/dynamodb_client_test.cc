// Every client operation against DynamoDB Local (a real emulator, not a mock).
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <string>

#include "dynaflow/model/clock.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using V = AttributeValue;

Item Key(const std::string& pk, const std::string& sk) {
  return {{"PK", V::S(pk)}, {"SK", V::S(sk)}};
}

class DynamoDbClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = test::NewDynamoDbLocalClient();
    ASSERT_NE(client_, nullptr);
    table_ = test::UniqueTableName("client");
    ASSERT_TRUE(test::CreateSeedLayoutTable(*client_, table_));
  }
  void TearDown() override {
    if (client_) (void)client_->DeleteTable({table_});
  }

  void PutPlain(Item item) {
    PutItemRequest put;
    put.table_name = table_;
    put.item = std::move(item);
    auto r = client_->PutItem(put);
    ASSERT_OK(r);
  }

  std::unique_ptr<Client> client_;
  std::string table_;
};

TEST_F(DynamoDbClientTest, DescribeTableShowsTheSeedLayout) {
  auto d = client_->DescribeTable({table_});
  ASSERT_OK(d);
  EXPECT_EQ(d->table.table_name, table_);
  EXPECT_EQ(d->table.table_status, "ACTIVE");
  ASSERT_EQ(d->table.key_schema.size(), 2u);
  EXPECT_EQ(d->table.key_schema[0].attribute_name, "PK");
  EXPECT_EQ(d->table.key_schema[0].key_type, "HASH");
  std::set<std::string> indexes;
  for (const auto& g : d->table.global_secondary_indexes) indexes.insert(g.index_name);
  EXPECT_EQ(indexes, (std::set<std::string>{"GSI1", "GSI2"}));
  auto missing = client_->DescribeTable({"no_such_table_dynaflow"});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().IsResourceNotFound()) << missing.error().ToString();
  EXPECT_EQ(missing.error().http_status, 400);
  EXPECT_FALSE(missing.error().request_id.empty());
}

TEST_F(DynamoDbClientTest, TimeToLiveCanBeEnabledAndDescribed) {
  auto u = client_->UpdateTimeToLive({table_, "ttl", true});
  ASSERT_OK(u);
  EXPECT_EQ(u->attribute_name, "ttl");
  EXPECT_TRUE(u->enabled);
  auto d = client_->DescribeTimeToLive({table_});
  ASSERT_OK(d);
  EXPECT_EQ(d->attribute_name, "ttl");
  EXPECT_TRUE(d->time_to_live_status == "ENABLED" || d->time_to_live_status == "ENABLING")
      << d->time_to_live_status;
}

TEST_F(DynamoDbClientTest, PutGetUpdateDeleteWithEveryAttributeType) {
  Item item = Key("RUN#1", "RUN#1");
  item["s"] = V::S("text");
  item["n"] = V::N("12345678901234567890.123456789");
  item["b"] = V::B(std::string("\0\x01\xff", 3));
  item["t"] = V::Bool(true);
  item["z"] = V::Null();
  item["m"] = V::M({{"inner", V::L({V::S("a"), V::N(int64_t{2})})}});
  item["ss"] = V::SS({"x", "y"});
  item["ns"] = V::NS({"1", "2.5"});
  item["bs"] = V::BS({std::string("\x00", 1), "\x02"});
  PutPlain(item);

  GetItemRequest get;
  get.table_name = table_;
  get.key = Key("RUN#1", "RUN#1");
  get.consistent_read = true;
  get.return_consumed_capacity = ReturnConsumedCapacity::kTotal;
  ASSERT_OK_AND_ASSIGN(auto got, client_->GetItem(get));
  ASSERT_TRUE(got.item.has_value());
  EXPECT_EQ(got.item->at("n"), item["n"]);
  EXPECT_EQ(got.item->at("b"), item["b"]);
  EXPECT_EQ(got.item->at("m"), item["m"]);
  EXPECT_EQ(got.item->size(), item.size());
  EXPECT_GT(client_->counters().Get("GetItem").capacity_units, 0.0);

  UpdateItemRequest upd;
  upd.table_name = table_;
  upd.key = Key("RUN#1", "RUN#1");
  upd.update_expression = "SET #s = :s ADD #c :one REMOVE #z";
  upd.condition_expression = "attribute_exists(PK)";
  upd.expression_attributes.names = {{"#s", "s"}, {"#c", "count"}, {"#z", "z"}};
  upd.expression_attributes.values = {{":s", V::S("changed")}, {":one", V::N(int64_t{1})}};
  upd.return_values = ReturnValues::kAllNew;
  auto updated = client_->UpdateItem(upd);
  ASSERT_OK(updated);
  ASSERT_TRUE(updated->attributes.has_value());
  EXPECT_EQ(*updated->attributes->at("s").AsS(), "changed");
  EXPECT_EQ(*updated->attributes->at("count").AsN(), "1");
  EXPECT_EQ(updated->attributes->count("z"), 0u);

  DeleteItemRequest del;
  del.table_name = table_;
  del.key = Key("RUN#1", "RUN#1");
  del.return_values = ReturnValues::kAllOld;
  auto deleted = client_->DeleteItem(del);
  ASSERT_OK(deleted);
  ASSERT_TRUE(deleted->attributes.has_value());
  EXPECT_EQ(*deleted->attributes->at("s").AsS(), "changed");
  ASSERT_OK_AND_ASSIGN(auto gone, client_->GetItem(get));
  EXPECT_FALSE(gone.item.has_value());
}

TEST_F(DynamoDbClientTest, FailedConditionReturnsTheOldItem) {
  Item item = Key("RUN#2", "RUN#2");
  item["version"] = V::N(int64_t{7});
  PutPlain(item);
  PutItemRequest put;
  put.table_name = table_;
  put.item = Key("RUN#2", "RUN#2");
  put.condition_expression = "attribute_not_exists(PK)";
  put.return_old_item_on_condition_failure = true;
  auto r = client_->PutItem(put);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().IsConditionalCheckFailed()) << r.error().ToString();
  EXPECT_EQ(r.error().attempts, 1);
  ASSERT_TRUE(r.error().item.has_value()) << r.error().ToString();
  EXPECT_EQ(*r.error().item->at("version").AsN(), "7");

  UpdateItemRequest upd;
  upd.table_name = table_;
  upd.key = Key("RUN#2", "RUN#2");
  upd.update_expression = "SET version = :next";
  upd.condition_expression = "version = :expected";
  upd.expression_attributes.values = {{":next", V::N(int64_t{9})}, {":expected", V::N(int64_t{8})}};
  auto u = client_->UpdateItem(upd);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().ToStatus().code(), StatusCode::kConditionFailed);
}

TEST_F(DynamoDbClientTest, CancelledTransactionReturnsItsReasons) {
  PutPlain(Key("RUN#3", "STEP#a"));
  TransactWriteItemsRequest tx;
  tx.transact_items.push_back(TransactPut{table_, Key("RUN#3", "STEP#b"), std::nullopt, {}, false});
  tx.transact_items.push_back(TransactPut{
      table_, Key("RUN#3", "STEP#a"), std::string("attribute_not_exists(PK)"), {}, true});
  auto r = client_->TransactWriteItems(tx);
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.error().IsTransactionCanceled()) << r.error().ToString();
  ASSERT_EQ(r.error().cancellation_reasons.size(), 2u);
  EXPECT_EQ(r.error().cancellation_reasons[0].code, "None");
  EXPECT_EQ(r.error().cancellation_reasons[1].code, "ConditionalCheckFailed");
  EXPECT_TRUE(r.error().cancellation_reasons[1].item.has_value());
  // Nothing of the transaction was applied.
  GetItemRequest get;
  get.table_name = table_;
  get.key = Key("RUN#3", "STEP#b");
  get.consistent_read = true;
  ASSERT_OK_AND_ASSIGN(auto b, client_->GetItem(get));
  EXPECT_FALSE(b.item.has_value());
}

TEST_F(DynamoDbClientTest, TransactionOfEveryKindAppliesAndTransactGetReadsIt) {
  PutPlain(Key("RUN#4", "RUN#4"));
  PutPlain(Key("RUN#4", "STEP#old"));
  TransactWriteItemsRequest tx;
  // Unique per test process: DynamoDB remembers a token for 10 minutes across tables, and a
  // developer's emulator may still hold the one of an earlier run (with other parameters).
  tx.client_request_token = "dft-" + std::to_string(::getpid()) + "-" +
                            std::to_string(ToUnixMillis(Clock::Real()->Now()));
  tx.transact_items.push_back(
      TransactConditionCheck{table_, Key("RUN#4", "RUN#4"), "attribute_exists(PK)", {}, false});
  tx.transact_items.push_back(
      TransactPut{table_, Key("RUN#4", "STEP#new"), std::nullopt, {}, false});
  tx.transact_items.push_back(
      TransactDelete{table_, Key("RUN#4", "STEP#old"), std::nullopt, {}, false});
  ExpressionAttributes values;
  values.values = {{":d", V::S("done")}};
  tx.transact_items.push_back(
      TransactUpdate{table_, Key("RUN#4", "RUN#4"), "SET st = :d", std::nullopt, values, false});
  // ConditionCheck and Update on the same key are not allowed: use a separate key for update.
  tx.transact_items[3] =
      TransactUpdate{table_, Key("RUN#4", "STATE#x"), "SET st = :d", std::nullopt, values, false};
  auto r = client_->TransactWriteItems(tx);
  ASSERT_OK(r);
  // The same token again within 10 minutes is an idempotent no-op success.
  ASSERT_OK(client_->TransactWriteItems(tx));

  TransactGetItemsRequest get;
  get.transact_items = {{table_, Key("RUN#4", "STEP#new"), std::nullopt, {}},
                        {table_, Key("RUN#4", "STEP#old"), std::nullopt, {}},
                        {table_, Key("RUN#4", "STATE#x"), std::nullopt, {}}};
  auto g = client_->TransactGetItems(get);
  ASSERT_OK(g);
  ASSERT_EQ(g->items.size(), 3u);
  EXPECT_TRUE(g->items[0].has_value());
  EXPECT_FALSE(g->items[1].has_value());
  ASSERT_TRUE(g->items[2].has_value());
  EXPECT_EQ(*g->items[2]->at("st").AsS(), "done");
}

TEST_F(DynamoDbClientTest, BatchWriteOf60LandsAll60AndBatchGetReadsThem) {
  BatchWriteItemRequest bw;
  for (int i = 0; i < 60; ++i) {
    WriteRequest w;
    Item item = Key("RUN#5", "STEP#" + std::to_string(1000 + i));
    item["payload"] = V::S(std::string(200, 'x'));
    w.put_item = item;
    bw.request_items[table_].push_back(w);
  }
  ASSERT_OK_AND_ASSIGN(auto r, client_->BatchWriteItem(bw));
  EXPECT_TRUE(r.unprocessed_items.empty());

  BatchGetItemRequest bg;
  for (int i = 0; i < 60; ++i) {
    bg.request_items[table_].keys.push_back(Key("RUN#5", "STEP#" + std::to_string(1000 + i)));
  }
  bg.request_items[table_].consistent_read = true;
  ASSERT_OK_AND_ASSIGN(auto g, client_->BatchGetItem(bg));
  EXPECT_EQ(g.responses[table_].size(), 60u);

  ScanRequest scan;
  scan.table_name = table_;
  scan.limit = 25;
  int total = 0, pages = 0;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(auto s, client_->Scan(scan));
    total += s.count;
    ++pages;
    if (!s.last_evaluated_key) break;
    scan.exclusive_start_key = s.last_evaluated_key;
  }
  EXPECT_EQ(total, 60);
  EXPECT_GE(pages, 3);
}

TEST_F(DynamoDbClientTest, QueryPaginatesAcrossPagesOnTableAndGsi) {
  BatchWriteItemRequest bw;
  for (int i = 0; i < 35; ++i) {
    WriteRequest w;
    Item item = Key("RUN#6", "STEP#" + std::to_string(100 + i));
    item["GSI1PK"] = V::S("WORKFLOW#orders");
    item["GSI1SK"] = V::S("T#" + std::to_string(5000 + i));
    w.put_item = item;
    bw.request_items[table_].push_back(w);
  }
  ASSERT_OK(client_->BatchWriteItem(bw));

  auto collect = [&](QueryRequest q, int* pages) {
    std::vector<std::string> keys;
    for (;;) {
      auto r = client_->Query(q);
      EXPECT_OK(r);
      if (!r.ok()) break;
      ++*pages;
      for (const auto& item : r->items) keys.push_back(*item.at("SK").AsS());
      if (!r->last_evaluated_key) break;
      q.exclusive_start_key = r->last_evaluated_key;
    }
    return keys;
  };

  QueryRequest base;
  base.table_name = table_;
  base.key_condition_expression = "PK = :pk AND begins_with(SK, :p)";
  base.expression_attributes.values = {{":pk", V::S("RUN#6")}, {":p", V::S("STEP#")}};
  base.limit = 10;
  base.consistent_read = true;
  int base_pages = 0;
  auto base_keys = collect(base, &base_pages);
  ASSERT_EQ(base_keys.size(), 35u);
  EXPECT_GE(base_pages, 4);
  EXPECT_TRUE(std::is_sorted(base_keys.begin(), base_keys.end()));

  QueryRequest gsi;
  gsi.table_name = table_;
  gsi.index_name = "GSI1";
  gsi.key_condition_expression = "#pk = :w";
  gsi.expression_attributes.names = {{"#pk", "GSI1PK"}};
  gsi.expression_attributes.values = {{":w", V::S("WORKFLOW#orders")}};
  gsi.scan_index_forward = false;
  gsi.limit = 10;
  gsi.filter_expression = "attribute_exists(SK)";
  int gsi_pages = 0;
  auto gsi_keys = collect(gsi, &gsi_pages);
  ASSERT_EQ(gsi_keys.size(), 35u);
  EXPECT_GE(gsi_pages, 4);
  EXPECT_TRUE(std::is_sorted(gsi_keys.rbegin(), gsi_keys.rend()));  // newest first
}

TEST_F(DynamoDbClientTest, ValidationErrorsAreNotRetried) {
  PutItemRequest put;
  put.table_name = table_;
  put.item = {{"PK", V::S("only-hash")}};  // SK missing
  auto r = client_->PutItem(put);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "ValidationException") << r.error().ToString();
  EXPECT_EQ(r.error().attempts, 1);
  EXPECT_EQ(r.error().ToStatus().code(), StatusCode::kInvalidArgument);
}

TEST_F(DynamoDbClientTest, CountersCountEveryRequest) {
  client_->counters().Reset();
  PutPlain(Key("RUN#7", "RUN#7"));
  GetItemRequest get;
  get.table_name = table_;
  get.key = Key("RUN#7", "RUN#7");
  ASSERT_OK(client_->GetItem(get));
  EXPECT_EQ(client_->counters().Get("PutItem").calls, 1);
  EXPECT_EQ(client_->counters().Get("GetItem").calls, 1);
  EXPECT_EQ(client_->counters().TotalAttempts(), 2);
}

TEST(DynamoDbClientTableTest, DeleteTableRemovesIt) {
  auto client = test::NewDynamoDbLocalClient();
  ASSERT_NE(client, nullptr);
  std::string name = test::UniqueTableName("delete");
  ASSERT_TRUE(test::CreateSeedLayoutTable(*client, name));
  auto d = client->DeleteTable({name});
  ASSERT_OK(d);
  EXPECT_EQ(d->table_description.table_name, name);
  auto again = client->DescribeTable({name});
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().IsResourceNotFound());
}

}  // namespace
}  // namespace dynaflow::dynamodb
