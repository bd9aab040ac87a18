// What DynamoDB bills for the writes and reads a RecordingTable reports.
//
// Write request units (WRU), per item written:
//   - the table: ceil(max(size before, size after) / 1 KB), at least 1 (a delete: the size
//     before); inside TransactWriteItems twice that, condition checks included;
//   - each GSI whose keys the item has before or after (both GSIs project ALL, so any change of
//     an item in an index writes the index entry; entry size = item size + the index entry
//     overhead): a new entry is a put, a removed one a delete, a kept one an update; an entry
//     whose index key changed is a delete of the old entry plus a put of the new one;
//     transactions double these too.
// Read request units (RRU): a Query page costs ceil(bytes / 4 KB) units (at least 1) strongly
// consistent, half that eventually consistent (GSIs are always eventually consistent).
//
// DynamoDB Local 3.3.1 bills the same way except in two details (checked request by request
// by tests/integration/capacity_dynamodb_test.cc): it adds no overhead to index entries and
// does not report the condition checks of a transaction. (It does bill a changed index sort
// key -- a lease renewal moving GSI2SK -- as a delete plus a put.)
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "dynaflow/store/capacity/recording_table.h"

namespace dynaflow::capacity {

struct BillingRules {
  // A changed index sort key is a delete plus a put in that index, as a changed partition key
  // always is (DynamoDB and DynamoDB Local: yes).
  bool sort_key_change_is_delete_put = true;
  // Bytes an index entry adds to the item's size (DynamoDB: 100 per GSI entry; Local: 0).
  size_t index_entry_overhead_bytes = 100;
  // A transaction's condition checks are billed (DynamoDB: yes, 2 WRU per KB; Local: no).
  bool bill_condition_checks = true;

  static BillingRules DynamoDb() { return {}; }
  static BillingRules DynamoDbLocal() { return {true, 0, false}; }
};

// Units charged to one partition key of one index by one write (table: the item's PK).
struct Charge {
  table::Index index = table::Index::kPrimary;
  std::string partition;
  double units = 0;
};

// Every charge of `write`, in item order: the table's first, then GSI1's, then GSI2's.
std::vector<Charge> ChargesOf(const WriteRecord& write, const BillingRules& rules);
double TotalUnits(const std::vector<Charge>& charges);

// RRU of one Query page of `bytes`.
double ReadUnits(size_t bytes, bool consistent);

// 1 KB write units of an item of `bytes` (at least 1).
double WriteUnitsOf(size_t bytes);

}  // namespace dynaflow::capacity
