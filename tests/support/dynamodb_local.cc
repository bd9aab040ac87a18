#include "tests/support/dynamodb_local.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "dynaflow/store/table/provisioning.h"

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

std::unique_ptr<dynamodb::Client> NewDynamoDbLocalClient(
    std::shared_ptr<dynamodb::Transport> transport) {
  std::string endpoint = DynamoDbLocalEndpoint();
  if (endpoint.empty()) return nullptr;
  dynamodb::ClientOptions options;
  options.region = "us-east-1";
  options.endpoint = endpoint;
  options.credentials = std::make_shared<dynamodb::StaticCredentialsProvider>(
      dynamodb::Credentials{"dynaflowtest", "dynaflowtestsecret", "", std::nullopt});
  options.wait_poll_interval = std::chrono::milliseconds(50);
  options.transport = std::move(transport);
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
  table::ProvisionOptions options;
  options.enable_ttl = false;
  const Status created = table::EnsureSeedTable(client, table_name, options);
  if (!created.ok()) ADD_FAILURE() << "EnsureSeedTable " << table_name << ": " << created;
  return created.ok();
}

}  // namespace dynaflow::test
