// Helpers for integration tests against DynamoDB Local (started by infra/dynamodb-local.sh).
//
// The endpoint comes from DYNAFLOW_TEST_DYNAMODB_ENDPOINT. When it is missing the calling test
// FAILS with a message saying how to start the emulator: integration tests never skip silently.
#pragma once

#include <memory>
#include <string>

#include "dynaflow/store/dynamodb/client/client.h"

namespace dynaflow::test {

inline constexpr char kEndpointVariable[] = "DYNAFLOW_TEST_DYNAMODB_ENDPOINT";

// The endpoint, or "" after recording a test failure.
std::string DynamoDbLocalEndpoint();

// A client for DynamoDB Local with fixed dummy credentials (the emulator accepts any), region
// us-east-1, and `retry` defaults. Null after recording a test failure.
// With `transport` set, requests go through it (e.g. a fault transport in front of a
// dynamodb::CurlTransport).
std::unique_ptr<dynamodb::Client> NewDynamoDbLocalClient(
    std::shared_ptr<dynamodb::Transport> transport = nullptr);

// A table name unique to this process and call, e.g. "dynaflow_test_4711_3_<suffix>".
std::string UniqueTableName(const std::string& suffix);

// Creates a table with the dynaflow seed layout through table::EnsureSeedTable, without TTL,
// and waits until ACTIVE. Fails the test on error and returns false.
bool CreateSeedLayoutTable(dynamodb::Client& client, const std::string& table_name);

}  // namespace dynaflow::test
