#include "tests/support/dynamodb_local.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace dynaflow::test {

std::string DynamoDbLocalEndpoint() {
  const char* endpoint = std::getenv(kEndpointVariable);
  if (endpoint == nullptr || *endpoint == '\0') {
    ADD_FAILURE() << kEndpointVariable
                  << " is not set. Start DynamoDB Local with `infra/dynamodb-local.sh start` and "
                     "export the endpoint it prints (infra/test.sh does both).";
    return "";
  }
  return endpoint;
}

std::unique_ptr<dynamodb::Client> NewDynamoDbLocalClient() {
  std::string endpoint = DynamoDbLocalEndpoint();
  if (endpoint.empty()) return nullptr;
  dynamodb::ClientOptions options;
  options.region = "us-east-1";
  options.endpoint = endpoint;
  options.credentials = std::make_shared<dynamodb::StaticCredentialsProvider>(
      dynamodb::Credentials{"dynaflowtest", "dynaflowtestsecret", "", std::nullopt});
  options.wait_poll_interval = std::chrono::milliseconds(50);
  auto client = dynamodb::Client::Create(std::move(options));
  if (!client.ok()) {
    ADD_FAILURE() << client.status();
    return nullptr;
  }
  return std::move(client).value();
}

std::string UniqueTableName(const std::string& suffix) {
  static std::atomic<int> counter{0};
  return "dynaflow_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         suffix;
}

bool CreateSeedLayoutTable(dynamodb::Client& client, const std::string& table_name) {
  using namespace dynamodb;
  CreateTableRequest req;
  req.table_name = table_name;
  for (const char* name : {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"}) {
    req.attribute_definitions.push_back({name, "S"});
  }
  req.key_schema = {{"PK", "HASH"}, {"SK", "RANGE"}};
  for (const char* index : {"GSI1", "GSI2"}) {
    GlobalSecondaryIndex gsi;
    gsi.index_name = index;
    gsi.key_schema = {{std::string(index) + "PK", "HASH"}, {std::string(index) + "SK", "RANGE"}};
    gsi.projection.projection_type = "ALL";
    req.global_secondary_indexes.push_back(gsi);
  }
  auto created = client.CreateTable(req);
  if (!created.ok()) {
    ADD_FAILURE() << "CreateTable " << table_name << ": " << created.error().ToString();
    return false;
  }
  auto active = client.WaitUntilActive(table_name);
  if (!active.ok()) {
    ADD_FAILURE() << "WaitUntilActive " << table_name << ": " << active.error().ToString();
    return false;
  }
  return true;
}

}  // namespace dynaflow::test
