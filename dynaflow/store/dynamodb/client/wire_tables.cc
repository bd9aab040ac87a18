// Table and time-to-live operations: request bodies and response parsing.
#include "dynaflow/store/dynamodb/client/internal/wire_internal.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

namespace {

std::string TableNameOnly(const std::string& table_name) {
  return json::ObjectText(64, [&](json::Writer& w) { w.Member("TableName", table_name); });
}

void WriteKeySchema(json::Writer& w, const std::vector<KeySchemaElement>& schema) {
  w.ArrayMember("KeySchema", [&] {
    for (const auto& k : schema) {
      w.StartObject();
      w.Member("AttributeName", k.attribute_name);
      w.Member("KeyType", k.key_type);
      w.EndObject();
    }
  });
}

void WriteThroughput(json::Writer& w, const ProvisionedThroughput& t) {
  w.ObjectMember("ProvisionedThroughput", [&] {
    w.Int64Member("ReadCapacityUnits", t.read_capacity_units);
    w.Int64Member("WriteCapacityUnits", t.write_capacity_units);
  });
}

void WriteProjection(json::Writer& w, const Projection& p) {
  w.ObjectMember("Projection", [&] {
    w.Member("ProjectionType", p.projection_type);
    if (p.non_key_attributes.empty()) return;
    w.ArrayMember("NonKeyAttributes", [&] {
      for (const auto& a : p.non_key_attributes) w.String(a);
    });
  });
}

void WriteIndex(json::Writer& w, const GlobalSecondaryIndex& g) {
  w.StartObject();
  w.Member("IndexName", g.index_name);
  WriteKeySchema(w, g.key_schema);
  WriteProjection(w, g.projection);
  if (g.provisioned_throughput) WriteThroughput(w, *g.provisioned_throughput);
  w.EndObject();
}

}  // namespace

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const CreateTableRequest& r) {
  return json::ObjectText(512, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    w.ArrayMember("AttributeDefinitions", [&] {
      for (const auto& d : r.attribute_definitions) {
        w.StartObject();
        w.Member("AttributeName", d.attribute_name);
        w.Member("AttributeType", d.attribute_type);
        w.EndObject();
      }
    });
    WriteKeySchema(w, r.key_schema);
    if (!r.global_secondary_indexes.empty()) {
      w.ArrayMember("GlobalSecondaryIndexes", [&] {
        for (const auto& g : r.global_secondary_indexes) WriteIndex(w, g);
      });
    }
    if (!r.billing_mode.empty()) w.Member("BillingMode", r.billing_mode);
    if (r.provisioned_throughput) WriteThroughput(w, *r.provisioned_throughput);
  });
}

std::string ToJson(const DescribeTableRequest& r) { return TableNameOnly(r.table_name); }

std::string ToJson(const DeleteTableRequest& r) { return TableNameOnly(r.table_name); }

std::string ToJson(const UpdateTimeToLiveRequest& r) {
  return json::ObjectText(128, [&](json::Writer& w) {
    w.Member("TableName", r.table_name);
    w.ObjectMember("TimeToLiveSpecification", [&] {
      w.Member("AttributeName", r.attribute_name);
      w.BoolMember("Enabled", r.enabled);
    });
  });
}

std::string ToJson(const DescribeTimeToLiveRequest& r) { return TableNameOnly(r.table_name); }

// ---- Responses -----------------------------------------------------------------------------

namespace {

// The two strings of a KeySchema element or an AttributeDefinition.
template <class Element>
Status ReadNamePair(const Value& v, const Path& at, std::string_view second_key,
                    std::string Element::*second, Element* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadRequiredString(v, "AttributeName", at, &out->attribute_name));
  return wire::ReadRequiredString(v, second_key, at, &(out->*second));
}

Status ReadKeySchema(const Value& parent, const Path& at, std::vector<KeySchemaElement>* out) {
  const Value* v = json::Find(parent, "KeySchema");
  if (v == nullptr) return Status::OK();
  return wire::ReadArray(*v, at.Key("KeySchema"), out,
                         [](const Value& e, const Path& p, KeySchemaElement* k) {
                           return ReadNamePair(e, p, "KeyType", &KeySchemaElement::key_type, k);
                         });
}

Status ReadThroughput(const Value& v, const Path& at, ProvisionedThroughput* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(
      wire::ReadOptionalInt64(v, "ReadCapacityUnits", at, &out->read_capacity_units));
  return wire::ReadOptionalInt64(v, "WriteCapacityUnits", at, &out->write_capacity_units);
}

Status ReadProjection(const Value& p, const Path& at, Projection* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(p, at));
  DYNAFLOW_RETURN_IF_ERROR(
      wire::ReadOptionalString(p, "ProjectionType", at, &out->projection_type));
  const Value* n = json::Find(p, "NonKeyAttributes");
  if (n == nullptr) return Status::OK();
  return wire::ReadStringList(*n, at.Key("NonKeyAttributes"), &out->non_key_attributes);
}

Status ReadIndex(const Value& v, const Path& at, GlobalSecondaryIndex* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadRequiredString(v, "IndexName", at, &out->index_name));
  DYNAFLOW_RETURN_IF_ERROR(ReadKeySchema(v, at, &out->key_schema));
  if (const Value* p = json::Find(v, "Projection")) {
    DYNAFLOW_RETURN_IF_ERROR(ReadProjection(*p, at.Key("Projection"), &out->projection));
  }
  if (const Value* t = json::Find(v, "ProvisionedThroughput")) {
    out->provisioned_throughput.emplace();
    DYNAFLOW_RETURN_IF_ERROR(
        ReadThroughput(*t, at.Key("ProvisionedThroughput"), &*out->provisioned_throughput));
  }
  return wire::ReadOptionalString(v, "IndexStatus", at, &out->index_status);
}

Status ReadTableDescription(const Value& v, const Path& at, TableDescription* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadRequiredString(v, "TableName", at, &out->table_name));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadRequiredString(v, "TableStatus", at, &out->table_status));
  if (const Value* defs = json::Find(v, "AttributeDefinitions")) {
    DYNAFLOW_RETURN_IF_ERROR(wire::ReadArray(
        *defs, at.Key("AttributeDefinitions"), &out->attribute_definitions,
        [](const Value& e, const Path& p, AttributeDefinition* d) {
          return ReadNamePair(e, p, "AttributeType", &AttributeDefinition::attribute_type, d);
        }));
  }
  DYNAFLOW_RETURN_IF_ERROR(ReadKeySchema(v, at, &out->key_schema));
  if (const Value* gsis = json::Find(v, "GlobalSecondaryIndexes")) {
    DYNAFLOW_RETURN_IF_ERROR(wire::ReadArray(*gsis, at.Key("GlobalSecondaryIndexes"),
                                             &out->global_secondary_indexes, ReadIndex));
  }
  if (const Value* billing = json::Find(v, "BillingModeSummary")) {
    Path bp = at.Key("BillingModeSummary");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*billing, bp));
    DYNAFLOW_RETURN_IF_ERROR(
        wire::ReadOptionalString(*billing, "BillingMode", bp, &out->billing_mode));
  }
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadOptionalInt64(v, "ItemCount", at, &out->item_count));
  return wire::ReadOptionalString(v, "TableArn", at, &out->table_arn);
}

// The description under "TableDescription" (CreateTable, DeleteTable) or "Table"
// (DescribeTable); either key is accepted for every operation.
Status ReadTable(const Value& root, const Path& at, TableDescription* out) {
  if (const Value* d = json::Find(root, "TableDescription")) {
    return ReadTableDescription(*d, at.Key("TableDescription"), out);
  }
  if (const Value* t = json::Find(root, "Table")) {
    return ReadTableDescription(*t, at.Key("Table"), out);
  }
  return json::Error(at, "missing TableDescription (or Table)");
}

// ReadTable into the response's description member.
template <class Response, TableDescription Response::*kDescription>
Status ReadTableInto(const Value& root, const Path& at, Response* out) {
  return ReadTable(root, at, &(out->*kDescription));
}

// Member `key` of `root`, which must be an object, and its path.
struct NestedObject {
  const Value* value = nullptr;
  Path path;
};
Status GetNestedObject(const Value& root, std::string_view key, const Path& at, NestedObject* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::Get(root, key, at, &out->value));
  out->path = at.Key(key);
  return json::CheckObject(*out->value, out->path);
}

Status ReadUpdateTtl(const Value& root, const Path& at, UpdateTimeToLiveResponse* out) {
  NestedObject spec;
  DYNAFLOW_RETURN_IF_ERROR(GetNestedObject(root, "TimeToLiveSpecification", at, &spec));
  DYNAFLOW_RETURN_IF_ERROR(
      wire::ReadRequiredString(*spec.value, "AttributeName", spec.path, &out->attribute_name));
  const Value* enabled = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(*spec.value, "Enabled", spec.path, &enabled));
  return json::GetBool(*enabled, spec.path.Key("Enabled"), &out->enabled);
}

Status ReadDescribeTtl(const Value& root, const Path& at, DescribeTimeToLiveResponse* out) {
  NestedObject desc;
  DYNAFLOW_RETURN_IF_ERROR(GetNestedObject(root, "TimeToLiveDescription", at, &desc));
  DYNAFLOW_RETURN_IF_ERROR(wire::ReadRequiredString(*desc.value, "TimeToLiveStatus", desc.path,
                                                    &out->time_to_live_status));
  return wire::ReadOptionalString(*desc.value, "AttributeName", desc.path, &out->attribute_name);
}

}  // namespace

Status ParseResponse(std::string_view body, CreateTableResponse* out) {
  return wire::ParseObjectResponse(
      "CreateTable", body, out,
      ReadTableInto<CreateTableResponse, &CreateTableResponse::table_description>);
}

Status ParseResponse(std::string_view body, DescribeTableResponse* out) {
  return wire::ParseObjectResponse(
      "DescribeTable", body, out,
      ReadTableInto<DescribeTableResponse, &DescribeTableResponse::table>);
}

Status ParseResponse(std::string_view body, DeleteTableResponse* out) {
  return wire::ParseObjectResponse(
      "DeleteTable", body, out,
      ReadTableInto<DeleteTableResponse, &DeleteTableResponse::table_description>);
}

Status ParseResponse(std::string_view body, UpdateTimeToLiveResponse* out) {
  return wire::ParseObjectResponse("UpdateTimeToLive", body, out, ReadUpdateTtl);
}

Status ParseResponse(std::string_view body, DescribeTimeToLiveResponse* out) {
  return wire::ParseObjectResponse("DescribeTimeToLive", body, out, ReadDescribeTtl);
}

}  // namespace dynaflow::dynamodb
