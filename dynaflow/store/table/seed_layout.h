// The seed layout of dynaflow's DynamoDB table: the one definition that EnsureSeedTable creates,
// VerifySeedTable checks, and infra/gen renders into infra/aws/ (the AWS CLI script, the
// CloudFormation template, the Terraform module), so none of them can drift from the code
// (ctest infra.generated_files_in_sync).
//
//   - key schema PK (HASH), SK (RANGE);
//   - GSI1 on GSI1PK (HASH), GSI1SK (RANGE) and GSI2 on GSI2PK (HASH), GSI2SK (RANGE), both
//     projecting ALL;
//   - every key attribute of type S;
//   - TTL on the Number attribute `ttl` (epoch seconds);
//   - billing mode PAY_PER_REQUEST when EnsureSeedTable creates it (any mode is accepted).
#pragma once

#include <string>
#include <vector>

#include "dynaflow/store/dynamodb/client/operations.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table {

// The key schema of the table or of one of its global secondary indexes.
struct SeedKeys {
  const char* index_name;  // "" for the table itself
  const char* hash_key;
  const char* range_key;
};

inline constexpr SeedKeys kSeedTableKeys{"", kPk, kSk};
inline constexpr SeedKeys kSeedIndexes[] = {{kGsi1Name, kGsi1Pk, kGsi1Sk},
                                            {kGsi2Name, kGsi2Pk, kGsi2Sk}};
inline constexpr char kSeedKeyType[] = "S";                    // of every key attribute
inline constexpr char kSeedProjection[] = "ALL";               // of both indexes
inline constexpr char kSeedBillingMode[] = "PAY_PER_REQUEST";  // of a table EnsureSeedTable creates
inline constexpr const char* kSeedTtlAttribute = kTtl;         // type N (epoch seconds)

// {hash_key HASH, range_key RANGE}: the key schema of `keys` as DynamoDB describes it.
std::vector<dynamodb::KeySchemaElement> SeedKeySchema(const SeedKeys& keys);

// The CreateTable request of the seed layout for `table_name`: exactly what EnsureSeedTable
// sends. Attribute definitions list the table's keys, then each index's, in kSeedIndexes order.
dynamodb::CreateTableRequest SeedTableRequest(const std::string& table_name);

}  // namespace dynaflow::table
