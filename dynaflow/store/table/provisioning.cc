#include "dynaflow/store/table/provisioning.h"

#include <vector>

#include "dynaflow/store/table/seed_layout.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table {
namespace {

using dynamodb::KeySchemaElement;

std::string SchemaText(const std::vector<KeySchemaElement>& schema) {
  if (schema.empty()) return "empty";
  std::string out;
  for (const auto& e : schema) {
    out += (out.empty() ? "" : ", ") + e.attribute_name + " " + e.key_type;
  }
  return out;
}

Status ClientStatus(const dynamodb::Error& e, const std::string& context) {
  return e.ToStatus().WithContext(context);
}

// The layout differences of `t`, in a fixed order (table keys, then GSI1, then GSI2).
std::vector<std::string> LayoutDifferences(const dynamodb::TableDescription& t) {
  std::vector<std::string> diffs;
  auto check_types = [&](const std::vector<KeySchemaElement>& schema) {
    for (const auto& e : schema) {
      for (const auto& def : t.attribute_definitions) {
        if (def.attribute_name == e.attribute_name && def.attribute_type != kSeedKeyType) {
          diffs.push_back(def.attribute_name + " is " + def.attribute_type + ", expected " +
                          kSeedKeyType);
        }
      }
    }
  };
  auto check_schema = [&](const std::string& what, const std::vector<KeySchemaElement>& actual,
                          const SeedKeys& want) {
    std::vector<KeySchemaElement> expected = SeedKeySchema(want);
    bool same = actual.size() == expected.size();
    for (size_t i = 0; same && i < actual.size(); ++i) {
      same = actual[i].attribute_name == expected[i].attribute_name &&
             actual[i].key_type == expected[i].key_type;
    }
    if (!same) {
      diffs.push_back(what + " key schema is " + SchemaText(actual) + ", expected " +
                      SchemaText(expected));
    }
  };

  check_schema("table", t.key_schema, kSeedTableKeys);
  check_types(t.key_schema);
  for (const SeedKeys& layout : kSeedIndexes) {
    const dynamodb::GlobalSecondaryIndex* found = nullptr;
    for (const auto& gsi : t.global_secondary_indexes) {
      if (gsi.index_name == layout.index_name) found = &gsi;
    }
    std::string what = std::string("index ") + layout.index_name;
    if (found == nullptr) {
      diffs.push_back(std::string("missing index ") + layout.index_name);
      continue;
    }
    check_schema(what, found->key_schema, layout);
    check_types(found->key_schema);
    if (found->projection.projection_type != kSeedProjection) {
      diffs.push_back(what + " projects " + found->projection.projection_type + ", expected " +
                      kSeedProjection);
    }
  }
  // One attribute may key several indexes: report its type once.
  std::vector<std::string> unique;
  for (auto& d : diffs) {
    bool seen = false;
    for (const auto& u : unique) seen = seen || u == d;
    if (!seen) unique.push_back(std::move(d));
  }
  return unique;
}

// "" when TTL is enabled (or being enabled) on `ttl`; otherwise the difference.
std::string TtlDifference(const dynamodb::DescribeTimeToLiveResponse& ttl) {
  bool on = ttl.time_to_live_status == "ENABLED" || ttl.time_to_live_status == "ENABLING";
  if (on && ttl.attribute_name == kTtl) return "";
  if (on) return "TTL is enabled on " + ttl.attribute_name + ", expected " + kTtl;
  std::string status = ttl.time_to_live_status.empty() ? "unknown" : ttl.time_to_live_status;
  return std::string("TTL is not enabled on ") + kTtl + " (status " + status + ")";
}

Status EnableTtl(dynamodb::Client& client, const std::string& table_name) {
  const std::string context = "enabling TTL on table " + table_name;
  auto described = client.DescribeTimeToLive({table_name});
  if (!described.ok()) return ClientStatus(described.error(), context);
  std::string diff = TtlDifference(*described);
  if (diff.empty()) return Status::OK();
  if (described->time_to_live_status == "ENABLED" || described->time_to_live_status == "ENABLING") {
    return Status::InvalidArgument(context + ": " + diff + " (a table has one TTL attribute)");
  }
  auto updated = client.UpdateTimeToLive({table_name, kTtl, true});
  if (updated.ok()) return Status::OK();
  // Another process enabled it in between: DynamoDB answers with a ValidationException
  // "TimeToLive is already enabled". Accept it when `ttl` is indeed the TTL attribute now.
  const dynamodb::Error& e = updated.error();
  if (e.Is("ValidationException") && e.message.find("already enabled") != std::string::npos) {
    auto again = client.DescribeTimeToLive({table_name});
    if (!again.ok()) return ClientStatus(again.error(), context);
    diff = TtlDifference(*again);
    if (diff.empty()) return Status::OK();
    return Status::InvalidArgument(context + ": " + diff);
  }
  return ClientStatus(e, context);
}

}  // namespace

Status VerifySeedTable(dynamodb::Client& client, const std::string& table_name,
                       const VerifyOptions& options) {
  auto described = client.DescribeTable({table_name});
  if (!described.ok()) {
    if (described.error().IsResourceNotFound()) {
      return Status::NotFound("table " + table_name + " does not exist");
    }
    return ClientStatus(described.error(), "describing table " + table_name);
  }
  std::vector<std::string> diffs = LayoutDifferences(described->table);
  if (options.check_ttl) {
    auto ttl = client.DescribeTimeToLive({table_name});
    if (!ttl.ok()) return ClientStatus(ttl.error(), "describing TTL of table " + table_name);
    if (std::string d = TtlDifference(*ttl); !d.empty()) diffs.push_back(std::move(d));
  }
  if (diffs.empty()) return Status::OK();
  std::string message = "table " + table_name + " does not match the dynaflow seed layout: ";
  for (size_t i = 0; i < diffs.size(); ++i) message += (i ? "; " : "") + diffs[i];
  return Status::InvalidArgument(std::move(message));
}

Status EnsureSeedTable(dynamodb::Client& client, const std::string& table_name,
                       const ProvisionOptions& options) {
  if (table_name.empty()) return Status::InvalidArgument("EnsureSeedTable: empty table name");
  bool existed = false;
  auto created = client.CreateTable(SeedTableRequest(table_name));
  if (!created.ok()) {
    if (!created.error().Is("ResourceInUseException")) {
      return ClientStatus(created.error(), "creating table " + table_name);
    }
    existed = true;  // created before, or concurrently by another process
  }
  auto active = client.WaitUntilActive(table_name);
  if (!active.ok()) {
    return ClientStatus(active.error(), "waiting for table " + table_name + " to become ACTIVE");
  }
  if (existed && options.verify_existing) {
    // Keys and indexes first: TTL is then enabled here when it is off.
    VerifyOptions verify;
    verify.check_ttl = false;
    DYNAFLOW_RETURN_IF_ERROR(VerifySeedTable(client, table_name, verify));
  }
  if (options.enable_ttl) return EnableTtl(client, table_name);
  return Status::OK();
}

}  // namespace dynaflow::table
