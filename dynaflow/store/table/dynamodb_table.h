// The DynamoDB backend of the Table layer, on dynamodb::Client.
//
// Mapping of the Table operations (one DynamoDB request each unless said otherwise):
// - Get: GetItem with ConsistentRead.
// - Put / Delete: PutItem / DeleteItem; Update: UpdateItem with ReturnValues=ALL_NEW. Conditions
//   are rendered to ConditionExpression, updates to UpdateExpression (see
//   internal/dynamodb_render.h: numeric add is SET x = if_not_exists(x, 0) + d). When the caller
//   asks for the old item, ReturnValuesOnConditionCheckFailure=ALL_OLD; a
//   ConditionalCheckFailedException becomes kConditionFailed with that item.
// - TransactWrite: TransactWriteItems (the client adds an idempotency token). A cancellation
//   with a ConditionalCheckFailed reason is kConditionFailed, failed_index = the first such
//   reason, old_item = its Item; TransactionConflict reasons are kTransactionCanceled.
// - BatchGet: BatchGetItem, consistent, duplicates sent once, ceil(n/100) requests plus re-sends
//   of unprocessed keys (the client does both); results in request order.
// - BatchDelete: BatchWriteItem delete requests, ceil(n/25) requests plus re-sends.
// - Query: Query on the table or on GSI1 / GSI2 (kGsi1Name / kGsi2Name) with
//   KeyConditionExpression, ScanIndexForward, Limit = limit + 1 (the extra item tells whether
//   another page exists, so the last page usually carries no cursor), ExclusiveStartKey from the
//   cursor (authenticated and checked against the query first), and a FilterExpression dropping
//   expired items server-side. Items are re-checked for expiry and the page is cut at 1 MB
//   (ItemSizeBytes) client-side; the cursor points after the last item returned, or is built
//   from LastEvaluatedKey. DynamoDB's Limit counts items before the filter, so a page may hold
//   fewer than `limit` items (even none) while a cursor is still returned.
//
// Requests are validated with the shared checks (internal/validation.h) before anything is
// sent, so limits fail with the same codes and messages as on the other backends.
// Error mapping: DynamoDB errors become Status through dynamodb::Error::ToStatus() (throttling
// kThrottled, network kUnavailable, ...), except: a ValidationException about the item size
// (an update growing an item past 400 KB) is kLimitExceeded; other ValidationExceptions
// (e.g. adding to a non-number) are kInvalidArgument.
//
// TTL: expired items (ttl <= now per TableOptions::clock) are invisible to Get, BatchGet and
// Query. Conditions are evaluated by DynamoDB, which still sees an expired item until its TTL
// process deletes it (see internal/ttl.h); the old item returned on a failed condition is the
// item the condition saw, expired or not.
//
// GSI reads are eventually consistent on DynamoDB (consistent=true on a GSI is rejected).
//
// TableStats: reads = GetItem / BatchGetItem requests sent (HTTP attempts, retries included);
// writes = put / update / delete / transaction / batch-delete calls sent; queries = Query
// calls sent (one page each); requests = every HTTP attempt of this table (retries included),
// counted with dynamodb::CallScope; write_units / read_units = the capacity DynamoDB reported
// for them. Consumed capacity is requested (ReturnConsumedCapacity INDEXES by default, free of
// charge) and also reaches the client's RequestCounters.
//
// Thread-safety: every method may be called concurrently; the table holds no lock.
#pragma once

#include <memory>
#include <string>

#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/table/table_options.h"

namespace dynaflow::table {

struct DynamoDbTableOptions {
  // Clock (TTL filtering) and cursor secret, as for every backend. Default: real clock,
  // built-in cursor key.
  TableOptions table;
  // Check the table's keys and indexes with VerifySeedTable (TTL not checked: the layer filters
  // expired items either way) when opening, costing one DescribeTable request. Default: true.
  bool verify_layout = true;
  // ReturnConsumedCapacity sent with every item request, so capacity reaches TableStats and
  // the client's counters (index writes included). Default: kIndexes.
  dynamodb::ReturnConsumedCapacity return_consumed_capacity =
      dynamodb::ReturnConsumedCapacity::kIndexes;
  // Also drop expired items server-side with a FilterExpression on queries (saves bandwidth;
  // items are re-checked client-side regardless). Default: true.
  bool filter_expired_server_side = true;
};

// A Table over the existing DynamoDB table `table_name` (see provisioning.h to create one).
// name() is "dynamodb:<table_name>". `client` is shared; it must not be null.
// Errors: kInvalidArgument for a null client or an empty table name, or (verify_layout) a table
// that differs from the seed layout; kNotFound when the table does not exist (verify_layout);
// the mapped client error when DescribeTable fails.
Result<std::unique_ptr<Table>> OpenDynamoDbTable(std::shared_ptr<dynamodb::Client> client,
                                                 std::string table_name,
                                                 const DynamoDbTableOptions& options = {});

}  // namespace dynaflow::table
