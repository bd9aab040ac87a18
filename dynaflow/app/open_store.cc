#include "dynaflow/app/open_store.h"

#include <algorithm>
#include <utility>

#include "dynaflow/config/client_options.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/memory_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "dynaflow/store/table/sqlite_table.h"

namespace dynaflow::app {

Result<DynamoDbConnection> ConnectDynamoDb(const config::StoreConfig& store) {
  auto options = config::MakeDynamoDbClientOptions(store);
  if (!options.ok()) return options.error().WithContext("dynamodb client options");
  std::string endpoint = options->endpoint.empty()
                             ? "https://dynamodb." + options->region + ".amazonaws.com"
                             : options->endpoint;
  auto client = dynamodb::Client::Create(std::move(options).value());
  if (!client.ok()) return client.error().WithContext("dynamodb client");
  return DynamoDbConnection{std::shared_ptr<dynamodb::Client>(std::move(client).value()),
                            std::move(endpoint)};
}

namespace {

Result<OpenedStore> OpenDynamoDb(const config::StoreConfig& store, bool create) {
  auto connection = ConnectDynamoDb(store);
  if (!connection.ok()) return connection.error();
  const std::string where = store.table + " at " + connection->endpoint;
  if (create) {
    Status s = table::EnsureSeedTable(*connection->client, store.table);
    if (!s.ok()) return s.WithContext("creating dynamodb table " + where);
  }
  auto opened = table::OpenDynamoDbTable(connection->client, store.table);
  if (!opened.ok()) return opened.error().WithContext("opening dynamodb table " + where);
  return OpenedStore{std::shared_ptr<table::Table>(std::move(opened).value()), connection->client,
                     "dynamodb:" + where};
}

}  // namespace

Result<OpenedStore> OpenStore(const config::StoreConfig& store, const OpenStoreOptions& options) {
  const bool create = store.create_table && options.create_if_missing;
  switch (store.type) {
    case config::StoreType::kMemory:
      return OpenedStore{std::shared_ptr<table::Table>(table::NewMemoryTable()), nullptr, "memory"};
    case config::StoreType::kSqlite: {
      table::SqliteTableOptions o;
      o.create_if_missing = create;
      auto opened = table::OpenSqliteTable(store.path, o);
      if (!opened.ok()) return opened.error().WithContext("opening the sqlite store");
      return OpenedStore{std::shared_ptr<table::Table>(std::move(opened).value()), nullptr,
                         "sqlite:" + store.path};
    }
    case config::StoreType::kDynamoDb:
      return OpenDynamoDb(store, create);
  }
  return Status::InvalidArgument("unknown store type");
}

store::WorkflowStoreOptions StoreOptionsFor(const config::StoreConfig& store) {
  store::WorkflowStoreOptions o;
  o.key_prefix = store.key_prefix;
  o.gsi1_shards = store.gsi1_shards;
  o.gsi2_shards = store.gsi2_shards;
  return o;
}

engine::WorkerOptions WorkerOptionsFor(const config::WorkerConfig& worker) {
  engine::WorkerOptions o;
  o.threads = worker.threads;
  o.lease_duration = Duration(worker.lease_duration.count());
  o.heartbeat_interval = Duration(worker.heartbeat_interval.count());
  o.poll_interval = Duration(worker.poll_interval.count());
  o.max_poll_interval = Duration(worker.max_poll_interval.count());
  o.shutdown_grace = Duration(worker.shutdown_grace.count());
  return o;
}

Result<std::unique_ptr<engine::Engine>> OpenEngine(const config::StoreConfig& store,
                                                   const OpenedStore& opened,
                                                   engine::EngineOptions base) {
  base.table = opened.table;
  Clock* clock = base.store.clock;
  Random* random = base.store.random;
  base.store = StoreOptionsFor(store);
  base.store.clock = clock;
  base.store.random = random;
  return engine::Engine::Open(std::move(base));
}

}  // namespace dynaflow::app
