#include "tests/support/shared_dynamodb_table.h"

#include <gtest/gtest.h>

#include <atomic>

#include "dynaflow/store/table/provisioning.h"
#include "tests/support/dynamodb_local.h"

namespace dynaflow::test {
namespace {

std::atomic<bool> g_created{false};

SharedDynamoDbTable* Create() {
  auto* s = new SharedDynamoDbTable;
  s->status = Status::Internal("no DynamoDB Local");
  auto client = NewDynamoDbLocalClient();
  if (client == nullptr) return s;
  s->client = std::move(client);
  s->name = UniqueTableName("shared");
  table::ProvisionOptions options;
  options.enable_ttl = false;
  s->status = table::EnsureSeedTable(*s->client, s->name, options);
  g_created = true;
  return s;
}

class DeleteSharedTable : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!g_created) return;
    const SharedDynamoDbTable& s = SharedSeedTable();
    if (s.status.ok()) (void)s.client->DeleteTable({s.name});
  }
};
[[maybe_unused]] ::testing::Environment* const kDeleteSharedTable =
    ::testing::AddGlobalTestEnvironment(new DeleteSharedTable);

}  // namespace

const SharedDynamoDbTable& SharedSeedTable() {
  static const SharedDynamoDbTable* shared = Create();
  return *shared;
}

std::unique_ptr<table::Table> OpenSharedSeedTable(const table::DynamoDbTableOptions& options) {
  const SharedDynamoDbTable& s = SharedSeedTable();
  if (!s.status.ok()) {
    ADD_FAILURE() << "no DynamoDB Local table: " << s.status;
    return nullptr;
  }
  auto table = table::OpenDynamoDbTable(s.client, s.name, options);
  if (!table.ok()) {
    ADD_FAILURE() << table.status();
    return nullptr;
  }
  return std::move(table).value();
}

}  // namespace dynaflow::test
