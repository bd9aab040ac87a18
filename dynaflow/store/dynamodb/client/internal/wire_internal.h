// Building blocks shared by the wire format's .cc files (wire_values.cc defines them).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/status.h"
#include "dynaflow/store/dynamodb/client/internal/json.h"
#include "dynaflow/store/dynamodb/client/operations.h"

namespace dynaflow::dynamodb::wire {

// ---- Writing -------------------------------------------------------------------------------

void WriteAttributeValue(json::Writer& w, const AttributeValue& v);
// {"name": <value>, ...}
void WriteItem(json::Writer& w, const Item& item);
// "key": <item>
void WriteItemMember(json::Writer& w, std::string_view key, const Item& item);
// "ExpressionAttributeNames" when non-empty.
void WriteNames(json::Writer& w, const std::map<std::string, std::string>& names);
// "ExpressionAttributeNames" / "ExpressionAttributeValues", each when non-empty.
void WriteExpressionAttributes(json::Writer& w, const ExpressionAttributes& attrs);
// "key": "value" when `value` is set.
void WriteOptionalString(json::Writer& w, std::string_view key,
                         const std::optional<std::string>& value);
// "ReturnConsumedCapacity" unless kNone.
void WriteReturnConsumedCapacity(json::Writer& w, ReturnConsumedCapacity rcc);
// "ReturnValues" unless kNone.
void WriteReturnValues(json::Writer& w, ReturnValues rv);
// "ReturnValuesOnConditionCheckFailure": "ALL_OLD" when `all_old`.
void WriteReturnValuesOnConditionCheckFailure(json::Writer& w, bool all_old);

// ---- Reading -------------------------------------------------------------------------------

// `depth` is the nesting level of `v` (1 for a top-level attribute value).
Status ReadAttributeValue(const json::Value& v, const json::Path& at, int depth,
                          AttributeValue* out);
// An object of attribute values. `depth` is the level of its values.
Status ReadItem(const json::Value& v, const json::Path& at, Item* out, int depth = 1);
// Member `key` of `parent` as an item when present (and non-null); `*out` untouched otherwise.
Status ReadOptionalItem(const json::Value& parent, std::string_view key, const json::Path& at,
                        std::optional<Item>* out);
// An array whose elements `read(element, path, &(*out)[i])` reads.
template <class T, class ReadElement>
Status ReadArray(const json::Value& v, const json::Path& at, std::vector<T>* out,
                 ReadElement&& read) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(v, at));
  out->resize(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    DYNAFLOW_RETURN_IF_ERROR(read(v[i], at.Index(i), &(*out)[i]));
  }
  return Status::OK();
}
// An array of items.
Status ReadItemList(const json::Value& v, const json::Path& at, std::vector<Item>* out);
// An array of strings.
Status ReadStringList(const json::Value& v, const json::Path& at, std::vector<std::string>* out);
// {"#n": "name", ...}
Status ReadNames(const json::Value& v, const json::Path& at,
                 std::map<std::string, std::string>* out);

// Optional typed members of `parent` (at `at`): leave `*out` untouched when absent.
Status ReadOptionalString(const json::Value& parent, std::string_view key, const json::Path& at,
                          std::string* out);
Status ReadOptionalInt(const json::Value& parent, std::string_view key, const json::Path& at,
                       int* out);
Status ReadOptionalInt64(const json::Value& parent, std::string_view key, const json::Path& at,
                         int64_t* out);
// Required typed members.
Status ReadRequiredString(const json::Value& parent, std::string_view key, const json::Path& at,
                          std::string* out);

// "ConsumedCapacity" of `parent` (object or array) into a single value or a list.
Status ReadConsumedCapacity(const json::Value& parent, const json::Path& at,
                            std::optional<ConsumedCapacity>* out);
Status ReadConsumedCapacityList(const json::Value& parent, const json::Path& at,
                                std::vector<ConsumedCapacity>* out);

// Parses `body` into `doc` and checks the root is an object.
Status ParseObject(std::string_view body, json::Document* doc);

// Prefixes a non-OK status with "<operation> response: ".
Status WithOperation(std::string_view operation, const Status& s);

// One response body: resets `*out`, parses `body` as a JSON object and reads its root with
// `read(root, path, out)`. A failure of either is prefixed as WithOperation does.
template <class Response, class ReadRoot>
Status ParseObjectResponse(std::string_view operation, std::string_view body, Response* out,
                           ReadRoot&& read) {
  *out = {};
  json::Document doc;
  Status s = ParseObject(body, &doc);
  if (s.ok()) s = read(doc.root(), json::Path(), out);
  return WithOperation(operation, s);
}

}  // namespace dynaflow::dynamodb::wire
