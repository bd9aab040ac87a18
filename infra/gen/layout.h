// What infra/gen renders: the seed table layout (from dynaflow/store/table/seed_layout.h, through
// the very CreateTable request EnsureSeedTable sends) and the IAM policies to use and provision it.
#pragma once

#include <string>
#include <vector>

namespace dynaflow::infra {

struct KeyAttribute {
  std::string name;
  std::string type;  // "S"
};

struct IndexLayout {
  std::string name;  // "GSI1"
  std::string hash_key;
  std::string range_key;
  std::string projection;  // "ALL"
};

// One statement of an IAM policy on the table (resource kTable) or its indexes (kIndexes).
struct PolicyStatement {
  std::string sid;
  std::vector<std::string> actions;  // "dynamodb:GetItem", ...
  enum class Resource { kTable, kIndexes } resource = Resource::kTable;
};

struct TableLayout {
  std::string default_table_name;  // the configuration's default ([store] table)
  std::string default_billing_mode;
  std::vector<KeyAttribute> attributes;  // every key attribute, table keys first
  std::string hash_key;
  std::string range_key;
  std::vector<IndexLayout> indexes;
  std::string ttl_attribute;
  std::vector<PolicyStatement> runtime_policy;
  std::vector<PolicyStatement> provisioning_policy;
};

// The layout of the code. Never fails.
TableLayout CodeLayout();

}  // namespace dynaflow::infra
