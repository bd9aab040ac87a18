// Single-item operations and Query/Scan: request bodies and response parsing.
#include "dynaflow/store/dynamodb/client/internal/wire_internal.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const GetItemRequest& r) {
  return json::ObjectText(256, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    wire::WriteItemMember(w, "Key", r.key);
    if (r.consistent_read) w.BoolMember("ConsistentRead", true);
    wire::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
    wire::WriteNames(w, r.expression_attribute_names);
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

namespace {

// A PutItem, UpdateItem or DeleteItem request: TableName, then `write_target` (the item, or
// the key and update), then the members the three share.
template <class Request, class WriteTarget>
std::string ItemWriteText(size_t reserve, const Request& r, WriteTarget&& write_target) {
  return json::ObjectText(reserve, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    write_target(w);
    wire::WriteOptionalString(w, "ConditionExpression", r.condition_expression);
    wire::WriteExpressionAttributes(w, r.expression_attributes);
    wire::WriteReturnValues(w, r.return_values);
    wire::WriteReturnValuesOnConditionCheckFailure(w, r.return_old_item_on_condition_failure);
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

}  // namespace

std::string ToJson(const PutItemRequest& r) {
  return ItemWriteText(512, r, [&](json::Writer& w) { wire::WriteItemMember(w, "Item", r.item); });
}

std::string ToJson(const UpdateItemRequest& r) {
  return ItemWriteText(512, r, [&](json::Writer& w) {
    wire::WriteItemMember(w, "Key", r.key);
    if (!r.update_expression.empty()) w.Member("UpdateExpression", r.update_expression);
  });
}

std::string ToJson(const DeleteItemRequest& r) {
  return ItemWriteText(256, r, [&](json::Writer& w) { wire::WriteItemMember(w, "Key", r.key); });
}

namespace {

// A Query or Scan request: the members both have, with `write_specific` (what only one of them
// has) written after the expressions.
template <class Request, class WriteSpecific>
std::string ReadManyText(const Request& r, WriteSpecific&& write_specific) {
  return json::ObjectText(256, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    wire::WriteOptionalString(w, "IndexName", r.index_name);
    wire::WriteOptionalString(w, "FilterExpression", r.filter_expression);
    wire::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
    wire::WriteExpressionAttributes(w, r.expression_attributes);
    write_specific(w);
    if (r.limit) w.IntMember("Limit", *r.limit);
    if (r.exclusive_start_key)
      wire::WriteItemMember(w, "ExclusiveStartKey", *r.exclusive_start_key);
    if (r.consistent_read) w.BoolMember("ConsistentRead", true);
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

}  // namespace

std::string ToJson(const QueryRequest& r) {
  return ReadManyText(r, [&](json::Writer& w) {
    if (!r.key_condition_expression.empty()) {
      w.Member("KeyConditionExpression", r.key_condition_expression);
    }
    if (!r.scan_index_forward) w.BoolMember("ScanIndexForward", false);
  });
}

std::string ToJson(const ScanRequest& r) {
  return ReadManyText(r, [&](json::Writer& w) {
    if (r.segment) w.IntMember("Segment", *r.segment);
    if (r.total_segments) w.IntMember("TotalSegments", *r.total_segments);
  });
}

// ---- Responses -----------------------------------------------------------------------------

namespace {

Status ReadGetItem(const Value& root, const Path& at, GetItemResponse* out) {
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadOptionalItem(root, "Item", at, &out->item));
  return wire::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

// Attributes + ConsumedCapacity: the PutItem, UpdateItem and DeleteItem responses.
template <class Response>
Status ReadItemWrite(const Value& root, const Path& at, Response* out) {
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadOptionalItem(root, "Attributes", at, &out->attributes));
  return wire::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

Status ReadQuery(const Value& root, const Path& at, QueryResponse* out) {
  const Value* items = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, "Items", at, &items));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadItemList(*items, at.Key("Items"), &out->items));
  const Value* count = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, "Count", at, &count));
  DYNAFLOW_RETURN_IF_ERROR(json::GetInt(*count, at.Key("Count"), &out->count));
  out->scanned_count = out->count;
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadOptionalInt(root, "ScannedCount", at, &out->scanned_count));
  DYNAFLOW_RETURN_IF_ERROR(
      wire::ReadOptionalItem(root, "LastEvaluatedKey", at, &out->last_evaluated_key));
  return wire::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

}  // namespace

Status ParseResponse(std::string_view body, GetItemResponse* out) {
  return wire::ParseObjectResponse("GetItem", body, out, ReadGetItem);
}

Status ParseResponse(std::string_view body, PutItemResponse* out) {
  return wire::ParseObjectResponse("PutItem", body, out, ReadItemWrite<PutItemResponse>);
}

Status ParseResponse(std::string_view body, UpdateItemResponse* out) {
  return wire::ParseObjectResponse("UpdateItem", body, out, ReadItemWrite<UpdateItemResponse>);
}

Status ParseResponse(std::string_view body, DeleteItemResponse* out) {
  return wire::ParseObjectResponse("DeleteItem", body, out, ReadItemWrite<DeleteItemResponse>);
}

Status ParseResponse(std::string_view body, QueryResponse* out) {
  return wire::ParseObjectResponse("Query/Scan", body, out, ReadQuery);
}

}  // namespace dynaflow::dynamodb
