// Request and response values of the DynamoDB operations the client issues.
//
// Field names follow the DynamoDB API reference (JSON protocol 1.0). Optional fields left empty
// are not sent. Expression attribute names/values are passed as written by the caller.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dynaflow/model/attribute_value.h"

namespace dynaflow::dynamodb {

enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };
enum class ReturnConsumedCapacity { kNone, kTotal, kIndexes };

// "#n" -> "name" and ":v" -> value maps shared by every expression of a request.
struct ExpressionAttributes {
  std::map<std::string, std::string> names;
  AttributeMap values;
};

struct ConsumedCapacity {
  std::string table_name;
  double capacity_units = 0;  // as reported; metrics only
  double read_capacity_units = 0;
  double write_capacity_units = 0;
};

// ---- Item operations -------------------------------------------------------------------------

struct GetItemRequest {
  std::string table_name;
  Item key;
  bool consistent_read = false;
  std::optional<std::string> projection_expression;
  std::map<std::string, std::string> expression_attribute_names;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct GetItemResponse {
  std::optional<Item> item;  // empty when no item has the key
  std::optional<ConsumedCapacity> consumed_capacity;
};

struct PutItemRequest {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;
  ExpressionAttributes expression_attributes;
  ReturnValues return_values = ReturnValues::kNone;   // NONE or ALL_OLD only
  bool return_old_item_on_condition_failure = false;  // ReturnValuesOnConditionCheckFailure
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct PutItemResponse {
  std::optional<Item> attributes;
  std::optional<ConsumedCapacity> consumed_capacity;
};

struct UpdateItemRequest {
  std::string table_name;
  Item key;
  std::string update_expression;
  std::optional<std::string> condition_expression;
  ExpressionAttributes expression_attributes;
  ReturnValues return_values = ReturnValues::kNone;
  bool return_old_item_on_condition_failure = false;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct UpdateItemResponse {
  std::optional<Item> attributes;
  std::optional<ConsumedCapacity> consumed_capacity;
};

struct DeleteItemRequest {
  std::string table_name;
  Item key;
  std::optional<std::string> condition_expression;
  ExpressionAttributes expression_attributes;
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD only
  bool return_old_item_on_condition_failure = false;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct DeleteItemResponse {
  std::optional<Item> attributes;
  std::optional<ConsumedCapacity> consumed_capacity;
};

// ---- Reads of many items ---------------------------------------------------------------------

struct QueryRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::string key_condition_expression;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionAttributes expression_attributes;
  bool scan_index_forward = true;
  std::optional<int> limit;
  std::optional<Item> exclusive_start_key;
  bool consistent_read = false;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct QueryResponse {
  std::vector<Item> items;
  int count = 0;
  int scanned_count = 0;
  std::optional<Item> last_evaluated_key;  // present when more pages remain
  std::optional<ConsumedCapacity> consumed_capacity;
};

struct ScanRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionAttributes expression_attributes;
  std::optional<int> limit;
  std::optional<Item> exclusive_start_key;
  bool consistent_read = false;
  std::optional<int> segment;
  std::optional<int> total_segments;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
using ScanResponse = QueryResponse;

struct KeysAndAttributes {
  std::vector<Item> keys;
  bool consistent_read = false;
  std::optional<std::string> projection_expression;
  std::map<std::string, std::string> expression_attribute_names;
};
struct BatchGetItemRequest {
  std::map<std::string, KeysAndAttributes> request_items;  // table -> keys (<= 100 keys total)
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct BatchGetItemResponse {
  std::map<std::string, std::vector<Item>> responses;
  std::map<std::string, KeysAndAttributes> unprocessed_keys;
  std::vector<ConsumedCapacity> consumed_capacity;
};

// ---- Batch and transactional writes ----------------------------------------------------------

// Exactly one of put_item / delete_key is set.
struct WriteRequest {
  std::optional<Item> put_item;
  std::optional<Item> delete_key;
};
struct BatchWriteItemRequest {
  std::map<std::string, std::vector<WriteRequest>> request_items;  // <= 25 requests per call
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct BatchWriteItemResponse {
  std::map<std::string, std::vector<WriteRequest>> unprocessed_items;
  std::vector<ConsumedCapacity> consumed_capacity;
};

struct TransactConditionCheck {
  std::string table_name;
  Item key;
  std::string condition_expression;
  ExpressionAttributes expression_attributes;
  bool return_old_item_on_condition_failure = false;
};
struct TransactPut {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;
  ExpressionAttributes expression_attributes;
  bool return_old_item_on_condition_failure = false;
};
struct TransactDelete {
  std::string table_name;
  Item key;
  std::optional<std::string> condition_expression;
  ExpressionAttributes expression_attributes;
  bool return_old_item_on_condition_failure = false;
};
struct TransactUpdate {
  std::string table_name;
  Item key;
  std::string update_expression;
  std::optional<std::string> condition_expression;
  ExpressionAttributes expression_attributes;
  bool return_old_item_on_condition_failure = false;
};
using TransactWriteItem =
    std::variant<TransactConditionCheck, TransactPut, TransactDelete, TransactUpdate>;

struct TransactWriteItemsRequest {
  std::vector<TransactWriteItem> transact_items;  // <= 100
  // Idempotency token (<= 36 chars); the client generates one when empty so that retries of
  // the same call are idempotent for 10 minutes.
  std::optional<std::string> client_request_token;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct TransactWriteItemsResponse {
  std::vector<ConsumedCapacity> consumed_capacity;
};

struct TransactGetItem {
  std::string table_name;
  Item key;
  std::optional<std::string> projection_expression;
  std::map<std::string, std::string> expression_attribute_names;
};
struct TransactGetItemsRequest {
  std::vector<TransactGetItem> transact_items;  // <= 100
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
struct TransactGetItemsResponse {
  std::vector<std::optional<Item>> items;  // in request order; empty when absent
  std::vector<ConsumedCapacity> consumed_capacity;
};

// ---- Tables ----------------------------------------------------------------------------------

struct AttributeDefinition {
  std::string attribute_name;
  std::string attribute_type;  // "S", "N" or "B"
};
struct KeySchemaElement {
  std::string attribute_name;
  std::string key_type;  // "HASH" or "RANGE"
};
struct Projection {
  std::string projection_type = "ALL";  // "ALL", "KEYS_ONLY" or "INCLUDE"
  std::vector<std::string> non_key_attributes;
};
struct ProvisionedThroughput {
  int64_t read_capacity_units = 0;
  int64_t write_capacity_units = 0;
};
struct GlobalSecondaryIndex {
  std::string index_name;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  std::optional<ProvisionedThroughput> provisioned_throughput;  // PROVISIONED billing only
  std::string index_status;  // in descriptions: "CREATING", "ACTIVE", ...
};
struct TableDescription {
  std::string table_name;
  std::string table_status;  // "CREATING", "ACTIVE", "DELETING", "UPDATING", ...
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  std::vector<GlobalSecondaryIndex> global_secondary_indexes;
  std::string billing_mode;  // may be empty when the service omits it
  int64_t item_count = 0;
  std::string table_arn;
};

struct CreateTableRequest {
  std::string table_name;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  std::vector<GlobalSecondaryIndex> global_secondary_indexes;
  std::string billing_mode = "PAY_PER_REQUEST";  // or "PROVISIONED"
  std::optional<ProvisionedThroughput> provisioned_throughput;
};
struct CreateTableResponse {
  TableDescription table_description;
};
struct DescribeTableRequest {
  std::string table_name;
};
struct DescribeTableResponse {
  TableDescription table;
};
struct DeleteTableRequest {
  std::string table_name;
};
struct DeleteTableResponse {
  TableDescription table_description;
};

struct UpdateTimeToLiveRequest {
  std::string table_name;
  std::string attribute_name;
  bool enabled = true;
};
struct UpdateTimeToLiveResponse {
  std::string attribute_name;
  bool enabled = false;
};
struct DescribeTimeToLiveRequest {
  std::string table_name;
};
struct DescribeTimeToLiveResponse {
  std::string time_to_live_status;  // "ENABLING", "ENABLED", "DISABLING", "DISABLED"
  std::string attribute_name;       // empty when disabled
};

}  // namespace dynaflow::dynamodb
