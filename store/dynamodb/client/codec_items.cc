// Single-item operations and Query/Scan: request bodies and response parsing.
#include "store/dynamodb/client/codec.h"
#include "store/dynamodb/client/internal/codec_internal.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const GetItemRequest& r) {
  json::Writer w(256);
  w.StartObject();
  w.Member("TableName", r.table_name);
  codec::WriteItemMember(w, "Key", r.key);
  if (r.consistent_read) {
    w.Key("ConsistentRead");
    w.Bool(true);
  }
  codec::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
  codec::WriteNames(w, r.expression_attribute_names);
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

namespace {

// The members PutItem, UpdateItem and DeleteItem requests share after their key or item.
template <class Request>
void WriteItemWriteOptions(json::Writer& w, const Request& r) {
  codec::WriteOptionalString(w, "ConditionExpression", r.condition_expression);
  codec::WriteExpressionAttributes(w, r.expression_attributes);
  codec::WriteReturnValues(w, r.return_values);
  codec::WriteReturnValuesOnConditionCheckFailure(w, r.return_old_item_on_condition_failure);
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
}

}  // namespace

std::string ToJson(const PutItemRequest& r) {
  json::Writer w(512);
  w.StartObject();
  w.Member("TableName", r.table_name);
  codec::WriteItemMember(w, "Item", r.item);
  WriteItemWriteOptions(w, r);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const UpdateItemRequest& r) {
  json::Writer w(512);
  w.StartObject();
  w.Member("TableName", r.table_name);
  codec::WriteItemMember(w, "Key", r.key);
  if (!r.update_expression.empty()) w.Member("UpdateExpression", r.update_expression);
  WriteItemWriteOptions(w, r);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const DeleteItemRequest& r) {
  json::Writer w(256);
  w.StartObject();
  w.Member("TableName", r.table_name);
  codec::WriteItemMember(w, "Key", r.key);
  WriteItemWriteOptions(w, r);
  w.EndObject();
  return w.Release();
}

namespace {

// Members Query and Scan share after their specific ones.
void WritePaging(json::Writer& w, const std::optional<int>& limit,
                 const std::optional<Item>& exclusive_start_key, bool consistent_read) {
  if (limit) {
    w.Key("Limit");
    w.Int(*limit);
  }
  if (exclusive_start_key) codec::WriteItemMember(w, "ExclusiveStartKey", *exclusive_start_key);
  if (consistent_read) {
    w.Key("ConsistentRead");
    w.Bool(true);
  }
}

}  // namespace

std::string ToJson(const QueryRequest& r) {
  json::Writer w(256);
  w.StartObject();
  w.Member("TableName", r.table_name);
  codec::WriteOptionalString(w, "IndexName", r.index_name);
  if (!r.key_condition_expression.empty()) {
    w.Member("KeyConditionExpression", r.key_condition_expression);
  }
  codec::WriteOptionalString(w, "FilterExpression", r.filter_expression);
  codec::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
  codec::WriteExpressionAttributes(w, r.expression_attributes);
  if (!r.scan_index_forward) {
    w.Key("ScanIndexForward");
    w.Bool(false);
  }
  WritePaging(w, r.limit, r.exclusive_start_key, r.consistent_read);
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const ScanRequest& r) {
  json::Writer w(256);
  w.StartObject();
  w.Member("TableName", r.table_name);
  codec::WriteOptionalString(w, "IndexName", r.index_name);
  codec::WriteOptionalString(w, "FilterExpression", r.filter_expression);
  codec::WriteOptionalString(w, "ProjectionExpression", r.projection_expression);
  codec::WriteExpressionAttributes(w, r.expression_attributes);
  WritePaging(w, r.limit, r.exclusive_start_key, r.consistent_read);
  if (r.segment) {
    w.Key("Segment");
    w.Int(*r.segment);
  }
  if (r.total_segments) {
    w.Key("TotalSegments");
    w.Int(*r.total_segments);
  }
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

// ---- Responses -----------------------------------------------------------------------------

namespace {

// Item/Attributes + ConsumedCapacity, the shape of every single-item response.
template <class Response>
Status ParseSingle(std::string_view body, std::string_view item_key, Response* out,
                   std::optional<Item>* item) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  const Value& root = doc.root();
  Path at;
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadOptionalItem(root, item_key, at, item));
  return codec::ReadConsumedCapacity(root, at, &out->consumed_capacity);
}

Status ParseQuery(std::string_view body, QueryResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  const Value& root = doc.root();
  Path at;
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
  *out = {};
  return codec::WithOperation("GetItem", ParseSingle(body, "Item", out, &out->item));
}

Status ParseResponse(std::string_view body, PutItemResponse* out) {
  *out = {};
  return codec::WithOperation("PutItem", ParseSingle(body, "Attributes", out, &out->attributes));
}

Status ParseResponse(std::string_view body, UpdateItemResponse* out) {
  *out = {};
  return codec::WithOperation("UpdateItem", ParseSingle(body, "Attributes", out, &out->attributes));
}

Status ParseResponse(std::string_view body, DeleteItemResponse* out) {
  *out = {};
  return codec::WithOperation("DeleteItem", ParseSingle(body, "Attributes", out, &out->attributes));
}

Status ParseResponse(std::string_view body, QueryResponse* out) {
  *out = {};
  return codec::WithOperation("Query/Scan", ParseQuery(body, out));
}

}  // namespace dynaflow::dynamodb
