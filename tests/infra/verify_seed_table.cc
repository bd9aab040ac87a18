// dynaflow_verify_seed_table: runs VerifySeedTable (dynaflow/store/table/provisioning.h) on a table
// of any DynamoDB endpoint. The infra tests (tests/infra/*.py) check with it the tables that
// infra/aws/create-table.sh, the CloudFormation template and the Terraform module made.
//
//   dynaflow_verify_seed_table --endpoint URL --region REGION --table NAME [--no-ttl-check]
//
// Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (emulators accept any; default
// "test"). --no-ttl-check leaves TTL out (VerifyOptions::check_ttl = false).
// Prints "OK: ..." or the error of VerifySeedTable.
// Exit status: 0 = the table matches the seed layout; 1 = it does not, or the call failed;
// 2 = bad usage.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "dynaflow/store/dynamodb/client/client.h"
#include "dynaflow/store/dynamodb/client/credentials.h"
#include "dynaflow/store/table/provisioning.h"

namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

int Usage() {
  std::cerr << "usage: dynaflow_verify_seed_table --endpoint URL --region REGION --table NAME "
               "[--no-ttl-check]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint, region, table;
  dynaflow::table::VerifyOptions verify;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-ttl-check") {
      verify.check_ttl = false;
    } else if (i + 1 < argc && (arg == "--endpoint" || arg == "--region" || arg == "--table")) {
      (arg == "--endpoint" ? endpoint : arg == "--region" ? region : table) = argv[++i];
    } else {
      return Usage();
    }
  }
  if (endpoint.empty() || region.empty() || table.empty()) return Usage();

  dynaflow::dynamodb::ClientOptions options;
  options.region = region;
  options.endpoint = endpoint;
  options.credentials = std::make_shared<dynaflow::dynamodb::StaticCredentialsProvider>(
      dynaflow::dynamodb::Credentials{EnvOr("AWS_ACCESS_KEY_ID", "test"),
                                      EnvOr("AWS_SECRET_ACCESS_KEY", "test"), "", std::nullopt});
  auto client = dynaflow::dynamodb::Client::Create(std::move(options));
  if (!client.ok()) {
    std::cerr << "dynaflow_verify_seed_table: " << client.status() << "\n";
    return 1;
  }
  const dynaflow::Status status = dynaflow::table::VerifySeedTable(**client, table, verify);
  if (!status.ok()) {
    std::cout << "dynaflow_verify_seed_table: " << status << "\n";
    return 1;
  }
  std::cout << "OK: table " << table << " at " << endpoint << " matches the dynaflow seed layout"
            << (verify.check_ttl ? "" : " (TTL not checked)") << "\n";
  return 0;
}
