#include "bench/bench_support.h"

#include <optional>
#include <utility>

namespace dynaflow::bench {

void AddEndpointFlag(CLI::App& app, std::string& endpoint) {
  app.add_option("--endpoint", endpoint, "DynamoDB Local URL (http://127.0.0.1:PORT)")
      ->required()
      ->envname("DYNAFLOW_TEST_DYNAMODB_ENDPOINT");
}

Result<std::shared_ptr<dynamodb::Client>> NewLocalClient(const std::string& endpoint) {
  dynamodb::ClientOptions o;
  o.region = "us-east-1";
  o.endpoint = endpoint;
  o.credentials = std::make_shared<dynamodb::StaticCredentialsProvider>(
      dynamodb::Credentials{"dynaflowbench", "dynaflowbenchsecret", "", std::nullopt});
  DYNAFLOW_ASSIGN_OR_RETURN(auto client, dynamodb::Client::Create(std::move(o)));
  return std::shared_ptr<dynamodb::Client>(std::move(client));
}

}  // namespace dynaflow::bench
