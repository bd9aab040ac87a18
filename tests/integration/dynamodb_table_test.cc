// The DynamoDB backend against DynamoDB Local: the Table conformance suite, request counts per
// Table operation, expression rendering on real DynamoDB semantics, and provisioning.
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start); fails without it.
#include "dynaflow/store/table/dynamodb_table.h"

#include <gtest/gtest.h>

#include <mutex>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "dynaflow/store/table/provisioning.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/fault_transport.h"
#include "tests/support/shared_dynamodb_table.h"
#include "tests/support/status_matchers.h"
#include "tests/support/table_conformance.h"

namespace dynaflow::table {
namespace {

using V = AttributeValue;

const test::SharedDynamoDbTable& Shared() { return test::SharedSeedTable(); }

std::unique_ptr<Table> OpenShared(const TableOptions& table_options) {
  DynamoDbTableOptions options;
  options.table = table_options;
  return test::OpenSharedSeedTable(options);
}

DYNAFLOW_INSTANTIATE_TABLE_CONFORMANCE(DynamoDb,
                                       ::dynaflow::test::BackendFactory{"dynamodb", OpenShared});

Item MakeItem(const std::string& pk, const std::string& sk, Item attributes = {}) {
  attributes[kPk] = V::S(pk);
  attributes[kSk] = V::S(sk);
  return attributes;
}

std::string RandomPartition(const std::string& name) {
  return "D" + std::to_string(Random::Real()->Next64()) + "#" + name;
}

// ---- Request counts --------------------------------------------------------------------------

// A table on its own client, so the client's counters hold this table's requests only.
class DynamoDbTableCountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(Shared().status);
    client_ = test::NewDynamoDbLocalClient();
    ASSERT_NE(client_, nullptr);
    DynamoDbTableOptions options;
    options.table.clock = &clock_;
    auto table = OpenDynamoDbTable(client_, Shared().name, options);
    ASSERT_OK(table);
    table_ = std::move(table).value();
    client_->counters().Reset();  // drop the DescribeTable of the layout check
  }

  // HTTP attempts per operation since the last call, then resets the counters.
  std::map<std::string, int64_t> Attempts() {
    std::map<std::string, int64_t> out;
    for (const auto& [op, s] : client_->counters().Snapshot()) out[op] = s.attempts;
    client_->counters().Reset();
    return out;
  }

  test::FakeClock clock_;
  std::shared_ptr<dynamodb::Client> client_;
  std::unique_ptr<Table> table_;
};

using Ops = std::map<std::string, int64_t>;

TEST_F(DynamoDbTableCountsTest, OneRequestPerSingleItemOperation) {
  std::string p = RandomPartition("count");
  ASSERT_OK(table_->Put(MakeItem(p, "A", {{"v", V::N("1")}})));
  EXPECT_EQ(Attempts(), (Ops{{"PutItem", 1}}));
  ASSERT_OK(table_->Get({p, "A"}));
  EXPECT_EQ(Attempts(), (Ops{{"GetItem", 1}}));
  table::Update u;
  u.Add("v", 1);
  WriteOptions when;
  when.condition = Condition::Eq("v", V::N("1"));
  ASSERT_OK(table_->Update({p, "A"}, u, when));
  EXPECT_EQ(Attempts(), (Ops{{"UpdateItem", 1}}));
  std::optional<Item> old;
  when.old_item_on_condition_failure = &old;
  EXPECT_TRUE(table_->Delete({p, "A"}, when).Is(StatusCode::kConditionFailed));
  EXPECT_EQ(Attempts(), (Ops{{"DeleteItem", 1}})) << "the old item comes with the failure";
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(*FindAttribute(*old, "v"), V::N("2"));
  std::vector<WriteOp> ops = {PutOp{MakeItem(p, "B")}, DeleteOp{{p, "A"}}};
  ASSERT_OK(table_->TransactWrite(ops));
  EXPECT_EQ(Attempts(), (Ops{{"TransactWriteItems", 1}}));
  // Validation failures never reach DynamoDB.
  EXPECT_TRUE(table_->Get({p, ""}).status().Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(Attempts(), Ops{});

  TableStats s = table_->stats();
  EXPECT_EQ(s.reads, 1);
  EXPECT_EQ(s.writes, 4);
  EXPECT_EQ(s.queries, 0);
  EXPECT_EQ(s.requests, 5);
  // Consumed capacity reaches the client's counters.
  ASSERT_OK(table_->Get({p, "B"}));
  EXPECT_GT(client_->counters().Get("GetItem").capacity_units, 0.0);
}

TEST_F(DynamoDbTableCountsTest, BatchesAndQueryPages) {
  std::string p = RandomPartition("batch");
  std::vector<Key> keys;
  for (int i = 0; i < 130; ++i) {
    keys.push_back({p, "K" + std::to_string(1000 + i)});
    if (i < 60) {
      ASSERT_OK(table_->Put(MakeItem(p, keys.back().sk)));
    }
  }
  keys.push_back(keys.front());  // a duplicate is sent once and answered twice
  Attempts();
  ASSERT_OK_AND_ASSIGN(auto got, table_->BatchGet(keys));
  EXPECT_EQ(Attempts(), (Ops{{"BatchGetItem", 2}})) << "130 distinct keys: 100 + 30";
  ASSERT_EQ(got.size(), 131u);
  EXPECT_TRUE((got)[0].has_value());
  EXPECT_TRUE((got)[130].has_value());
  EXPECT_FALSE((got)[60].has_value());

  table::QueryRequest q;
  q.partition = p;
  q.limit = 20;
  int pages = 0;
  size_t items = 0;
  do {
    ASSERT_OK_AND_ASSIGN(auto page, table_->Query(q));
    ++pages;
    items += page.items.size();
    q.cursor = page.next_cursor;
  } while (!q.cursor.empty());
  EXPECT_EQ(items, 60u);
  EXPECT_EQ(pages, 3) << "20 + 20 + 20: the look-ahead item saves a trailing empty page";
  EXPECT_EQ(Attempts(), (Ops{{"Query", 3}}));

  ASSERT_OK(table_->BatchDelete(keys));
  EXPECT_EQ(Attempts(), (Ops{{"BatchWriteItem", 6}})) << "130 distinct keys: 5 x 25 + 5";

  TableStats s = table_->stats();
  EXPECT_EQ(s.reads, 2) << "BatchGetItem requests";
  EXPECT_EQ(s.queries, 3);
  EXPECT_EQ(s.writes, 61) << "60 puts and one batch delete";
  EXPECT_EQ(s.requests, 60 + 2 + 3 + 6);
}

TEST(DynamoDbTableRetryTest, RetriedAttemptsAreCountedAsRequests) {
  ASSERT_OK(Shared().status);
  dynamodb::CurlTransport curl;
  auto faults = std::make_shared<test::FaultTransport>(&curl);
  dynamodb::ClientOptions options;
  options.region = "us-east-1";
  options.endpoint = test::DynamoDbLocalEndpoint();
  options.credentials = std::make_shared<dynamodb::StaticCredentialsProvider>(
      dynamodb::Credentials{"dynaflowtest", "dynaflowtestsecret", "", std::nullopt});
  options.transport = faults;
  auto made = dynamodb::Client::Create(options);
  ASSERT_OK(made);
  std::shared_ptr<dynamodb::Client> client = std::move(made).value();
  auto opened = OpenDynamoDbTable(client, Shared().name);
  ASSERT_OK(opened);
  std::unique_ptr<Table> table = std::move(opened).value();

  std::string p = RandomPartition("retry");
  faults->PushConnectionError();
  faults->PushResponse(500, R"({"__type":"InternalServerError","message":"injected"})");
  ASSERT_OK(table->Put(MakeItem(p, "A")));
  faults->PushConnectionError();
  ASSERT_OK(table->Get({p, "A"}));
  TableStats s = table->stats();
  EXPECT_EQ(s.writes, 1);
  EXPECT_EQ(s.reads, 2) << "GetItem sent twice";
  EXPECT_EQ(s.requests, 5) << "3 PutItem attempts + 2 GetItem attempts";
  EXPECT_EQ(client->counters().Get("PutItem").attempts, 3);
}

// ---- DynamoDB semantics ----------------------------------------------------------------------

class DynamoDbTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TableOptions options;
    options.clock = &clock_;
    table_ = OpenShared(options);
    ASSERT_NE(table_, nullptr);
  }
  test::FakeClock clock_;
  std::unique_ptr<Table> table_;
};

TEST_F(DynamoDbTableTest, ReservedWordsAndOddAttributeNames) {
  std::string p = RandomPartition("names");
  Item item = MakeItem(p, "A",
                       {{"status", V::S("RUNNING")},
                        {"name", V::S("n")},
                        {"a.b", V::N("1")},
                        {"x-y z", V::Bool(true)},
                        {"#hash", V::S("h")},
                        {":colon", V::S("c")}});
  WriteOptions create;
  create.condition = Condition::NotExists("status");
  ASSERT_OK(table_->Put(item, create));
  table::Update u;
  u.Set("status", V::S("DONE")).Add("a.b", 41).Remove("x-y z").Set("#hash", V::S(":v0"));
  WriteOptions when;
  when.condition = Condition::Eq("status", V::S("RUNNING")) && Condition::Exists("x-y z") &&
                   Condition::BeginsWith(":colon", "c") && Condition::Ne("name", V::S(":v0"));
  auto r = table_->Update({p, "A"}, u, when);
  ASSERT_OK(r);
  Item want = MakeItem(p, "A",
                       {{"status", V::S("DONE")},
                        {"name", V::S("n")},
                        {"a.b", V::N("42")},
                        {"#hash", V::S(":v0")},
                        {":colon", V::S("c")}});
  EXPECT_EQ(*r, want);
}

TEST_F(DynamoDbTableTest, NumericAddIsExact) {
  std::string p = RandomPartition("add");
  ASSERT_OK(
      table_->Put(MakeItem(p, "A", {{"big", V::N("99999999999999999999999999999999999999")}})));
  table::Update u;
  u.Add("big", -1).Add("fresh", 7);
  auto r = table_->Update({p, "A"}, u);
  ASSERT_OK(r);
  EXPECT_EQ(*FindAttribute(*r, "big"), V::N("99999999999999999999999999999999999998"));
  EXPECT_EQ(*FindAttribute(*r, "fresh"), V::N("7"));
}

TEST_F(DynamoDbTableTest, ExpiredItemsLeaveShortPagesButNothingIsLost) {
  std::string p = RandomPartition("shortpages");
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  std::vector<std::string> live;
  for (int i = 0; i < 20; ++i) {
    std::string sk = "I" + std::to_string(100 + i);
    Item item = MakeItem(p, sk);
    if (i % 3 == 0) {
      item[kTtl] = V::N(now - 10);  // expired
    } else {
      item[kTtl] = V::N(now + 1000);
      live.push_back(sk);
    }
    ASSERT_OK(table_->Put(item));
  }
  for (bool server_filter : {true, false}) {
    DynamoDbTableOptions options;
    options.table.clock = &clock_;
    options.filter_expired_server_side = server_filter;
    auto table = OpenDynamoDbTable(Shared().client, Shared().name, options);
    ASSERT_OK(table);
    table::QueryRequest q;
    q.partition = p;
    q.limit = 4;
    std::vector<std::string> got;
    int pages = 0;
    do {
      ASSERT_OK_AND_ASSIGN(auto page, (*table)->Query(q));
      EXPECT_LE(page.items.size(), 4u);
      for (const Item& item : page.items) got.push_back(*FindAttribute(item, kSk)->AsS());
      q.cursor = page.next_cursor;
      ASSERT_LT(++pages, 50);
    } while (!q.cursor.empty());
    EXPECT_EQ(got, live) << "server-side filter " << server_filter;
  }
}

TEST_F(DynamoDbTableTest, UpdateOfNonNumberIsInvalidArgument) {
  std::string p = RandomPartition("addbad");
  ASSERT_OK(table_->Put(MakeItem(p, "A", {{"s", V::S("text")}})));
  table::Update u;
  u.Add("s", 1);
  auto r = table_->Update({p, "A"}, u);
  EXPECT_TRUE(r.status().Is(StatusCode::kInvalidArgument)) << r.status();
  EXPECT_NE(r.status().message().find("update of " + p + "/A"), std::string::npos) << r.status();
}

TEST_F(DynamoDbTableTest, NameAndOpenErrors) {
  EXPECT_EQ(table_->name(), "dynamodb:" + Shared().name);
  auto missing = OpenDynamoDbTable(Shared().client, "dynaflow_no_such_table");
  EXPECT_TRUE(missing.status().Is(StatusCode::kNotFound)) << missing.status();
  EXPECT_TRUE(OpenDynamoDbTable(nullptr, "t").status().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(OpenDynamoDbTable(Shared().client, "").status().Is(StatusCode::kInvalidArgument));
  DynamoDbTableOptions unchecked;
  unchecked.verify_layout = false;
  auto opened = OpenDynamoDbTable(Shared().client, "dynaflow_no_such_table", unchecked);
  ASSERT_OK(opened) << "no request without the layout check";
  EXPECT_STATUS((*opened)->Get({"p", "s"}).status(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dynaflow::table
