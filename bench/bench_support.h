// What the DynamoDB Local benchmarks share: the --endpoint flag and the client they send with.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/client.h"

namespace dynaflow::bench {

// Adds the required --endpoint flag (the DynamoDB Local URL; env DYNAFLOW_TEST_DYNAMODB_ENDPOINT).
void AddEndpointFlag(CLI::App& app, std::string& endpoint);

// A client for DynamoDB Local at `endpoint`: region us-east-1, fixed dummy static credentials.
Result<std::shared_ptr<dynamodb::Client>> NewLocalClient(const std::string& endpoint);

}  // namespace dynaflow::bench
