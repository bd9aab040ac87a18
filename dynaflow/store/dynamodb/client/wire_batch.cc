// Batch and transactional operations: request bodies and response parsing.
#include <iterator>
#include <map>
#include <variant>

#include "dynaflow/store/dynamodb/client/internal/wire_internal.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

namespace {

void WriteKeysAndAttributes(json::Writer& w, const KeysAndAttributes& k) {
  w.StartObject();
  w.ArrayMember("Keys", [&] {
    for (const Item& key : k.keys) wire::WriteItem(w, key);
  });
  if (k.consistent_read) w.BoolMember("ConsistentRead", true);
  wire::WriteOptionalString(w, "ProjectionExpression", k.projection_expression);
  wire::WriteNames(w, k.expression_attribute_names);
  w.EndObject();
}

// TableName, the item or key, and the condition members every transact write item has.
template <class T>
void WriteTransactCommon(json::Writer& w, const T& t, std::string_view item_key, const Item& item) {
  w.Member("TableName", t.table_name);
  wire::WriteItemMember(w, item_key, item);
  wire::WriteOptionalString(w, "ConditionExpression", t.condition_expression);
  wire::WriteExpressionAttributes(w, t.expression_attributes);
  wire::WriteReturnValuesOnConditionCheckFailure(w, t.return_old_item_on_condition_failure);
}

void WriteTransactBody(json::Writer& w, const TransactConditionCheck& t) {
  WriteTransactCommon(w, t, "Key", t.key);
}
void WriteTransactBody(json::Writer& w, const TransactPut& t) {
  WriteTransactCommon(w, t, "Item", t.item);
}
void WriteTransactBody(json::Writer& w, const TransactDelete& t) {
  WriteTransactCommon(w, t, "Key", t.key);
}
void WriteTransactBody(json::Writer& w, const TransactUpdate& t) {
  WriteTransactCommon(w, t, "Key", t.key);
  if (!t.update_expression.empty()) w.Member("UpdateExpression", t.update_expression);
}

// The member names of the TransactWriteItem alternatives, in the variant's order.
constexpr std::string_view kTransactWriteKinds[] = {"ConditionCheck", "Put", "Delete", "Update"};
static_assert(std::size(kTransactWriteKinds) == std::variant_size_v<TransactWriteItem>);

void WriteTransactWriteItem(json::Writer& w, const TransactWriteItem& item) {
  w.StartObject();
  w.ObjectMember(kTransactWriteKinds[item.index()],
                 [&] { std::visit([&w](const auto& t) { WriteTransactBody(w, t); }, item); });
  w.EndObject();
}

}  // namespace

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const BatchGetItemRequest& r) {
  return json::ObjectText(512, [&](json::Writer& w) {
    w.ObjectMember("RequestItems", [&] {
      for (const auto& [table, keys] : r.request_items) {
        w.Key(table);
        WriteKeysAndAttributes(w, keys);
      }
    });
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

std::string ToJson(const BatchWriteItemRequest& r) {
  return json::ObjectText(1024, [&](json::Writer& w) {
    w.ObjectMember("RequestItems", [&] {
      for (const auto& [table, requests] : r.request_items) {
        w.ArrayMember(table, [&] {
          for (const WriteRequest& req : requests) {
            w.StartObject();
            if (req.put_item) {
              w.ObjectMember("PutRequest",
                             [&] { wire::WriteItemMember(w, "Item", *req.put_item); });
            }
            if (req.delete_key) {
              w.ObjectMember("DeleteRequest",
                             [&] { wire::WriteItemMember(w, "Key", *req.delete_key); });
            }
            w.EndObject();
          }
        });
      }
    });
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

std::string ToJson(const TransactWriteItemsRequest& r) {
  return json::ObjectText(1024, [&](json::Writer& w) {
    w.ArrayMember("TransactItems", [&] {
      for (const TransactWriteItem& item : r.transact_items) WriteTransactWriteItem(w, item);
    });
    wire::WriteOptionalString(w, "ClientRequestToken", r.client_request_token);
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

std::string ToJson(const TransactGetItemsRequest& r) {
  return json::ObjectText(512, [&](json::Writer& w) {
    w.ArrayMember("TransactItems", [&] {
      for (const TransactGetItem& g : r.transact_items) {
        w.StartObject();
        w.ObjectMember("Get", [&] {
          w.Member("TableName", g.table_name);
          wire::WriteItemMember(w, "Key", g.key);
          wire::WriteOptionalString(w, "ProjectionExpression", g.projection_expression);
          wire::WriteNames(w, g.expression_attribute_names);
        });
        w.EndObject();
      }
    });
    wire::WriteReturnConsumedCapacity(w, r.return_consumed_capacity);
  });
}

// ---- Responses -----------------------------------------------------------------------------

namespace {

Status ReadKeysAndAttributes(const Value& v, const Path& at, KeysAndAttributes* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  const Value* keys = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(v, "Keys", at, &keys));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadItemList(*keys, at.Key("Keys"), &out->keys));
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
        wire::ReadNames(*n, at.Key("ExpressionAttributeNames"), &out->expression_attribute_names));
  }
  return Status::OK();
}

// Each member of object `v` is a table name; `read(value, path, &(*out)[table])` reads it.
template <class T, class ReadTableValue>
Status ReadPerTable(const Value& v, const Path& at, std::map<std::string, T>* out,
                    ReadTableValue&& read) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view table = json::StringOf(it->name);
    DYNAFLOW_RETURN_IF_ERROR(read(it->value, at.Key(table), &(*out)[std::string(table)]));
  }
  return Status::OK();
}

Status ReadRequestMember(const Value& request, std::string_view name, std::string_view item_key,
                         const Path& at, std::optional<Item>* out) {
  Path p = at.Key(name);
  const Value* item = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(request, item_key, p, &item));
  out->emplace();
  return wire::ReadItem(*item, p.Key(item_key), &**out);
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

Status ReadBatchGet(const Value& root, const Path& at, BatchGetItemResponse* out) {
  if (const Value* responses = json::Find(root, "Responses")) {
    DYNAFLOW_RETURN_IF_ERROR(
        ReadPerTable(*responses, at.Key("Responses"), &out->responses, wire::ReadItemList));
  }
  if (const Value* unprocessed = json::Find(root, "UnprocessedKeys")) {
    DYNAFLOW_RETURN_IF_ERROR(ReadPerTable(*unprocessed, at.Key("UnprocessedKeys"),
                                          &out->unprocessed_keys, ReadKeysAndAttributes));
  }
  return wire::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

Status ReadBatchWrite(const Value& root, const Path& at, BatchWriteItemResponse* out) {
  if (const Value* unprocessed = json::Find(root, "UnprocessedItems")) {
    DYNAFLOW_RETURN_IF_ERROR(
        ReadPerTable(*unprocessed, at.Key("UnprocessedItems"), &out->unprocessed_items,
                     [](const Value& v, const Path& p, std::vector<WriteRequest>* list) {
                       return wire::ReadArray(v, p, list, ReadWriteRequest);
                     }));
  }
  return wire::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

Status ReadTransactWrite(const Value& root, const Path& at, TransactWriteItemsResponse* out) {
  return wire::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

Status ReadTransactGet(const Value& root, const Path& at, TransactGetItemsResponse* out) {
  const Value* responses = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, "Responses", at, &responses));
  DYNAFLOW_RETURN_IF_ERROR(
      wire::ReadArray(*responses, at.Key("Responses"), &out->items,
                      [](const Value& r, const Path& p, std::optional<Item>* item) {
                        DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(r, p));
                        return wire::ReadOptionalItem(r, "Item", p, item);
                      }));
  return wire::ReadConsumedCapacityList(root, at, &out->consumed_capacity);
}

}  // namespace

Status ParseResponse(std::string_view body, BatchGetItemResponse* out) {
  return wire::ParseObjectResponse("BatchGetItem", body, out, ReadBatchGet);
}

Status ParseResponse(std::string_view body, BatchWriteItemResponse* out) {
  return wire::ParseObjectResponse("BatchWriteItem", body, out, ReadBatchWrite);
}

Status ParseResponse(std::string_view body, TransactWriteItemsResponse* out) {
  return wire::ParseObjectResponse("TransactWriteItems", body, out, ReadTransactWrite);
}

Status ParseResponse(std::string_view body, TransactGetItemsResponse* out) {
  return wire::ParseObjectResponse("TransactGetItems", body, out, ReadTransactGet);
}

}  // namespace dynaflow::dynamodb
