// Opening what a configuration names: the shared step between a configuration (dynaflow/config/)
// and a running program. The examples, the `dynaflow` command and its dashboard (`dynaflow ui`) all
// turn a loaded config::Config into a Table, workflow store options, worker options and an
// Engine with these functions, so every program opens the same store the same way.
//
//   auto config = config::LoadConfig(cl.ToLoadOptions()).value();
//   auto opened = app::OpenStore(config.store).value();
//   auto engine = app::OpenEngine(config.store, opened).value();
//
// Why a library of its own (dynaflow::app, folder dynaflow/app/): it sits above both the
// configuration library and the engine (WorkerOptionsFor needs engine::WorkerOptions, OpenStore
// needs every Table backend), while dynaflow::config stays a leaf that only reads and checks
// configuration.
//
// Thread-safety: plain functions; the returned table, client and engine are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "dynaflow/config/config.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/engine/worker.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::app {

struct OpenStoreOptions {
  // Create what is missing (the SQLite file with its schema; the DynamoDB table with the seed
  // layout and TTL) when the configuration allows it (`create-table`, default true). false:
  // never create anything, whatever the configuration says; a missing store is then kNotFound.
  // Tools that only read or operate on existing runs (the `dynaflow` command) pass false so a
  // mistyped path or table name is an error instead of a new empty store. Default true.
  bool create_if_missing = true;
};

struct OpenedStore {
  std::shared_ptr<table::Table> table;
  // The DynamoDB client behind `table` (type dynamodb only; null otherwise), for provisioning
  // and DescribeTable.
  std::shared_ptr<dynamodb::Client> dynamodb_client;
  // What was opened, for humans: "memory", "sqlite:<path>", "dynamodb:<table> at <endpoint>".
  // Never contains a credential.
  std::string description;
};

// A DynamoDB client for `store` (config::MakeDynamoDbClientOptions: region, credential chain,
// endpoint, timeouts, retries) and the endpoint it talks to ("https://dynamodb.<region>.
// amazonaws.com" when none is configured). No network I/O.
struct DynamoDbConnection {
  std::shared_ptr<dynamodb::Client> client;
  std::string endpoint;
};
Result<DynamoDbConnection> ConnectDynamoDb(const config::StoreConfig& store);

// Opens the table `store` names:
//   memory    a new in-process table (nothing persists);
//   sqlite    the file store.path; created with its schema when missing if store.create_table
//             and options.create_if_missing (else a missing file is kNotFound);
//   dynamodb  a client from ConnectDynamoDb; when store.create_table and
//             options.create_if_missing, EnsureSeedTable creates the table with the seed layout
//             (and TTL) unless it exists; then the table is opened and its layout verified
//             (kInvalidArgument listing every difference; kNotFound when missing).
// Errors: those of OpenSqliteTable, ConnectDynamoDb, EnsureSeedTable and OpenDynamoDbTable, with
// the backend, path or table and endpoint named in the message.
Result<OpenedStore> OpenStore(const config::StoreConfig& store,
                              const OpenStoreOptions& options = {});

// key-prefix, gsi1-shards and gsi2-shards as WorkflowStoreOptions (everything else at its
// default).
store::WorkflowStoreOptions StoreOptionsFor(const config::StoreConfig& store);

// threads, lease-duration, heartbeat-interval, poll-interval, max-poll-interval and
// shutdown-grace as the WorkerOptions fields of the same names (one to one; the defaults are
// the same on both sides). Everything else stays at WorkerOptions' defaults.
engine::WorkerOptions WorkerOptionsFor(const config::WorkerConfig& worker);

// An Engine over `opened.table` with StoreOptionsFor(store); `base` supplies everything else
// (clock, logger, ...; its table and store options are replaced). Errors: Engine::Open's.
Result<std::unique_ptr<engine::Engine>> OpenEngine(const config::StoreConfig& store,
                                                   const OpenedStore& opened,
                                                   engine::EngineOptions base = {});

}  // namespace dynaflow::app
