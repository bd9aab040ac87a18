// Single-item operations and Query/Scan: request bodies and response parsing.
#include "store/dynamodb/client/codec.h"
#include "store/dynamodb/client/internal/codec_internal.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const GetItemRequest& r) {
  return json::ObjectText(256, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    codec::WriteItemMember(w, "Key", r.key);
    if (r.consistent_read) w.BoolMember("ConsistentRead", true);
    codec::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
    codec::WriteNames(w, r.expression_attribute_names);
    codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
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
    codec::WriteOptionalString(w, "ConditionExpression", r.condition_expression);
    codec::WriteExpressionAttributes(w, r.expression_attributes);
    codec::WriteReturnValues(w, r.return_values);
    codec::WriteReturnValuesOnConditionCheckFailure(w, r.return_old_item_on_condition_failure);
    codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

}  // namespace

std::string ToJson(const PutItemRequest& r) {
  return ItemWriteText(512, r, [&](json::Writer& w) { codec::WriteItemMember(w, "Item", r.item); });
}

std::string ToJson(const UpdateItemRequest& r) {
  return ItemWriteText(512, r, [&](json::Writer& w) {
    codec::WriteItemMember(w, "Key", r.key);
    if (!r.update_expression.empty()) w.Member("UpdateExpression", r.update_expression);
  });
}

std::string ToJson(const DeleteItemRequest& r) {
  return ItemWriteText(256, r, [&](json::Writer& w) { codec::WriteItemMember(w, "Key", r.key); });
}

namespace {

// A Query or Scan request: the members both have, with `write_specific` (what only one of them
// has) written after the expressions.
template <class Request, class WriteSpecific>
std::string ReadManyText(const Request& r, WriteSpecific&& write_specific) {
  return json::ObjectText(256, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    codec::WriteOptionalString(w, "IndexName", r.index_name);
    codec::WriteOptionalString(w, "FilterExpression", r.filter_expression);
    codec::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
    codec::WriteExpressionAttributes(w, r.expression_attributes);
    write_specific(w);
    if (r.limit) w.IntMember("Limit", *r.limit);
    if (r.exclusive_start_key)
      codec::WriteItemMember(w, "ExclusiveStartKey", *r.exclusive_start_key);
    if (r.consistent_read) w.BoolMember("ConsistentRead", true);
    codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
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
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadOptionalItem(root, "Item", at, &out->item));
  return codec::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

// Attributes + ConsumedCapacity: the PutItem, UpdateItem and DeleteItem responses.
template <class Response>
Status ReadItemWrite(const Value& root, const Path& at, Response* out) {
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadOptionalItem(root, "Attributes", at, &out->attributes));
  return codec::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

Status ReadQuery(const Value& root, const Path& at, QueryResponse* out) {
  const Value* items = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, "Items", at, &items));
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadItemList(*items, at.Key("Items"), &out->items));
  const Value* count = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, "Count", at, &count));
  DYNAFLOW_RETURN_IF_ERROR(json::GetInt(*count, at.Key("Count"), &out->count));
  out->scanned_count = out->count;
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadOptionalInt(root, "ScannedCount", at, &out->scanned_count));
  DYNAFLOW_RETURN_IF_ERROR(
      codec::ReadOptionalItem(root, "LastEvaluatedKey", at, &out->last_evaluated_key));
  return codec::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

}  // namespace

Status ParseResponse(std::string_view body, GetItemResponse* out) {
  return codec::ParseObjectResponse("GetItem", body, out, ReadGetItem);
}

Status ParseResponse(std::string_view body, PutItemResponse* out) {
  return codec::ParseObjectResponse("PutItem", body, out, ReadItemWrite<PutItemResponse>);
}

Status ParseResponse(std::string_view body, UpdateItemResponse* out) {
  return codec::ParseObjectResponse("UpdateItem", body, out, ReadItemWrite<UpdateItemResponse>);
}

Status ParseResponse(std::string_view body, DeleteItemResponse* out) {
  return codec::ParseObjectResponse("DeleteItem", body, out, ReadItemWrite<DeleteItemResponse>);
}

Status ParseResponse(std::string_view body, QueryResponse* out) {
  return codec::ParseObjectResponse("Query/Scan", body, out, ReadQuery);
}

}  // namespace dynaflow::dynamodb
