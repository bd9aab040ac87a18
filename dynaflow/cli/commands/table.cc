// dynaflow table create | verify | describe: provisioning and checking the store's table.
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "dynaflow/cli/commands/commands.h"
#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/text_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "dynaflow/store/table/sqlite_table.h"

namespace dynaflow::cli {

namespace {

enum class Action { kCreate, kVerify, kDescribe };

// A "key  text" line of the table output and its member of the JSON object (the key with '_'
// for spaces; strings, numbers and booleans typed).
struct Field {
  std::string key;
  std::string text;
  JsonField json;
};
using Fields = std::vector<Field>;

std::string JsonKey(std::string key) {
  for (char& c : key) c = c == ' ' ? '_' : c;
  return key;
}
Field Text(const std::string& key, const std::string& text) {
  return {key, text, JsonField::Text(JsonKey(key), text)};
}
Field Number(const std::string& key, int64_t n, const std::string& text) {
  return {key, text, JsonField::Number(JsonKey(key), n)};
}
// "created": true, or false when the table existed already ("no (exists)").
Field Created(bool existed) {
  return {"created", existed ? "no (exists)" : "yes", JsonField::Flag("created", !existed)};
}

void PrintFields(Context& ctx, const Fields& fields) {
  if (ctx.format != OutputFormat::kTable) {
    std::vector<JsonField> json;
    for (const Field& f : fields) json.push_back(f.json);
    std::string text = JsonFields(json);
    if (ctx.format == OutputFormat::kJson) {  // the same object, pretty
      text = RelayoutJson(JsonLayout::kPretty, text) + "\n";
    }
    ctx.Print(text);
    return;
  }
  std::vector<std::pair<std::string, std::string>> lines;
  for (const Field& f : fields) lines.emplace_back(f.key, f.text);
  ctx.Print(KeyValueLines(lines));
}

std::string KeySchema(const std::vector<dynamodb::KeySchemaElement>& keys,
                      const std::vector<dynamodb::AttributeDefinition>& defs) {
  std::string out;
  for (const auto& k : keys) {
    std::string type = "?";
    for (const auto& d : defs) {
      if (d.attribute_name == k.attribute_name) type = d.attribute_type;
    }
    out += (out.empty() ? "" : ", ") + k.attribute_name + " " + k.key_type + " " + type;
  }
  return out;
}

int Sqlite(Context& ctx, const config::StoreConfig& store, Action action) {
  Fields fields = {Text("backend", "sqlite"), Text("path", store.path)};
  struct stat st {};
  const bool existed = ::stat(store.path.c_str(), &st) == 0;
  table::SqliteTableOptions o;
  o.create_if_missing = action == Action::kCreate;
  auto opened = table::OpenSqliteTable(store.path, o);
  if (!opened.ok()) {
    return ctx.Fail(kExitFailure, opened.status().WithContext("sqlite store " + store.path));
  }
  opened->reset();
  if (action == Action::kCreate) fields.push_back(Created(existed));
  if (action == Action::kDescribe && ::stat(store.path.c_str(), &st) == 0) {
    fields.push_back(Number("file bytes", st.st_size, std::to_string(st.st_size)));
  }
  fields.push_back(Text("layout", "matches the dynaflow layout"));
  PrintFields(ctx, fields);
  return kExitOk;
}

int DynamoDb(Context& ctx, const config::StoreConfig& store, Action action) {
  auto connection = app::ConnectDynamoDb(store);
  if (!connection.ok()) return ctx.Fail(kExitUsage, connection.status());
  dynamodb::Client& client = *connection->client;
  Fields fields = {Text("backend", "dynamodb"), Text("table", store.table),
                   Text("endpoint", connection->endpoint)};
  auto described = client.DescribeTable({store.table});
  const bool existed = described.ok();
  if (!described.ok() && described.error().ToStatus().code() != StatusCode::kNotFound) {
    return ctx.Fail(kExitFailure, described.error().ToStatus());
  }
  if (action == Action::kCreate) {
    Status s = table::EnsureSeedTable(client, store.table);
    if (!s.ok()) return ctx.Fail(kExitFailure, s);
    fields.push_back(Created(existed));
    fields.push_back(Text("layout", "matches the dynaflow seed layout; TTL on ttl"));
    PrintFields(ctx, fields);
    return kExitOk;
  }
  if (!existed) {
    return ctx.Fail(kExitFailure, "table " + store.table + " does not exist at " +
                                      connection->endpoint + " (create it: dynaflow table create)");
  }
  Status verified = table::VerifySeedTable(client, store.table);
  if (action == Action::kDescribe) {
    const dynamodb::TableDescription& t = described->table;
    fields.push_back(Text("status", t.table_status));
    fields.push_back(
        Number("items", t.item_count, std::to_string(t.item_count) + " (DynamoDB's estimate)"));
    fields.push_back(Text("billing", t.billing_mode.empty() ? "-" : t.billing_mode));
    fields.push_back(Text("keys", KeySchema(t.key_schema, t.attribute_definitions)));
    for (const auto& g : t.global_secondary_indexes) {
      fields.push_back(Text("index " + g.index_name,
                            KeySchema(g.key_schema, t.attribute_definitions) + "; projects " +
                                g.projection.projection_type + "; " + g.index_status));
    }
    auto ttl = client.DescribeTimeToLive({store.table});
    fields.push_back(Text("ttl", !ttl.ok() ? "unknown (" + ttl.error().ToString() + ")"
                                 : ttl->attribute_name.empty()
                                     ? ttl->time_to_live_status
                                     : ttl->time_to_live_status + " on " + ttl->attribute_name));
    fields.push_back(
        Text("layout", verified.ok() ? "matches the dynaflow seed layout" : verified.message()));
    PrintFields(ctx, fields);
    return verified.ok() ? kExitOk : kExitFailure;
  }
  if (!verified.ok()) return ctx.Fail(kExitFailure, verified);
  fields.push_back(Text("layout", "matches the dynaflow seed layout; TTL on ttl"));
  PrintFields(ctx, fields);
  return kExitOk;
}

int Execute(Context& ctx, Action action) {
  auto config = ctx.Config();
  if (!config.ok()) return ctx.Fail(kExitUsage, config.status());
  const config::StoreConfig& store = (*config)->store;
  switch (store.type) {
    case config::StoreType::kMemory:
      PrintFields(ctx,
                  {Text("backend", "memory"), Text("layout", "nothing to provision (in-process)")});
      return kExitOk;
    case config::StoreType::kSqlite:
      return Sqlite(ctx, store, action);
    case config::StoreType::kDynamoDb:
      return DynamoDb(ctx, store, action);
  }
  return kExitFailure;
}

}  // namespace

void AddTable(CLI::App& app, Context& ctx) {
  CLI::App* table = app.add_subcommand("table", "Provision and check the store's table");
  table->require_subcommand(1);
  struct Spec {
    const char* name;
    Action action;
    const char* help;
  };
  for (const Spec& s : {
           Spec{"create", Action::kCreate,
                "Create the table with the seed layout (DynamoDB: PK/SK, GSI1, GSI2 projecting "
                "ALL, on-demand billing, TTL on ttl; SQLite: the file and its schema) unless it "
                "exists; an existing table must match the layout"},
           Spec{"verify", Action::kVerify,
                "Check the table against the layout; every difference is listed (exit 1)"},
           Spec{"describe", Action::kDescribe,
                "Show the table: status, keys, indexes, TTL, items, and whether it matches"},
       }) {
    Action action = s.action;
    table->add_subcommand(s.name, s.help)->callback([&ctx, action] {
      ctx.exit_code = Execute(ctx, action);
    });
  }
}

}  // namespace dynaflow::cli
