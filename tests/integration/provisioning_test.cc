// Provisioning of the seed-layout table against DynamoDB Local: idempotent creation with TTL,
// and verification that names every difference of a wrong table.
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start); fails without it.
#include "dynaflow/store/table/provisioning.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "dynaflow/store/dynamodb/client/curl_transport.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/fault_transport.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::table {
namespace {

using dynamodb::AttributeDefinition;
using dynamodb::CreateTableRequest;
using dynamodb::GlobalSecondaryIndex;

class ProvisioningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = test::NewDynamoDbLocalClient();
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    if (client_ == nullptr) return;
    for (const auto& name : created_) (void)client_->DeleteTable({name});
  }

  std::string NewName(const std::string& suffix) {
    created_.push_back(test::UniqueTableName(suffix));
    return created_.back();
  }

  // Creates a table as given (not through provisioning) and waits until it is ACTIVE.
  void CreateRaw(const CreateTableRequest& request) {
    auto created = client_->CreateTable(request);
    ASSERT_OK(created);
    auto active = client_->WaitUntilActive(request.table_name);
    ASSERT_OK(active);
  }

  static GlobalSecondaryIndex Index(const std::string& name, std::vector<std::string> keys,
                                    const std::string& projection = "ALL") {
    GlobalSecondaryIndex gsi;
    gsi.index_name = name;
    gsi.key_schema.push_back({keys[0], "HASH"});
    if (keys.size() > 1) gsi.key_schema.push_back({keys[1], "RANGE"});
    gsi.projection.projection_type = projection;
    return gsi;
  }

  std::shared_ptr<dynamodb::Client> client_;
  std::vector<std::string> created_;
};

TEST_F(ProvisioningTest, CreatesTheSeedLayoutIdempotently) {
  std::string name = NewName("prov");
  ASSERT_OK(EnsureSeedTable(*client_, name));

  auto d = client_->DescribeTable({name});
  ASSERT_OK(d);
  const dynamodb::TableDescription& t = d->table;
  EXPECT_EQ(t.table_status, "ACTIVE");
  EXPECT_EQ(t.billing_mode, "PAY_PER_REQUEST");
  ASSERT_EQ(t.key_schema.size(), 2u);
  EXPECT_EQ(t.key_schema[0].attribute_name, "PK");
  EXPECT_EQ(t.key_schema[0].key_type, "HASH");
  EXPECT_EQ(t.key_schema[1].attribute_name, "SK");
  EXPECT_EQ(t.key_schema[1].key_type, "RANGE");
  std::map<std::string, std::string> types;
  for (const auto& a : t.attribute_definitions) types[a.attribute_name] = a.attribute_type;
  EXPECT_EQ(types, (std::map<std::string, std::string>{{"PK", "S"},
                                                       {"SK", "S"},
                                                       {"GSI1PK", "S"},
                                                       {"GSI1SK", "S"},
                                                       {"GSI2PK", "S"},
                                                       {"GSI2SK", "S"}}));
  ASSERT_EQ(t.global_secondary_indexes.size(), 2u);
  for (const auto& gsi : t.global_secondary_indexes) {
    EXPECT_EQ(gsi.projection.projection_type, "ALL") << gsi.index_name;
    ASSERT_EQ(gsi.key_schema.size(), 2u);
    EXPECT_EQ(gsi.key_schema[0].attribute_name, gsi.index_name + "PK");
    EXPECT_EQ(gsi.key_schema[1].attribute_name, gsi.index_name + "SK");
  }
  auto ttl = client_->DescribeTimeToLive({name});
  ASSERT_OK(ttl);
  EXPECT_EQ(ttl->attribute_name, "ttl");
  EXPECT_TRUE(ttl->time_to_live_status == "ENABLED" || ttl->time_to_live_status == "ENABLING");
  EXPECT_OK(VerifySeedTable(*client_, name));

  // Existing table: accepted, TTL left alone (no UpdateTimeToLive sent).
  client_->counters().Reset();
  Status again = EnsureSeedTable(*client_, name);
  EXPECT_OK(again);
  EXPECT_EQ(client_->counters().Get("UpdateTimeToLive").calls, 0);
  EXPECT_EQ(client_->counters().Get("CreateTable").errors, 1) << "ResourceInUseException";
}

TEST_F(ProvisioningTest, ConcurrentCallersAllSucceed) {
  std::string name = NewName("race");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      results[i] = EnsureSeedTable(*client_, name);
      if (results[i].ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_OK(s);
  EXPECT_EQ(ok.load(), 4);
  EXPECT_OK(VerifySeedTable(*client_, name));
}

TEST_F(ProvisioningTest, VerifyNamesMissingIndexWrongTypeAndProjection) {
  std::string name = NewName("wrong");
  CreateTableRequest r;
  r.table_name = name;
  r.attribute_definitions = {{"PK", "S"}, {"SK", "S"}, {"GSI1PK", "S"}, {"GSI1SK", "N"}};
  r.key_schema = {{"PK", "HASH"}, {"SK", "RANGE"}};
  r.global_secondary_indexes = {Index("GSI1", {"GSI1PK", "GSI1SK"}, "KEYS_ONLY")};
  CreateRaw(r);

  Status s = VerifySeedTable(*client_, name);
  EXPECT_ERROR(s, StatusCode::kInvalidArgument,
               "table " + name +
                   " does not match the dynaflow seed layout: GSI1SK is N, expected S; "
                   "index GSI1 projects KEYS_ONLY, expected ALL; missing index GSI2; "
                   "TTL is not enabled on ttl (status DISABLED)");
  VerifyOptions no_ttl;
  no_ttl.check_ttl = false;
  EXPECT_EQ(VerifySeedTable(*client_, name, no_ttl).message(),
            "table " + name +
                " does not match the dynaflow seed layout: GSI1SK is N, expected S; "
                "index GSI1 projects KEYS_ONLY, expected ALL; missing index GSI2");

  // Provisioning accepts the existing table only if it matches; so does opening it.
  Status ensured = EnsureSeedTable(*client_, name);
  EXPECT_ERROR(ensured, StatusCode::kInvalidArgument,
               VerifySeedTable(*client_, name, no_ttl).message());
  auto opened = OpenDynamoDbTable(client_, name);
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("missing index GSI2"), std::string::npos);
  // Nothing was changed by the failed provisioning: TTL is still off.
  auto ttl = client_->DescribeTimeToLive({name});
  ASSERT_OK(ttl);
  EXPECT_EQ(ttl->time_to_live_status, "DISABLED");
}

TEST_F(ProvisioningTest, VerifyNamesWrongKeySchemasAndTtlAttribute) {
  std::string name = NewName("keys");
  CreateTableRequest r;
  r.table_name = name;
  r.attribute_definitions = {{"PK", "S"}, {"GSI1PK", "S"}, {"GSI1SK", "S"}, {"GSI2PK", "B"}};
  r.key_schema = {{"PK", "HASH"}};
  r.global_secondary_indexes = {Index("GSI1", {"GSI1PK", "GSI1SK"}), Index("GSI2", {"GSI2PK"}),
                                Index("Extra", {"GSI1SK"})};
  CreateRaw(r);
  auto ttl = client_->UpdateTimeToLive({name, "expires", true});
  ASSERT_OK(ttl);

  Status s = VerifySeedTable(*client_, name);
  EXPECT_ERROR(s, StatusCode::kInvalidArgument,
               "table " + name +
                   " does not match the dynaflow seed layout: table key schema is "
                   "PK HASH, expected PK HASH, SK RANGE; index GSI2 key schema is "
                   "GSI2PK HASH, expected GSI2PK HASH, GSI2SK RANGE; GSI2PK is B, "
                   "expected S; TTL is enabled on expires, expected ttl");
}

TEST_F(ProvisioningTest, TtlOnAnotherAttributeIsRefused) {
  std::string name = NewName("ttlother");
  ProvisionOptions no_ttl;
  no_ttl.enable_ttl = false;
  ASSERT_OK(EnsureSeedTable(*client_, name, no_ttl));
  ASSERT_OK(client_->UpdateTimeToLive({name, "expires", true}));
  Status s = EnsureSeedTable(*client_, name);
  EXPECT_ERROR(s, StatusCode::kInvalidArgument,
               "enabling TTL on table " + name +
                   ": TTL is enabled on expires, expected ttl (a table has one TTL "
                   "attribute)");
}

TEST_F(ProvisioningTest, MissingTableIsNotFound) {
  Status s = VerifySeedTable(*client_, "dynaflow_no_such_table");
  EXPECT_ERROR(s, StatusCode::kNotFound, "table dynaflow_no_such_table does not exist");
}

// Another process enables TTL between our DescribeTimeToLive and UpdateTimeToLive: DynamoDB's
// "already enabled" ValidationException is accepted once `ttl` is confirmed as the attribute.
class StaleTtlTransport : public test::TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  Result<dynamodb::HttpResponse> Send(const dynamodb::HttpRequest& request,
                                      const dynamodb::TransportTimeouts& timeouts) override {
    const std::string* target = dynamodb::FindHeader(request.headers, "X-Amz-Target");
    if (target && *target == "DynamoDB_20120810.DescribeTimeToLive" && !answered_.exchange(true)) {
      dynamodb::HttpResponse stale;
      stale.status = 200;
      stale.body = R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})";
      return stale;
    }
    if (target && *target == "DynamoDB_20120810.UpdateTimeToLive") ++updates_;
    return TransportWrapper::Send(request, timeouts);
  }
  int updates() const { return updates_.load(); }

 private:
  std::atomic<bool> answered_{false};
  std::atomic<int> updates_{0};
};

TEST_F(ProvisioningTest, AlreadyEnabledRaceIsAccepted) {
  std::string name = NewName("ttlrace");
  ASSERT_OK(EnsureSeedTable(*client_, name));

  dynamodb::CurlTransport curl;
  auto stale = std::make_shared<StaleTtlTransport>(&curl);
  dynamodb::ClientOptions options = client_->options();
  options.transport = stale;
  ASSERT_OK_AND_ASSIGN(auto racing, dynamodb::Client::Create(options));
  Status s = EnsureSeedTable(*racing, name);
  EXPECT_OK(s);
  EXPECT_EQ(stale->updates(), 1) << "the stale answer made it send UpdateTimeToLive";
  EXPECT_EQ((racing)->counters().Get("UpdateTimeToLive").errors, 1)
      << "DynamoDB refused it as already enabled";
}

}  // namespace
}  // namespace dynaflow::table
