// Attribute values and items <-> DynamoDB JSON, plus the helpers every wire_*.cc file shares.
#include <string>

#include "dynaflow/model/enum_names.h"
#include "dynaflow/store/dynamodb/client/base64.h"
#include "dynaflow/store/dynamodb/client/internal/wire_internal.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {
namespace wire {
namespace {

using json::Path;
using json::Value;

// At most this many bytes of an offending value are quoted in an error message.
constexpr size_t kQuoteBytes = 40;

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kQuoteBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  if (s.size() > kQuoteBytes) out += "...";
  out += "'";
  return out;
}

void WriteStringSet(json::Writer& w, std::string_view type, const std::vector<std::string>& set,
                    bool binary) {
  w.Key(type);
  w.StartArray();
  for (const auto& s : set) {
    if (binary) {
      w.Base64String(s);
    } else {
      w.String(s);
    }
  }
  w.EndArray();
}

// Reads an SS/NS/BS array into `*out`.
Status ReadSet(const Value& v, const Path& at, AttributeValue::Type type, AttributeValue* out) {
  std::string_view name = AttributeValue::TypeName(type);
  if (!v.IsArray()) {
    return json::Error(at, std::string(name) + " value is " + std::string(json::TypeName(v)) +
                               ", expected an array");
  }
  std::vector<std::string> items;
  items.reserve(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const Value& e = v[i];
    std::string prefix = std::string(name) + " element " + std::to_string(i);
    if (!e.IsString()) return json::Error(at, prefix + " is " + std::string(json::TypeName(e)));
    std::string_view s = json::StringOf(e);
    if (type == AttributeValue::Type::kBS) {
      std::string raw;
      if (!Base64Decode(s, &raw)) {
        return json::Error(at, prefix + " is not valid base64");
      }
      items.push_back(std::move(raw));
      continue;
    }
    if (type == AttributeValue::Type::kNS && !AttributeValue::IsValidNumber(s)) {
      return json::Error(at, prefix + " is not a number: " + Quote(s));
    }
    items.emplace_back(s);
  }
  switch (type) {
    case AttributeValue::Type::kSS:
      *out = AttributeValue::SS(std::move(items));
      break;
    case AttributeValue::Type::kNS:
      *out = AttributeValue::NS(std::move(items));
      break;
    default:
      *out = AttributeValue::BS(std::move(items));
      break;
  }
  return Status::OK();
}

Status ReadConsumedCapacityObject(const Value& v, const Path& at, ConsumedCapacity* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(ReadOptionalString(v, "TableName", at, &out->table_name));
  struct Field {
    std::string_view key;
    double* dst;
  };
  for (const Field& f : {Field{"CapacityUnits", &out->capacity_units},
                         Field{"ReadCapacityUnits", &out->read_capacity_units},
                         Field{"WriteCapacityUnits", &out->write_capacity_units}}) {
    if (const Value* n = json::Find(v, f.key)) {
      DYNAFLOW_RETURN_IF_ERROR(json::GetDouble(*n, at.Key(f.key), f.dst));
    }
  }
  return Status::OK();
}

}  // namespace

// ---- Writing -------------------------------------------------------------------------------

void WriteAttributeValue(json::Writer& w, const AttributeValue& v) {
  w.StartObject();
  switch (v.type()) {
    case AttributeValue::Type::kNull:
      w.Key("NULL");
      w.Bool(true);
      break;
    case AttributeValue::Type::kS:
      w.Member("S", *v.AsS());
      break;
    case AttributeValue::Type::kN:
      w.Member("N", *v.AsN());
      break;
    case AttributeValue::Type::kB:
      w.Key("B");
      w.Base64String(*v.AsB());
      break;
    case AttributeValue::Type::kBool:
      w.Key("BOOL");
      w.Bool(*v.AsBool());
      break;
    case AttributeValue::Type::kM:
      w.Key("M");
      if (const AttributeMap* m = v.AsM()) {
        WriteItem(w, *m);
      } else {
        w.StartObject();
        w.EndObject();
      }
      break;
    case AttributeValue::Type::kL:
      w.Key("L");
      w.StartArray();
      for (const auto& e : *v.AsL()) WriteAttributeValue(w, e);
      w.EndArray();
      break;
    case AttributeValue::Type::kSS:
      WriteStringSet(w, "SS", *v.AsSet(), false);
      break;
    case AttributeValue::Type::kNS:
      WriteStringSet(w, "NS", *v.AsSet(), false);
      break;
    case AttributeValue::Type::kBS:
      WriteStringSet(w, "BS", *v.AsSet(), true);
      break;
  }
  w.EndObject();
}

void WriteItem(json::Writer& w, const Item& item) {
  w.StartObject();
  for (const auto& [name, value] : item) {
    w.Key(name);
    WriteAttributeValue(w, value);
  }
  w.EndObject();
}

void WriteItemMember(json::Writer& w, std::string_view key, const Item& item) {
  w.Key(key);
  WriteItem(w, item);
}

void WriteNames(json::Writer& w, const std::map<std::string, std::string>& names) {
  if (names.empty()) return;
  w.Key("ExpressionAttributeNames");
  w.StartObject();
  for (const auto& [k, v] : names) w.Member(k, v);
  w.EndObject();
}

void WriteExpressionAttributes(json::Writer& w, const ExpressionAttributes& attrs) {
  WriteNames(w, attrs.names);
  if (!attrs.values.empty()) WriteItemMember(w, "ExpressionAttributeValues", attrs.values);
}

void WriteOptionalString(json::Writer& w, std::string_view key,
                         const std::optional<std::string>& value) {
  if (value) w.Member(key, *value);
}

namespace {

// The API names of the request options; kNone has none (the member is left out).
constexpr EnumName<ReturnConsumedCapacity> kReturnConsumedCapacityNames[] = {
    {ReturnConsumedCapacity::kTotal, "TOTAL"},
    {ReturnConsumedCapacity::kIndexes, "INDEXES"},
};
constexpr EnumName<ReturnValues> kReturnValuesNames[] = {
    {ReturnValues::kAllOld, "ALL_OLD"},
    {ReturnValues::kUpdatedOld, "UPDATED_OLD"},
    {ReturnValues::kAllNew, "ALL_NEW"},
    {ReturnValues::kUpdatedNew, "UPDATED_NEW"},
};

// "key": the name of `value` in `names`, unless the table does not name it.
template <class Enum, size_t N>
void WriteNamedMember(json::Writer& w, std::string_view key, const EnumName<Enum> (&names)[N],
                      Enum value) {
  std::string_view name = NameOf(names, value, "");
  if (!name.empty()) w.Member(key, name);
}

}  // namespace

void WriteReturnConsumedCapacity(json::Writer& w, ReturnConsumedCapacity rcc) {
  WriteNamedMember(w, "ReturnConsumedCapacity", kReturnConsumedCapacityNames, rcc);
}

void WriteReturnValues(json::Writer& w, ReturnValues rv) {
  WriteNamedMember(w, "ReturnValues", kReturnValuesNames, rv);
}

void WriteReturnValuesOnConditionCheckFailure(json::Writer& w, bool all_old) {
  if (all_old) w.Member("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
}

// ---- Reading -------------------------------------------------------------------------------

Status ReadAttributeValue(const Value& v, const Path& at, int depth, AttributeValue* out) {
  if (depth > kMaxNestingDepth) {
    return json::Error(at, "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
  }
  if (!v.IsObject()) {
    return json::Error(at,
                       "expected an attribute value object, got " + std::string(json::TypeName(v)));
  }
  if (v.MemberCount() != 1) {
    return json::Error(at, "expected exactly one type key, got " + std::to_string(v.MemberCount()));
  }
  const auto& member = *v.MemberBegin();
  std::string_view type = json::StringOf(member.name);
  const Value& val = member.value;
  if (type == "S") {
    std::string_view s;
    DYNAFLOW_RETURN_IF_ERROR(json::GetString(val, at.Key(type), &s));
    *out = AttributeValue::S(std::string(s));
  } else if (type == "N") {
    std::string_view s;
    DYNAFLOW_RETURN_IF_ERROR(json::GetString(val, at.Key(type), &s));
    if (!AttributeValue::IsValidNumber(s)) {
      return json::Error(at, "N value is not a number: " + Quote(s));
    }
    *out = AttributeValue::N(std::string(s));
  } else if (type == "M") {
    if (!val.IsObject()) {
      return json::Error(at.Key(type),
                         "expected an object, got " + std::string(json::TypeName(val)));
    }
    AttributeMap m;
    DYNAFLOW_RETURN_IF_ERROR(ReadItem(val, at.Key(type), &m, depth + 1));
    *out = AttributeValue::M(std::move(m));
  } else if (type == "L") {
    Path lp = at.Key(type);
    DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(val, lp));
    std::vector<AttributeValue> l(val.Size());
    for (rapidjson::SizeType i = 0; i < val.Size(); ++i) {
      DYNAFLOW_RETURN_IF_ERROR(ReadAttributeValue(val[i], lp.Index(i), depth + 1, &l[i]));
    }
    *out = AttributeValue::L(std::move(l));
  } else if (type == "B") {
    std::string_view s;
    DYNAFLOW_RETURN_IF_ERROR(json::GetString(val, at.Key(type), &s));
    std::string raw;
    if (!Base64Decode(s, &raw)) return json::Error(at, "B value is not valid base64");
    *out = AttributeValue::B(std::move(raw));
  } else if (type == "BOOL") {
    bool b = false;
    DYNAFLOW_RETURN_IF_ERROR(json::GetBool(val, at.Key(type), &b));
    *out = AttributeValue::Bool(b);
  } else if (type == "NULL") {
    bool b = false;
    DYNAFLOW_RETURN_IF_ERROR(json::GetBool(val, at.Key(type), &b));
    if (!b) return json::Error(at, "NULL value must be true");
    *out = AttributeValue::Null();
  } else if (type == "SS") {
    return ReadSet(val, at, AttributeValue::Type::kSS, out);
  } else if (type == "NS") {
    return ReadSet(val, at, AttributeValue::Type::kNS, out);
  } else if (type == "BS") {
    return ReadSet(val, at, AttributeValue::Type::kBS, out);
  } else {
    return json::Error(at, "unknown attribute type " + Quote(type));
  }
  return Status::OK();
}

Status ReadItem(const Value& v, const Path& at, Item* out, int depth) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view name = json::StringOf(it->name);
    auto [pos, inserted] = out->try_emplace(std::string(name));
    if (!inserted) return json::Error(at, "duplicate attribute name " + Quote(name));
    DYNAFLOW_RETURN_IF_ERROR(ReadAttributeValue(it->value, at.Key(name), depth, &pos->second));
  }
  return Status::OK();
}

Status ReadOptionalItem(const Value& parent, std::string_view key, const Path& at,
                        std::optional<Item>* out) {
  const Value* v = json::Find(parent, key);
  if (v == nullptr) return Status::OK();
  Item item;
  DYNAFLOW_RETURN_IF_ERROR(ReadItem(*v, at.Key(key), &item));
  *out = std::move(item);
  return Status::OK();
}

Status ReadItemList(const Value& v, const Path& at, std::vector<Item>* out) {
  return ReadArray(v, at, out,
                   [](const Value& e, const Path& p, Item* item) { return ReadItem(e, p, item); });
}

Status ReadStringList(const Value& v, const Path& at, std::vector<std::string>* out) {
  return ReadArray(v, at, out, [](const Value& e, const Path& p, std::string* s) {
    return json::GetString(e, p, s);
  });
}

Status ReadNames(const Value& v, const Path& at, std::map<std::string, std::string>* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view name = json::StringOf(it->name);
    std::string_view value;
    DYNAFLOW_RETURN_IF_ERROR(json::GetString(it->value, at.Key(name), &value));
    (*out)[std::string(name)] = std::string(value);
  }
  return Status::OK();
}

Status ReadOptionalString(const Value& parent, std::string_view key, const Path& at,
                          std::string* out) {
  const Value* v = json::Find(parent, key);
  return v ? json::GetString(*v, at.Key(key), out) : Status::OK();
}

Status ReadOptionalInt(const Value& parent, std::string_view key, const Path& at, int* out) {
  const Value* v = json::Find(parent, key);
  return v ? json::GetInt(*v, at.Key(key), out) : Status::OK();
}

Status ReadOptionalInt64(const Value& parent, std::string_view key, const Path& at, int64_t* out) {
  const Value* v = json::Find(parent, key);
  return v ? json::GetInt64(*v, at.Key(key), out) : Status::OK();
}

Status ReadRequiredString(const Value& parent, std::string_view key, const Path& at,
                          std::string* out) {
  const Value* v = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(parent, key, at, &v));
  return json::GetString(*v, at.Key(key), out);
}

Status ReadConsumedCapacity(const Value& parent, const Path& at,
                            std::optional<ConsumedCapacity>* out) {
  const Value* v = json::Find(parent, "ConsumedCapacity");
  if (v == nullptr) return Status::OK();
  Path cp = at.Key("ConsumedCapacity");
  if (v->IsArray()) {
    if (v->Empty()) return Status::OK();
    ConsumedCapacity c;
    DYNAFLOW_RETURN_IF_ERROR(ReadConsumedCapacityObject((*v)[0], cp.Index(0), &c));
    *out = std::move(c);
    return Status::OK();
  }
  ConsumedCapacity c;
  DYNAFLOW_RETURN_IF_ERROR(ReadConsumedCapacityObject(*v, cp, &c));
  *out = std::move(c);
  return Status::OK();
}

Status ReadConsumedCapacityList(const Value& parent, const Path& at,
                                std::vector<ConsumedCapacity>* out) {
  const Value* v = json::Find(parent, "ConsumedCapacity");
  if (v == nullptr) return Status::OK();
  Path cp = at.Key("ConsumedCapacity");
  if (!v->IsArray()) {
    out->resize(1);
    return ReadConsumedCapacityObject(*v, cp, &(*out)[0]);
  }
  out->resize(v->Size());
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    DYNAFLOW_RETURN_IF_ERROR(ReadConsumedCapacityObject((*v)[i], cp.Index(i), &(*out)[i]));
  }
  return Status::OK();
}

Status ParseObject(std::string_view body, json::Document* doc) {
  DYNAFLOW_RETURN_IF_ERROR(doc->Parse(body));
  return json::CheckObject(doc->root(), Path());
}

Status WithOperation(std::string_view operation, const Status& s) {
  if (s.ok()) return s;
  std::string msg(operation);
  msg += " response: ";
  msg += s.message();
  return Status(s.code(), std::move(msg));
}

}  // namespace wire

// ---- Public attribute value API ------------------------------------------------------------

std::string AttributeValueToJson(const AttributeValue& value) {
  json::Writer w(64);
  wire::WriteAttributeValue(w, value);
  return w.Release();
}

std::string ItemToJson(const Item& item) {
  json::Writer w(256);
  wire::WriteItem(w, item);
  return w.Release();
}

Status AttributeValueFromJson(std::string_view text, AttributeValue* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(doc.Parse(text));
  return wire::ReadAttributeValue(doc.root(), json::Path(), 1, out);
}

Status ItemFromJson(std::string_view text, Item* out) {
  out->clear();
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(doc.Parse(text));
  return wire::ReadItem(doc.root(), json::Path(), out);
}

}  // namespace dynaflow::dynamodb
