#include "dynaflow/store/table/seed_layout.h"

namespace dynaflow::table {

std::vector<dynamodb::KeySchemaElement> SeedKeySchema(const SeedKeys& keys) {
  return {{keys.hash_key, "HASH"}, {keys.range_key, "RANGE"}};
}

dynamodb::CreateTableRequest SeedTableRequest(const std::string& table_name) {
  dynamodb::CreateTableRequest req;
  req.table_name = table_name;
  req.attribute_definitions.push_back({kSeedTableKeys.hash_key, kSeedKeyType});
  req.attribute_definitions.push_back({kSeedTableKeys.range_key, kSeedKeyType});
  req.key_schema = SeedKeySchema(kSeedTableKeys);
  for (const SeedKeys& index : kSeedIndexes) {
    req.attribute_definitions.push_back({index.hash_key, kSeedKeyType});
    req.attribute_definitions.push_back({index.range_key, kSeedKeyType});
    dynamodb::GlobalSecondaryIndex gsi;
    gsi.index_name = index.index_name;
    gsi.key_schema = SeedKeySchema(index);
    gsi.projection.projection_type = kSeedProjection;
    req.global_secondary_indexes.push_back(std::move(gsi));
  }
  req.billing_mode = kSeedBillingMode;
  return req;
}

}  // namespace dynaflow::table
