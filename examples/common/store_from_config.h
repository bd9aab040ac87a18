// From the [store] and [worker] configuration sections to what the engine needs: the Table
// (memory, SQLite file or DynamoDB), the workflow store options and the worker options.
//
//   auto config = config::LoadConfig(cl.ToLoadOptions()).value();
//   auto opened = examples::OpenStore(config.store).value();
//   EngineOptions o{.table = opened.table, .store = examples::StoreOptionsFor(config.store)};
//
// Thread-safety: plain functions; the returned table is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "engine/config/config.h"
#include "engine/worker.h"
#include "model/result.h"
#include "store/table/table.h"
#include "store/workflow/workflow_store.h"

namespace dynaflow::examples {

struct OpenedStore {
  std::shared_ptr<table::Table> table;
  // What was opened, for humans: "memory", "sqlite:<path>", "dynamodb:<table> at <endpoint>".
  // Never contains a credential.
  std::string description;
};

// Opens the table `store` names:
//   memory    a new in-process table (nothing persists);
//   sqlite    the file store.path, created with its schema when missing;
//   dynamodb  a client built by config::MakeDynamoDbClientOptions (region, credentials chain,
//             endpoint, timeouts, retries); when store.create_table, EnsureSeedTable creates the
//             table with the seed layout (and TTL) unless it exists; then the table is opened
//             and its layout verified.
// Errors: those of OpenSqliteTable, MakeDynamoDbClientOptions, Client::Create, EnsureSeedTable
// and OpenDynamoDbTable, with the backend named in the message.
Result<OpenedStore> OpenStore(const config::StoreConfig& store);

// key-prefix, gsi1-shards and gsi2-shards as WorkflowStoreOptions (everything else at its default).
store::WorkflowStoreOptions StoreOptionsFor(const config::StoreConfig& store);

// threads, lease, heartbeat, poll-interval and shutdown-grace as WorkerOptions. poll-interval
// ("how often an idle worker looks for work") becomes the idle backoff cap (max_poll_interval);
// while work is found the worker polls every min(poll-interval, 20 ms) so a busy worker never
// waits long for its next run. shutdown-grace becomes shutdown_grace (see Worker::Stop).
engine::WorkerOptions WorkerOptionsFor(const config::WorkerConfig& worker);

}  // namespace dynaflow::examples
