// Table and time-to-live operations: request bodies and response parsing.
#include "store/dynamodb/client/codec.h"
#include "store/dynamodb/client/internal/codec_internal.h"

namespace dynaflow::dynamodb {

using json::Path;
using json::Value;

namespace {

std::string TableNameOnly(const std::string& table_name) {
  json::Writer w(64);
  w.StartObject();
  w.Member("TableName", table_name);
  w.EndObject();
  return w.Release();
}

void WriteKeySchema(json::Writer& w, const std::vector<KeySchemaElement>& schema) {
  w.Key("KeySchema");
  w.StartArray();
  for (const auto& k : schema) {
    w.StartObject();
    w.Member("AttributeName", k.attribute_name);
    w.Member("KeyType", k.key_type);
    w.EndObject();
  }
  w.EndArray();
}

void WriteThroughput(json::Writer& w, const ProvisionedThroughput& t) {
  w.Key("ProvisionedThroughput");
  w.StartObject();
  w.Key("ReadCapacityUnits");
  w.Int64(t.read_capacity_units);
  w.Key("WriteCapacityUnits");
  w.Int64(t.write_capacity_units);
  w.EndObject();
}

void WriteProjection(json::Writer& w, const Projection& p) {
  w.Key("Projection");
  w.StartObject();
  w.Member("ProjectionType", p.projection_type);
  if (!p.non_key_attributes.empty()) {
    w.Key("NonKeyAttributes");
    w.StartArray();
    for (const auto& a : p.non_key_attributes) w.String(a);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

// ---- Requests ------------------------------------------------------------------------------

std::string ToJson(const CreateTableRequest& r) {
  json::Writer w(512);
  w.StartObject();
  w.Member("TableName", r.table_name);
  w.Key("AttributeDefinitions");
  w.StartArray();
  for (const auto& d : r.attribute_definitions) {
    w.StartObject();
    w.Member("AttributeName", d.attribute_name);
    w.Member("AttributeType", d.attribute_type);
    w.EndObject();
  }
  w.EndArray();
  WriteKeySchema(w, r.key_schema);
  if (!r.global_secondary_indexes.empty()) {
    w.Key("GlobalSecondaryIndexes");
    w.StartArray();
    for (const auto& g : r.global_secondary_indexes) {
      w.StartObject();
      w.Member("IndexName", g.index_name);
      WriteKeySchema(w, g.key_schema);
      WriteProjection(w, g.projection);
      if (g.provisioned_throughput) WriteThroughput(w, *g.provisioned_throughput);
      w.EndObject();
    }
    w.EndArray();
  }
  if (!r.billing_mode.empty()) w.Member("BillingMode", r.billing_mode);
  if (r.provisioned_throughput) WriteThroughput(w, *r.provisioned_throughput);
  w.EndObject();
  return w.Release();
}

std::string ToJson(const DescribeTableRequest& r) { return TableNameOnly(r.table_name); }

std::string ToJson(const DeleteTableRequest& r) { return TableNameOnly(r.table_name); }

std::string ToJson(const UpdateTimeToLiveRequest& r) {
  json::Writer w(128);
  w.StartObject();
  w.Member("TableName", r.table_name);
  w.Key("TimeToLiveSpecification");
  w.StartObject();
  w.Member("AttributeName", r.attribute_name);
  w.Key("Enabled");
  w.Bool(r.enabled);
  w.EndObject();
  w.EndObject();
  return w.Release();
}

std::string ToJson(const DescribeTimeToLiveRequest& r) { return TableNameOnly(r.table_name); }

// ---- Responses -----------------------------------------------------------------------------

namespace {

Status ReadKeySchema(const Value& parent, const Path& at, std::vector<KeySchemaElement>* out) {
  const Value* v = json::Find(parent, "KeySchema");
  if (v == nullptr) return Status::OK();
  Path kp = at.Key("KeySchema");
  DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(*v, kp));
  out->resize(v->Size());
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    Path ep = kp.Index(i);
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject((*v)[i], ep));
    DYNAFLOW_RETURN_IF_ERROR(
        codec::ReadRequiredString((*v)[i], "AttributeName", ep, &(*out)[i].attribute_name));
    DYNAFLOW_RETURN_IF_ERROR(
        codec::ReadRequiredString((*v)[i], "KeyType", ep, &(*out)[i].key_type));
  }
  return Status::OK();
}

Status ReadThroughput(const Value& v, const Path& at, ProvisionedThroughput* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(
      codec::ReadOptionalInt64(v, "ReadCapacityUnits", at, &out->read_capacity_units));
  return codec::ReadOptionalInt64(v, "WriteCapacityUnits", at, &out->write_capacity_units);
}

Status ReadIndex(const Value& v, const Path& at, GlobalSecondaryIndex* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadRequiredString(v, "IndexName", at, &out->index_name));
  DYNAFLOW_RETURN_IF_ERROR(ReadKeySchema(v, at, &out->key_schema));
  if (const Value* p = json::Find(v, "Projection")) {
    Path pp = at.Key("Projection");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*p, pp));
    DYNAFLOW_RETURN_IF_ERROR(
        codec::ReadOptionalString(*p, "ProjectionType", pp, &out->projection.projection_type));
    if (const Value* n = json::Find(*p, "NonKeyAttributes")) {
      DYNAFLOW_RETURN_IF_ERROR(codec::ReadStringList(*n, pp.Key("NonKeyAttributes"),
                                                     &out->projection.non_key_attributes));
    }
  }
  if (const Value* t = json::Find(v, "ProvisionedThroughput")) {
    out->provisioned_throughput.emplace();
    DYNAFLOW_RETURN_IF_ERROR(
        ReadThroughput(*t, at.Key("ProvisionedThroughput"), &*out->provisioned_throughput));
  }
  return codec::ReadOptionalString(v, "IndexStatus", at, &out->index_status);
}

Status ReadTableDescription(const Value& v, const Path& at, TableDescription* out) {
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(v, at));
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadRequiredString(v, "TableName", at, &out->table_name));
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadRequiredString(v, "TableStatus", at, &out->table_status));
  if (const Value* defs = json::Find(v, "AttributeDefinitions")) {
    Path dp = at.Key("AttributeDefinitions");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(*defs, dp));
    out->attribute_definitions.resize(defs->Size());
    for (rapidjson::SizeType i = 0; i < defs->Size(); ++i) {
      Path ep = dp.Index(i);
      auto& d = out->attribute_definitions[i];
      DYNAFLOW_RETURN_IF_ERROR(json::CheckObject((*defs)[i], ep));
      DYNAFLOW_RETURN_IF_ERROR(
          codec::ReadRequiredString((*defs)[i], "AttributeName", ep, &d.attribute_name));
      DYNAFLOW_RETURN_IF_ERROR(
          codec::ReadRequiredString((*defs)[i], "AttributeType", ep, &d.attribute_type));
    }
  }
  DYNAFLOW_RETURN_IF_ERROR(ReadKeySchema(v, at, &out->key_schema));
  if (const Value* gsis = json::Find(v, "GlobalSecondaryIndexes")) {
    Path gp = at.Key("GlobalSecondaryIndexes");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckArray(*gsis, gp));
    out->global_secondary_indexes.resize(gsis->Size());
    for (rapidjson::SizeType i = 0; i < gsis->Size(); ++i) {
      DYNAFLOW_RETURN_IF_ERROR(
          ReadIndex((*gsis)[i], gp.Index(i), &out->global_secondary_indexes[i]));
    }
  }
  if (const Value* billing = json::Find(v, "BillingModeSummary")) {
    Path bp = at.Key("BillingModeSummary");
    DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*billing, bp));
    DYNAFLOW_RETURN_IF_ERROR(
        codec::ReadOptionalString(*billing, "BillingMode", bp, &out->billing_mode));
  }
  DYNAFLOW_RETURN_IF_ERROR(codec::ReadOptionalInt64(v, "ItemCount", at, &out->item_count));
  return codec::ReadOptionalString(v, "TableArn", at, &out->table_arn);
}

// The description under "TableDescription" (CreateTable, DeleteTable) or "Table"
// (DescribeTable); either key is accepted for every operation.
Status ParseTable(std::string_view body, TableDescription* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  const Value& root = doc.root();
  Path at;
  if (const Value* d = json::Find(root, "TableDescription")) {
    return ReadTableDescription(*d, at.Key("TableDescription"), out);
  }
  if (const Value* t = json::Find(root, "Table")) {
    return ReadTableDescription(*t, at.Key("Table"), out);
  }
  return json::Error(at, "missing TableDescription (or Table)");
}

Status ParseUpdateTtl(std::string_view body, UpdateTimeToLiveResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  Path at;
  const Value* spec = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(doc.root(), "TimeToLiveSpecification", at, &spec));
  Path sp = at.Key("TimeToLiveSpecification");
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*spec, sp));
  DYNAFLOW_RETURN_IF_ERROR(
      codec::ReadRequiredString(*spec, "AttributeName", sp, &out->attribute_name));
  const Value* enabled = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(*spec, "Enabled", sp, &enabled));
  return json::GetBool(*enabled, sp.Key("Enabled"), &out->enabled);
}

Status ParseDescribeTtl(std::string_view body, DescribeTimeToLiveResponse* out) {
  json::Document doc;
  DYNAFLOW_RETURN_IF_ERROR(codec::ParseObject(body, &doc));
  Path at;
  const Value* desc = nullptr;
  DYNAFLOW_RETURN_IF_ERROR(json::Get(doc.root(), "TimeToLiveDescription", at, &desc));
  Path dp = at.Key("TimeToLiveDescription");
  DYNAFLOW_RETURN_IF_ERROR(json::CheckObject(*desc, dp));
  DYNAFLOW_RETURN_IF_ERROR(
      codec::ReadRequiredString(*desc, "TimeToLiveStatus", dp, &out->time_to_live_status));
  return codec::ReadOptionalString(*desc, "AttributeName", dp, &out->attribute_name);
}

}  // namespace

Status ParseResponse(std::string_view body, CreateTableResponse* out) {
  *out = {};
  return codec::WithOperation("CreateTable", ParseTable(body, &out->table_description));
}

Status ParseResponse(std::string_view body, DescribeTableResponse* out) {
  *out = {};
  return codec::WithOperation("DescribeTable", ParseTable(body, &out->table));
}

Status ParseResponse(std::string_view body, DeleteTableResponse* out) {
  *out = {};
  return codec::WithOperation("DeleteTable", ParseTable(body, &out->table_description));
}

Status ParseResponse(std::string_view body, UpdateTimeToLiveResponse* out) {
  *out = {};
  return codec::WithOperation("UpdateTimeToLive", ParseUpdateTtl(body, out));
}

Status ParseResponse(std::string_view body, DescribeTimeToLiveResponse* out) {
  *out = {};
  return codec::WithOperation("DescribeTimeToLive", ParseDescribeTtl(body, out));
}

}  // namespace dynaflow::dynamodb
