// Batch and transactional operations: request bodies and response parsing.
#include <type_traits>

#include "store/dynamodb/client/codec.h"
#include "store/dynamodb/client/internal/codec_internal.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

namespace {

void WriteKeysAndAttributes(json::Writer& w, const KeysAndAttributes& k) {
  w.StartObject();
  w.Key("Keys");
  w.StartArray();
  for (const Item& key : k.keys) codec::WriteItem(w, key);
  w.EndArray();
  if (k.consistent_read) {
    w.Key("ConsistentRead");
    w.Bool(true);
  }
  codec::WriteOptionalString(w, "ProjectionExpression", k.projection_expression);
  codec::WriteNames(w, k.expression_attribute_names);
  w.EndObject();
}

// `name`: {`item_key`: item}, one request of a BatchWriteItem.
void WriteRequestMember(json::Writer& w, std::string_view name, std::string_view item_key,
                        const Item& item) {
  w.Key(name);
  w.StartObject();
  codec::WriteItemMember(w, item_key, item);
  w.EndObject();
}

// TableName, the item or key, and the condition members every transact write item has.
template <class T>
void WriteTransactCommon(json::Writer& w, const T& t, std::string_view item_key, const Item& item,
                         const std::optional<std::string>& condition) {
  w.Member("TableName", t.table_name);
  codec::WriteItemMember(w, item_key, item);
  codec::WriteOptionalString(w, "ConditionExpression", condition);
  codec::WriteExpressionAttributes(w, t.expression_attributes);
  codec::WriteReturnValuesOnConditionCheckFailure(w, t.return_old_item_on_condition_failure);
}

void WriteTransactWriteItem(json::Writer& w, const TransactWriteItem& item) {
  w.StartObject();
  std::visit(
      [&w](const auto& t) {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, TransactConditionCheck>) {
          w.Key("ConditionCheck");
          w.StartObject();
          WriteTransactCommon(w, t, "Key", t.key, t.condition_expression);
        } else if constexpr (std::is_same_v<T, TransactPut>) {
          w.Key("Put");
          w.StartObject();
          WriteTransactCommon(w, t, "Item", t.item, t.condition_expression);
        } else if constexpr (std::is_same_v<T, TransactDelete>) {
          w.Key("Delete");
          w.StartObject();
          WriteTransactCommon(w, t, "Key", t.key, t.condition_expression);
        } else {
          static_assert(std::is_same_v<T, TransactUpdate>);
          w.Key("Update");
          w.StartObject();
          WriteTransactCommon(w, t, "Key", t.key, t.condition_expression);
          if (!t.update_expression.empty()) w.Member("UpdateExpression", t.update_expression);
        }
        w.EndObject();
      },
      item);
  w.EndObject();
}

}  // namespace

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const BatchGetItemRequest& r) {
  json::Writer w(512);
  w.StartObject();
  w.Key("RequestItems");
  w.StartObject();
  for (const auto& [table, keys] : r.request_items) {
    w.Key(table);
    WriteKeysAndAttributes(w, keys);
  }
  w.EndObject();
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const BatchWriteItemRequest& r) {
  json::Writer w(1024);
  w.StartObject();
  w.Key("RequestItems");
  w.StartObject();
  for (const auto& [table, requests] : r.request_items) {
    w.Key(table);
    w.StartArray();
    for (const WriteRequest& req : requests) {
      w.StartObject();
      if (req.put_item) WriteRequestMember(w, "PutRequest", "Item", *req.put_item);
      if (req.delete_key) WriteRequestMember(w, "DeleteRequest", "Key", *req.delete_key);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const TransactWriteItemsRequest& r) {
  json::Writer w(1024);
  w.StartObject();
  w.Key("TransactItems");
  w.StartArray();
  for (const TransactWriteItem& item : r.transact_items) WriteTransactWriteItem(w, item);
  w.EndArray();
  codec::WriteOptionalString(w, "ClientRequestToken", r.client_request_token);
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const TransactGetItemsRequest& r) {
  json::Writer w(512);
  w.StartObject();
  w.Key("TransactItems");
  w.StartArray();
  for (const TransactGetItem& g : r.transact_items) {
    w.StartObject();
    w.Key("Get");
    w.StartObject();
    w.Member("TableName", g.table_name);
    codec::WriteItemMember(w, "Key", g.key);
    codec::WriteOptionalString(w, "ProjectionExpression", g.projection_expression);
    codec::WriteNames(w, g.expression_attribute_names);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  codec::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  w.EndObject();
  return w.Release();
}

// ---- Responses -----------------------------------------------------------------------------

namespace {

Status ReadKeysAndAttributes(const Value& v, const Path& at, KeysAndAttributes* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  const Value* keys = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(v, "Keys", at, &keys));
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadItemList(*keys, at.Key("Keys"), &out->keys));
  if (const Value* c = json::Find(v, "ConsistentRead")) {
    DYNAFLOW_RETURN_IF_ERROR(json::GetBool(*c, at.Key("ConsistentRead"), &out->consistent_read));
  }
  if (const Value* p = json::Find(v, "ProjectionExpression")) {
    std::string s;
    DYNAFLOW_RETURN_IF_ERROR(json::GetString(*p, at.Key("ProjectionExpression"), &s));
    out->projection_expression = std::move(s);
  }
  if (const Value* n = json::Find(v, "ExpressionAttributeNames")) {
    DYNAFLOW_RETURN_IF_ERROR(
        codec::ReadNames(*n, at.Key("ExpressionAttributeNames"), &out->expression_attribute_names));
  }
  return Status::OK();
}

// The `item_key` member of `request`, the `name` member of a BatchWriteItem request at `at`.
Status ReadRequestMember(const Value& request, std::string_view name, std::string_view item_key,
                         const Path& at, std::optional<Item>* out) {
  Path p = at.Key(name);
  const Value* item = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(request, item_key, p, &item));
  out->emplace();
  return codec::ReadItem(*item, p.Key(item_key), &**out);
}

Status ReadWriteRequest(const Value& v, const Path& at, WriteRequest* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  const Value* put = json::Find(v, "PutRequest");
  const Value* del = json::Find(v, "DeleteRequest");
  if (put == nullptr && del == nullptr) {
    return json::Error(at, "expected a PutRequest or a DeleteRequest");
  }
  if (put != nullptr) {
    DYNAFLOW_RETURN_IF_ERROR(ReadRequestMember(*put, "PutRequest", "Item", at, &out->put_item));
  }
  if (del != nullptr) {
    DYNAFLOW_RETURN_IF_ERROR(ReadRequestMember(*del, "DeleteRequest", "Key", at, &out->delete_key));
  }
  return Status::OK();
}

Status ParseBatchGet(std::string_view body, BatchGetItemResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  const Value& root = doc.root();
  Path at;
  if (const Value* responses = json::Find(root, "Responses")) {
    Path rp = at.Key("Responses");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*responses, rp));
    for (auto it = responses->MemberBegin(); it != responses->MemberEnd(); ++it) {
      std::string_view table = json::StringOf(it->name);
      DYNAFLOW_RETURN_IF_ERROR(
          codec::ReadItemList(it->value, rp.Key(table), &out->responses[std::string(table)]));
    }
  }
  if (const Value* unprocessed = json::Find(root, "UnprocessedKeys")) {
    Path up = at.Key("UnprocessedKeys");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*unprocessed, up));
    for (auto it = unprocessed->MemberBegin(); it != unprocessed->MemberEnd(); ++it) {
      std::string_view table = json::StringOf(it->name);
      DYNAFLOW_RETURN_IF_ERROR(ReadKeysAndAttributes(it->value, up.Key(table),
                                                     &out->unprocessed_keys[std::string(table)]));
    }
  }
  return codec::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

Status ParseBatchWrite(std::string_view body, BatchWriteItemResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  const Value& root = doc.root();
  Path at;
  if (const Value* unprocessed = json::Find(root, "UnprocessedItems")) {
    Path up = at.Key("UnprocessedItems");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*unprocessed, up));
    for (auto it = unprocessed->MemberBegin(); it != unprocessed->MemberEnd(); ++it) {
      std::string_view table = json::StringOf(it->name);
      Path tp = up.Key(table);
      DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(it->value, tp));
      auto& list = out->unprocessed_items[std::string(table)];
      list.resize(it->value.Size());
      for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
        DYNAFLOW_RETURN_IF_ERROR(ReadWriteRequest(it->value[i], tp.Index(i), &list[i]));
      }
    }
  }
  return codec::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

Status ParseTransactWrite(std::string_view body, TransactWriteItemsResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  return codec::ReadConsumedCapacityList(doc.root(), Path(), &out->consumed_capacity);
}

Status ParseTransactGet(std::string_view body, TransactGetItemsResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  const Value& root = doc.root();
  Path at;
  const Value* responses = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, "Responses", at, &responses));
  Path rp = at.Key("Responses");
  DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(*responses, rp));
  out->items.resize(responses->Size());
  for (rapidjson::SizeType i = 0; i < responses->Size(); ++i) {
    const Value& r = (*responses)[i];
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(r, rp.Index(i)));
    DYNAFLOW_RETURN_IF_ERROR(codec::ReadOptionalItem(r, "Item", rp.Index(i), &out->items[i]));
  }
  return codec::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

}  // namespace

Status ParseResponse(std::string_view body, BatchGetItemResponse* out) {
  *out = {};
  return codec::WithOperation("BatchGetItem", ParseBatchGet(body, out));
}

Status ParseResponse(std::string_view body, BatchWriteItemResponse* out) {
  *out = {};
  return codec::WithOperation("BatchWriteItem", ParseBatchWrite(body, out));
}

Status ParseResponse(std::string_view body, TransactWriteItemsResponse* out) {
  *out = {};
  return codec::WithOperation("TransactWriteItems", ParseTransactWrite(body, out));
}

Status ParseResponse(std::string_view body, TransactGetItemsResponse* out) {
  *out = {};
  return codec::WithOperation("TransactGetItems", ParseTransactGet(body, out));
}

}  // namespace dynaflow::dynamodb
