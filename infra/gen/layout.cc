#include "infra/gen/layout.h"

#include "dynaflow/config/config.h"
#include "dynaflow/store/table/seed_layout.h"

namespace dynaflow::infra {
namespace {

// The IAM actions of docs/deployment-and-iam.md's "IAM permissions (least privilege)" table.
// Runtime: every operation the engine and workers issue on the table (a TransactWriteItems
// needs the action of each kind of item in it, ConditionCheckItem included), plus the startup
// check of the table (DescribeTable, DescribeTimeToLive).
std::vector<PolicyStatement> RuntimePolicy() {
  return {
      {"DynaflowItems",
       {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
        "dynamodb:Query", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive"},
       PolicyStatement::Resource::kTable},
      {"DynaflowIndexes", {"dynamodb:Query"}, PolicyStatement::Resource::kIndexes},
  };
}

// Provisioning: EnsureSeedTable (CreateTable, DescribeTable, UpdateTimeToLive,
// DescribeTimeToLive) and what infra/aws/create-table.sh adds for its options (UpdateTable for
// deletion protection, the continuous-backups pair for point-in-time recovery, the tagging
// pair for tags).
// tests/infra/layout_test.py checks that the script calls nothing else.
std::vector<PolicyStatement> ProvisioningPolicy() {
  return {
      {"DynaflowProvisioning",
       {"dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTimeToLive",
        "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups",
        "dynamodb:DescribeContinuousBackups", "dynamodb:TagResource",
        "dynamodb:ListTagsOfResource"},
       PolicyStatement::Resource::kTable},
  };
}

}  // namespace

TableLayout CodeLayout() {
  const dynamodb::CreateTableRequest req = table::SeedTableRequest("unused");
  TableLayout layout;
  layout.default_table_name = config::StoreConfig{}.table;
  layout.default_billing_mode = req.billing_mode;
  for (const auto& def : req.attribute_definitions) {
    layout.attributes.push_back({def.attribute_name, def.attribute_type});
  }
  for (const auto& key : req.key_schema) {
    (key.key_type == "HASH" ? layout.hash_key : layout.range_key) = key.attribute_name;
  }
  for (const auto& gsi : req.global_secondary_indexes) {
    IndexLayout index{gsi.index_name, "", "", gsi.projection.projection_type};
    for (const auto& key : gsi.key_schema) {
      (key.key_type == "HASH" ? index.hash_key : index.range_key) = key.attribute_name;
    }
    layout.indexes.push_back(std::move(index));
  }
  layout.ttl_attribute = table::kSeedTtlAttribute;
  layout.runtime_policy = RuntimePolicy();
  layout.provisioning_policy = ProvisioningPolicy();
  return layout;
}

}  // namespace dynaflow::infra
