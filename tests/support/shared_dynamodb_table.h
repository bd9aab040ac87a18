// One DynamoDB Local table with the seed layout per test process, for tests that share a table
// (every test uses its own key prefix and never assumes the table is empty). Created on first
// use and deleted when the tests end. TTL is not enabled on it: the suites' FakeClock starts in
// 2024, so an emulator deleting items by real time would race the TTL tests (the table layer
// filters expired items itself either way).
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (tests/support/dynamodb_local.h).
#pragma once

#include <memory>
#include <string>

#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "dynaflow/store/table/dynamodb_table.h"

namespace dynaflow::test {

struct SharedDynamoDbTable {
  std::shared_ptr<dynamodb::Client> client;  // null without DynamoDB Local
  std::string name;
  Status status;  // why there is no table, or OK
};

// The process's shared table (created by the first call).
const SharedDynamoDbTable& SharedSeedTable();

// Opens the shared table with `options`; nullptr after recording a test failure (no DynamoDB
// Local, or the table could not be created or opened).
std::unique_ptr<table::Table> OpenSharedSeedTable(const table::DynamoDbTableOptions& options);

}  // namespace dynaflow::test
