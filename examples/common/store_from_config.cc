#include "examples/common/store_from_config.h"

#include <algorithm>
#include <utility>

#include "engine/config/client_options.h"
#include "store/dynamodb/client/client.h"
#include "store/table/dynamodb_table.h"
#include "store/table/memory_table.h"
#include "store/table/provisioning.h"
#include "store/table/sqlite_table.h"

namespace dynaflow::examples {

namespace {

Result<OpenedStore> OpenDynamoDb(const config::StoreConfig& store) {
  auto options = config::MakeDynamoDbClientOptions(store);
  if (!options.ok()) return options.error().WithContext("dynamodb client options");
  std::string endpoint = options->endpoint.empty()
                             ? "https://dynamodb." + options->region + ".amazonaws.com"
                             : options->endpoint;
  auto client = dynamodb::Client::Create(std::move(options).value());
  if (!client.ok()) return client.error().WithContext("dynamodb client");
  std::shared_ptr<dynamodb::Client> shared(std::move(client).value());
  if (store.create_table) {
    Status s = table::EnsureSeedTable(*shared, store.table);
    if (!s.ok()) return s.WithContext("creating dynamodb table " + store.table + " at " + endpoint);
  }
  auto opened = table::OpenDynamoDbTable(shared, store.table);
  if (!opened.ok()) {
    return opened.error().WithContext("opening dynamodb table " + store.table + " at " + endpoint);
  }
  return OpenedStore{std::shared_ptr<table::Table>(std::move(opened).value()),
                     "dynamodb:" + store.table + " at " + endpoint};
}

}  // namespace

Result<OpenedStore> OpenStore(const config::StoreConfig& store) {
  switch (store.type) {
    case config::StoreType::kMemory:
      return OpenedStore{std::shared_ptr<table::Table>(table::NewMemoryTable()), "memory"};
    case config::StoreType::kSqlite: {
      auto opened = table::OpenSqliteTable(store.path);
      if (!opened.ok()) return opened.error().WithContext("opening the sqlite store");
      return OpenedStore{std::shared_ptr<table::Table>(std::move(opened).value()),
                         "sqlite:" + store.path};
    }
    case config::StoreType::kDynamoDb:
      return OpenDynamoDb(store);
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
  o.lease_duration = Duration(worker.lease.count());
  o.heartbeat_interval = Duration(worker.heartbeat.count());
  o.max_poll_interval = Duration(worker.poll_interval.count());
  o.poll_interval = std::min(o.max_poll_interval, Duration(20));
  o.shutdown_grace = Duration(worker.shutdown_grace.count());
  return o;
}

}  // namespace dynaflow::examples
