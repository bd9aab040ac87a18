// dynaflow's configuration: one TOML file with a [store] and a [worker] section, overridden by
// environment variables, overridden in turn by command-line flags.
//
//   [store]
//   type = "dynamodb"               # "sqlite" (default), "dynamodb" or "memory"
//   table = "workflow_executions"
//   key-prefix = "prod/"
//   aws-region = "eu-central-1"
//   aws-profile = "my-profile"      # EITHER a profile OR explicit keys
//   [worker]
//   threads = 8
//   lease-duration = "30s"
//
// Layers, later ones win: the defaults written in StoreConfig / WorkerConfig; the file; one
// environment variable per key; one flag per key. Naming rule, for key <key> of [<section>]:
//   environment  DYNAFLOW_<SECTION>_<KEY>, uppercased, '-' -> '_'  (DYNAFLOW_STORE_KEY_PREFIX)
//   flag         --<section>.<key>=<value>                         (--store.key-prefix=prod/)
// An environment variable set to the empty string counts as unset (as AWS_* variables do); a
// flag with an empty value sets the empty string. Values given as text (environment, flags) are
// parsed per the key's type: integers in decimal, booleans true/false (or 1/0), durations as in
// the file.
//
// Durations are strings of whole numbers with units ms, s, m, h, optionally combined from the
// largest unit down: "500ms", "30s", "2m", "1h", "1m30s".
//
// Errors (all kInvalidArgument, except an unreadable file: kNotFound / kPermissionDenied /
// kUnavailable) name where the bad value came from ("<file>:<line>", "environment variable
// DYNAFLOW_...", "flag --...") and the key, and say what was expected. Unknown keys list the
// valid keys of their section. No message ever contains the value of a secret key
// (aws-secret-access-key, aws-session-token, aws-access-key-id).
//
// Thread-safety: plain values and pure functions (apart from reading the file).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/result.h"
#include "dynaflow/store/dynamodb/client/credentials.h"

namespace dynaflow::config {

enum class StoreType {
  kSqlite,    // "sqlite": the embedded store, one machine
  kDynamoDb,  // "dynamodb": DynamoDB or a DynamoDB-compatible endpoint
  kMemory,    // "memory": in-process, nothing persists (tests, demos)
};

// "sqlite", "dynamodb", "memory".
std::string_view StoreTypeName(StoreType type);

// [store]: where runs are persisted.
struct StoreConfig {
  // type: the Table backend.
  StoreType type = StoreType::kSqlite;
  // table: the table name (DynamoDB table; table inside the SQLite file). 3-255 characters of
  // letters, digits, '_', '-', '.' (DynamoDB's rule, applied to every backend).
  std::string table = "workflow_executions";
  // key-prefix: put in front of every PK and GSI partition key, so several deployments share
  // one table (e.g. "prod/"). At most 256 bytes (WorkflowStoreOptions::key_prefix's limit).
  // Default: none.
  std::string key_prefix = "";
  // path: the SQLite database file (type "sqlite" only).
  std::string path = "dynaflow.db";
  // gsi1-shards: write shards of the workflow index (GSI1); 1 keeps the seed key layout exactly
  // ("WORKFLOW#orders"); more spreads one busy workflow id over "WORKFLOW#orders#07"-style
  // partitions (bench/capacity_model recommends a count).
  int gsi1_shards = 1;
  // gsi2-shards: write shards of the status index (GSI2); 1 keeps the seed key layout exactly
  // ("STATUS#RUNNING"); more spreads hot statuses over "STATUS#RUNNING#07"-style partitions.
  int gsi2_shards = 1;
  // create-table: create the table (with its GSIs and TTL) at startup when it does not exist.
  // Set false where the table is provisioned separately (IaC) and the runtime role may not
  // create tables.
  bool create_table = true;

  // --- type "dynamodb" only ---
  // aws-region: empty = AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region.
  std::string aws_region = "";
  // aws-profile: a profile of ~/.aws/config / ~/.aws/credentials, used alone (like
  // `aws --profile`). Empty = the default credential chain. Never together with explicit keys.
  std::string aws_profile = "";
  // aws-access-key-id / aws-secret-access-key (both or neither) / aws-session-token (optional):
  // explicit keys, used alone. Empty = the default credential chain. Secrets: never printed.
  std::string aws_access_key_id = "";
  std::string aws_secret_access_key = "";
  std::string aws_session_token = "";
  // aws-endpoint-url: e.g. "http://localhost:8000" for DynamoDB Local. Empty =
  // AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then https://dynamodb.<region>.amazonaws.com.
  std::string aws_endpoint_url = "";
  // aws-connect-timeout / aws-request-timeout: per HTTP attempt (TCP+TLS connect; whole request).
  std::chrono::milliseconds aws_connect_timeout{2000};
  std::chrono::milliseconds aws_request_timeout{10000};
  // aws-max-attempts: attempts per DynamoDB call, first included (standard retry mode: 3).
  int aws_max_attempts = 3;
};

// [worker]: how a worker process executes runs.
struct WorkerConfig {
  // threads: concurrent step executions per worker process. 4 keeps a small machine busy
  // without oversubscribing it; raise it for I/O-bound steps.
  int threads = 4;
  // Each [worker] key and its default are those of the engine::WorkerOptions field of the same
  // name (app::WorkerOptionsFor copies them one to one).
  // lease-duration: how long a claimed run stays owned without a heartbeat; after it another
  // worker may take the run over. Shorter = faster failover, more heartbeat writes.
  std::chrono::milliseconds lease_duration{30000};
  // heartbeat-interval: how often the owner extends its leases; below lease-duration. 0 (the
  // default): a third of lease-duration, which tolerates one lost heartbeat with room to spare.
  std::chrono::milliseconds heartbeat_interval{0};
  // poll-interval: the wait between polls while polls find work.
  std::chrono::milliseconds poll_interval{20};
  // max-poll-interval: the idle backoff cap: each poll that finds nothing doubles the wait, up
  // to this; at least poll-interval.
  std::chrono::milliseconds max_poll_interval{1000};
  // shutdown-grace: on shutdown, how long running steps may finish before the worker gives up
  // its leases and exits.
  std::chrono::milliseconds shutdown_grace{30000};
  // metrics-listen: "HOST:PORT" where the worker process serves its metrics in the Prometheus
  // text format at /metrics (dynaflow/app/metrics_listener.h), e.g. "127.0.0.1:9464" ("[::1]:9464";
  // port 0: any free one). Empty (the default): no listener. Only /metrics is served, without
  // authentication: bind a loopback or otherwise private address.
  std::string metrics_listen;
  // metrics-max-connections: connections the metrics listener serves at once; more are answered
  // 503. 16 is plenty for a few scrapers.
  int metrics_max_connections = 16;
  // metrics-header-timeout: time a client of the metrics listener has to send a request's line
  // and headers; slower ones are answered 408 and disconnected.
  std::chrono::milliseconds metrics_header_timeout{10000};
};

struct Config {
  StoreConfig store;
  WorkerConfig worker;
  // Where each explicitly set key came from, by "<section>.<key>" (e.g. "store.table"):
  // "<file>:<line>", "environment variable DYNAFLOW_STORE_TABLE" or "flag --store.table".
  // Keys at their default are absent.
  std::map<std::string, std::string> origins;
};

// ---- The keys ----------------------------------------------------------------------------

enum class KeyType { kString, kInteger, kBoolean, kDuration, kStoreType };

struct KeyInfo {
  std::string_view section;  // "store" or "worker"
  std::string_view key;      // e.g. "key-prefix"
  KeyType type;
  std::string_view default_value;  // as written in TOML, e.g. "\"workflow_executions\"", "30s"
  bool secret;                     // its value is never printed
  std::string_view description;    // one line
};

// Every key, in documentation order ([store] first).
const std::vector<KeyInfo>& ConfigKeys();
// The key `key` of `section`; nullptr when unknown.
const KeyInfo* FindConfigKey(std::string_view section, std::string_view key);
// "DYNAFLOW_STORE_KEY_PREFIX" for store.key-prefix.
std::string EnvVarName(const KeyInfo& key);
// "--store.key-prefix".
std::string FlagName(const KeyInfo& key);

// ---- Durations ---------------------------------------------------------------------------

// Parses "500ms", "30s", "2m", "1h", "1m30s" (units in descending order, each at most once).
// Returns false for anything else (including negative numbers, fractions and overflow).
bool ParseDuration(std::string_view text, std::chrono::milliseconds* out);
// The shortest such spelling, e.g. 90000 ms -> "1m30s", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds d);

// ---- Loading -----------------------------------------------------------------------------

// Applies the TOML text of a configuration file on top of `*config`. `file_name` is used in
// messages and origins. Errors: "<file>:<line>[:<column>]: ..." as described above.
Status ApplyConfigText(std::string_view toml, const std::string& file_name, Config* config);

// Reads `path` and applies it (ApplyConfigText). Errors additionally:
// "<path>: cannot read the configuration file: <reason>".
Status ApplyConfigFile(const std::string& path, Config* config);

// Applies every DYNAFLOW_<SECTION>_<KEY> variable that is set. `env` null: the process
// environment. Errors: "environment variable <NAME>: [<section>] <key>: <what was expected>".
Status ApplyEnvironment(const dynamodb::EnvLookup& env, Config* config);

// Applies overrides of the form "--<section>.<key>=<value>" (or "--<section>.<key>" followed by
// the value as the next element), in order. Errors: "flag <arg>: ..." for an unknown key (with
// the valid keys of the section) or a bad value, and for an element that is not such a flag.
Status ApplyFlags(const std::vector<std::string>& flags, Config* config);

// Cross-key checks on the final configuration: a profile together with explicit keys; half of a
// key pair; a session token without keys; a heartbeat-interval not shorter than
// lease-duration; a poll-interval above max-poll-interval. Messages name each
// key's origin ("default" when not set).
Status ValidateConfig(const Config& config);

struct LoadOptions {
  // The configuration file. Empty: DYNAFLOW_CONFIG from the environment; empty too: no file
  // (defaults, environment and flags only).
  std::string path;
  // Environment lookup; null: the process environment.
  dynamodb::EnvLookup env;
  // Flag overrides for ApplyFlags (e.g. collected by AddConfigFlags in config_cli.h).
  std::vector<std::string> flags;
};

// Defaults, then the file, then the environment, then the flags, then ValidateConfig.
Result<Config> LoadConfig(const LoadOptions& options);

}  // namespace dynaflow::config
