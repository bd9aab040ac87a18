// Provisioning of the DynamoDB table that holds dynaflow's single-table design.
//
// The seed layout is defined once, in dynaflow/store/table/seed_layout.h (keys PK/SK, GSI1 and GSI2
// projecting ALL, every key attribute S, TTL on `ttl`). infra/aws/ holds the same table as an
// AWS CLI script, a CloudFormation template and a Terraform module, generated from it.
//
// Thread-safety: the functions only use the (thread-safe) client; call them from any thread.
#pragma once

#include <string>

#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/client.h"

namespace dynaflow::table {

struct ProvisionOptions {
  // Enable TTL on `ttl` (after creation, or on an existing table where it is off). Items are
  // filtered by the Table layer either way; TTL only lets DynamoDB delete them. Default: true.
  bool enable_ttl = true;
  // When the table already existed, check its keys and indexes with VerifySeedTable (before
  // enabling TTL) and return its error. Default: true.
  bool verify_existing = true;
};

struct VerifyOptions {
  // Report TTL that is not enabled (ENABLED or ENABLING) on `ttl`. Default: true.
  bool check_ttl = true;
};

// Creates `table_name` with the seed layout unless it exists (ResourceInUseException is
// accepted), waits until the table and its indexes are ACTIVE (the client's wait_timeout), then
// enables TTL on `ttl` ("already enabled" is accepted). Idempotent; safe to call from several
// processes at once.
// Errors: kInvalidArgument when an existing table differs from the seed layout (the message of
// VerifySeedTable) or TTL is enabled on another attribute; the mapped client error otherwise
// (kTimeout when it does not become ACTIVE in time, kPermissionDenied, kUnavailable, ...).
Status EnsureSeedTable(dynamodb::Client& client, const std::string& table_name,
                       const ProvisionOptions& options = {});

// Checks an existing table against the seed layout with DescribeTable (and DescribeTimeToLive
// when options.check_ttl). Every difference is reported in one kInvalidArgument message:
//   "table T does not match the dynaflow seed layout: missing index GSI2; GSI1SK is N,
//    expected S; TTL is not enabled on ttl (status DISABLED)"
// Differences named: the table's or an index's key schema ("index GSI1 key schema is
// GSI1PK HASH, expected GSI1PK HASH, GSI1SK RANGE"), a key attribute's type ("GSI1SK is N,
// expected S"), a missing index ("missing index GSI2"), a projection other than ALL ("index
// GSI1 projects KEYS_ONLY, expected ALL"), TTL off or on another attribute ("TTL is enabled on
// expires, expected ttl"). Extra indexes, the billing mode and the table's status are not
// differences.
// Errors: kNotFound when the table does not exist; the mapped client error for other failures.
Status VerifySeedTable(dynamodb::Client& client, const std::string& table_name,
                       const VerifyOptions& options = {});

}  // namespace dynaflow::table
