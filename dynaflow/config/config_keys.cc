// The key registry, durations and SetKey.

#include <type_traits>

#include "dynaflow/config/config.h"
#include "dynaflow/config/internal/keys.h"
#include "dynaflow/model/duration_text.h"
#include "dynaflow/model/enum_names.h"
#include "dynaflow/store/dynamodb/client/region.h"

namespace dynaflow::config {
namespace {

using std::chrono::milliseconds;

constexpr EnumName<StoreType> kStoreTypeNames[] = {{StoreType::kSqlite, "sqlite"},
                                                   {StoreType::kDynamoDb, "dynamodb"},
                                                   {StoreType::kMemory, "memory"}};

// Range and target of one key.
struct KeyDef {
  KeyInfo info;
  int64_t min = 0;  // integers: value; durations: milliseconds
  int64_t max = 0;
  // Exactly one of these is set, by type.
  std::string StoreConfig::*store_string = nullptr;
  int StoreConfig::*store_int = nullptr;
  bool StoreConfig::*store_bool = nullptr;
  milliseconds StoreConfig::*store_duration = nullptr;
  int WorkerConfig::*worker_int = nullptr;
  std::string WorkerConfig::*worker_string = nullptr;
  milliseconds WorkerConfig::*worker_duration = nullptr;
};

// Ranges: integers, their values; durations, milliseconds. Unused for strings and booleans.
struct Range {
  int64_t min = 0;
  int64_t max = 0;
};

// The definition of the key `key` of [store] or [worker] (by the field's owner) that SetKey
// writes to `field`; the key's type follows from the field's.
template <class Owner, class T>
KeyDef Key(std::string_view key, std::string_view def, T Owner::*field,
           std::string_view description, Range range = {}, bool secret = false) {
  constexpr bool kStore = std::is_same_v<Owner, StoreConfig>;
  static_assert(kStore || std::is_same_v<Owner, WorkerConfig>);
  KeyType type = KeyType::kString;
  if constexpr (std::is_same_v<T, int>) type = KeyType::kInteger;
  if constexpr (std::is_same_v<T, bool>) type = KeyType::kBoolean;
  if constexpr (std::is_same_v<T, milliseconds>) type = KeyType::kDuration;
  KeyDef d{
      {kStore ? "store" : "worker", key, type, def, secret, description}, range.min, range.max};
  if constexpr (kStore && std::is_same_v<T, std::string>) d.store_string = field;
  if constexpr (kStore && std::is_same_v<T, int>) d.store_int = field;
  if constexpr (kStore && std::is_same_v<T, bool>) d.store_bool = field;
  if constexpr (kStore && std::is_same_v<T, milliseconds>) d.store_duration = field;
  if constexpr (!kStore && std::is_same_v<T, std::string>) d.worker_string = field;
  if constexpr (!kStore && std::is_same_v<T, int>) d.worker_int = field;
  if constexpr (!kStore && std::is_same_v<T, milliseconds>) d.worker_duration = field;
  return d;
}

constexpr bool kSecret = true;

// The registry, in the order of `dynaflow config keys` and the documentation.
const std::vector<KeyDef>& Defs() {
  static const std::vector<KeyDef> defs = {
      {{"store", "type", KeyType::kStoreType, "\"sqlite\"", false,
        "backend: \"sqlite\" (embedded), \"dynamodb\" or \"memory\" (nothing persists)"}},
      Key("table", "\"workflow_executions\"", &StoreConfig::table,
          "table name (3-255 of A-Z a-z 0-9 _ - .)"),
      Key("key-prefix", "\"\"", &StoreConfig::key_prefix,
          "prefix of every partition key, so deployments can share a table"),
      Key("path", "\"dynaflow.db\"", &StoreConfig::path,
          "SQLite database file (type \"sqlite\" only)"),
      Key("gsi1-shards", "1", &StoreConfig::gsi1_shards,
          "write shards of the workflow index GSI1 (1 = the seed key layout)", {1, 100}),
      Key("gsi2-shards", "1", &StoreConfig::gsi2_shards,
          "write shards of the status index GSI2 (1 = the seed key layout)", {1, 100}),
      Key("create-table", "true", &StoreConfig::create_table,
          "create the table, its indexes and TTL at startup when missing"),
      Key("aws-region", "\"\"", &StoreConfig::aws_region,
          "AWS region; empty: AWS_REGION, AWS_DEFAULT_REGION, profile region"),
      Key("aws-profile", "\"\"", &StoreConfig::aws_profile,
          "profile of ~/.aws/config to use alone (not with explicit keys)"),
      Key("aws-access-key-id", "\"\"", &StoreConfig::aws_access_key_id,
          "explicit access key id (with aws-secret-access-key)", {}, kSecret),
      Key("aws-secret-access-key", "\"\"", &StoreConfig::aws_secret_access_key,
          "explicit secret access key", {}, kSecret),
      Key("aws-session-token", "\"\"", &StoreConfig::aws_session_token,
          "session token of temporary explicit keys", {}, kSecret),
      Key("aws-endpoint-url", "\"\"", &StoreConfig::aws_endpoint_url,
          "endpoint override, e.g. http://localhost:8000 (DynamoDB Local)"),
      Key("aws-connect-timeout", "\"2s\"", &StoreConfig::aws_connect_timeout,
          "TCP+TLS connect limit per HTTP attempt", {100, 10 * kMinuteMs}),
      Key("aws-request-timeout", "\"10s\"", &StoreConfig::aws_request_timeout,
          "whole-request limit per HTTP attempt", {100, 10 * kMinuteMs}),
      Key("aws-max-attempts", "3", &StoreConfig::aws_max_attempts,
          "attempts per DynamoDB call, the first included", {1, 10}),
      Key("threads", "4", &WorkerConfig::threads, "concurrent step executions per worker process",
          {1, 1024}),
      Key("lease-duration", "\"30s\"", &WorkerConfig::lease_duration,
          "how long a claimed run stays owned without a heartbeat", {kSecondMs, kHourMs}),
      Key("heartbeat-interval", "\"0s\"", &WorkerConfig::heartbeat_interval,
          "lease renewal interval, below lease-duration; 0s: a third of it", {0, kHourMs}),
      Key("poll-interval", "\"20ms\"", &WorkerConfig::poll_interval,
          "wait between polls while polls find work", {1, 10 * kMinuteMs}),
      Key("max-poll-interval", "\"1s\"", &WorkerConfig::max_poll_interval,
          "longest wait between polls of an idle worker (doubling backoff)", {1, 10 * kMinuteMs}),
      Key("shutdown-grace", "\"30s\"", &WorkerConfig::shutdown_grace,
          "time running steps get to finish at shutdown", {0, kHourMs}),
      Key("metrics-listen", "\"\"", &WorkerConfig::metrics_listen,
          "HOST:PORT to serve Prometheus metrics at /metrics on; empty: none"),
      Key("metrics-max-connections", "16", &WorkerConfig::metrics_max_connections,
          "connections the metrics listener serves at once (more: 503)", {1, 10000}),
      Key("metrics-header-timeout", "\"10s\"", &WorkerConfig::metrics_header_timeout,
          "time a metrics client has to send a request's line and headers", {100, kHourMs}),
  };
  return defs;
}

const KeyDef* FindDef(std::string_view section, std::string_view key) {
  for (const KeyDef& d : Defs()) {
    if (d.info.section == section && d.info.key == key) return &d;
  }
  return nullptr;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 80)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  }
  if (s.size() > 80) out += "...";
  return out + "\"";
}

bool ParseInteger(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  bool negative = text.front() == '-';
  if (negative || text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = negative ? -v : v;
  return true;
}

bool ParseBoolean(std::string_view text, bool* out) {
  if (text == "true" || text == "1") {
    *out = true;
    return true;
  }
  if (text == "false" || text == "0") {
    *out = false;
    return true;
  }
  return false;
}

std::string_view KindName(const internal::RawValue& v) {
  switch (v.kind) {
    case internal::RawValue::Kind::kText:
    case internal::RawValue::Kind::kString:
      return "a string";
    case internal::RawValue::Kind::kInteger:
      return "an integer";
    case internal::RawValue::Kind::kBoolean:
      return "a boolean";
    case internal::RawValue::Kind::kOther:
      return v.type_name;
  }
  return "a value";
}

bool IsTableChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// Checks of string keys beyond their type; empty when fine.
std::string CheckString(std::string_view key, const std::string& v) {
  if (key == "table") {
    bool ok = v.size() >= 3 && v.size() <= 255;
    for (char c : v) ok = ok && IsTableChar(c);
    if (!ok) {
      return "expected 3 to 255 characters of letters, digits, '_', '-' and '.', got " + Quoted(v);
    }
  } else if (key == "key-prefix") {
    // The workflow store's limit (dynaflow/store/workflow/internal/keys.h, kMaxKeyPrefixBytes).
    if (v.size() > 256) return "expected at most 256 bytes, got " + std::to_string(v.size());
  } else if (key == "path") {
    if (v.empty()) return "expected a file path, got \"\"";
  } else if (key == "aws-region") {
    if (!v.empty() && !dynamodb::IsValidRegionName(v)) {
      return "expected a region name of lowercase letters, digits and '-' (e.g. eu-central-1), "
             "got " +
             Quoted(v);
    }
  } else if (key == "aws-profile") {
    if (v.find_first_of(" \t\r\n") != std::string::npos) {
      return "expected a profile name without whitespace, got " + Quoted(v);
    }
  } else if (key == "metrics-listen") {
    const size_t colon = v.rfind(':');
    bool ok = v.empty();
    if (!ok && colon != std::string::npos && colon > 0 && colon + 1 < v.size() &&
        colon + 6 >= v.size()) {
      ok = true;
      int64_t port = 0;
      for (char c : v.substr(colon + 1)) {
        ok = ok && c >= '0' && c <= '9';
        port = port * 10 + (c - '0');
      }
      ok = ok && port <= 65535;
    }
    if (!ok) return "expected HOST:PORT such as 127.0.0.1:9464, got " + Quoted(v);
  } else if (key == "aws-endpoint-url") {
    if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
      return "expected an http:// or https:// URL, got " + Quoted(v);
    }
  }
  return "";
}

}  // namespace

std::string_view StoreTypeName(StoreType type) { return NameOf(kStoreTypeNames, type, "unknown"); }

const std::vector<KeyInfo>& ConfigKeys() {
  static const std::vector<KeyInfo> keys = [] {
    std::vector<KeyInfo> v;
    for (const KeyDef& d : Defs()) v.push_back(d.info);
    return v;
  }();
  return keys;
}

const KeyInfo* FindConfigKey(std::string_view section, std::string_view key) {
  const KeyDef* d = FindDef(section, key);
  return d ? &d->info : nullptr;
}

std::string EnvVarName(const KeyInfo& key) {
  std::string out = "DYNAFLOW_";
  for (std::string_view part : {key.section, std::string_view("_"), key.key}) {
    for (char c : part) {
      out.push_back(c == '-' ? '_'
                             : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::string FlagName(const KeyInfo& key) {
  return "--" + std::string(key.section) + "." + std::string(key.key);
}

bool ParseDuration(std::string_view text, milliseconds* out) {
  static constexpr DurationUnit kUnits[] = {
      {"h", kHourMs}, {"m", kMinuteMs}, {"s", kSecondMs}, {"ms", 1}};
  const std::optional<milliseconds> parsed = ParseDurationUnits(text, kUnits);
  if (!parsed) return false;
  *out = *parsed;
  return true;
}

std::string FormatDuration(milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const struct {
    const char* name;
    int64_t ms;
  } units[] = {{"h", kHourMs}, {"m", kMinuteMs}, {"s", kSecondMs}, {"ms", 1}};
  for (const auto& u : units) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + u.name;
      ms %= u.ms;
    }
  }
  return out;
}

namespace internal {

bool IsSection(std::string_view name) { return name == "store" || name == "worker"; }

std::string ValidSections() { return "[store], [worker]"; }

std::string ValidKeysOf(std::string_view section) {
  std::string out;
  for (const KeyDef& d : Defs()) {
    if (d.info.section != section) continue;
    if (!out.empty()) out += ", ";
    out += d.info.key;
  }
  return out;
}

Status SetKey(const KeyInfo& key, const RawValue& value, const std::string& where, Config* config) {
  const KeyDef* def = FindDef(key.section, key.key);
  if (def == nullptr) return Status::Internal("unregistered key " + std::string(key.key));
  const std::string prefix =
      where + ": [" + std::string(key.section) + "] " + std::string(key.key) + ": ";
  auto fail = [&](std::string what) { return Status::InvalidArgument(prefix + what); };
  const bool text = value.kind == RawValue::Kind::kText;
  // What the user wrote, for messages about non-secret keys.
  auto shown = [&]() -> std::string {
    if (value.kind == RawValue::Kind::kInteger) return std::to_string(value.integer);
    return Quoted(value.text);
  };

  switch (key.type) {
    case KeyType::kString: {
      if (!text && value.kind != RawValue::Kind::kString) {
        return fail("expected a string, got " + std::string(KindName(value)));
      }
      if (!key.secret) {
        if (std::string problem = CheckString(key.key, value.text); !problem.empty()) {
          return fail(problem);
        }
      }
      if (def->worker_string) {
        config->worker.*(def->worker_string) = value.text;
      } else {
        config->store.*(def->store_string) = value.text;
      }
      break;
    }
    case KeyType::kStoreType: {
      if (!text && value.kind != RawValue::Kind::kString) {
        return fail("expected a string, got " + std::string(KindName(value)));
      }
      const std::optional<StoreType> type = ValueOf(kStoreTypeNames, value.text);
      if (!type) {
        return fail("expected one of " + NamesOf(kStoreTypeNames, ", ", "\"") + ", got " + shown());
      }
      config->store.type = *type;
      break;
    }
    case KeyType::kInteger: {
      int64_t n = value.integer;
      if (text) {
        if (!ParseInteger(value.text, &n)) {
          return fail("expected an integer from " + std::to_string(def->min) + " to " +
                      std::to_string(def->max) + ", got " + shown());
        }
      } else if (value.kind != RawValue::Kind::kInteger) {
        return fail("expected an integer, got " + std::string(KindName(value)));
      }
      if (n < def->min || n > def->max) {
        return fail("expected an integer from " + std::to_string(def->min) + " to " +
                    std::to_string(def->max) + ", got " + std::to_string(n));
      }
      if (def->store_int) config->store.*(def->store_int) = static_cast<int>(n);
      if (def->worker_int) config->worker.*(def->worker_int) = static_cast<int>(n);
      break;
    }
    case KeyType::kBoolean: {
      bool b = value.boolean;
      if (text) {
        if (!ParseBoolean(value.text, &b)) return fail("expected true or false, got " + shown());
      } else if (value.kind != RawValue::Kind::kBoolean) {
        return fail("expected a boolean (true or false), got " + std::string(KindName(value)));
      }
      config->store.*(def->store_bool) = b;
      break;
    }
    case KeyType::kDuration: {
      if (!text && value.kind != RawValue::Kind::kString) {
        return fail("expected a duration string such as \"30s\", got " +
                    std::string(KindName(value)));
      }
      milliseconds d;
      if (!ParseDuration(value.text, &d)) {
        return fail("malformed duration " + Quoted(value.text) +
                    ": expected whole numbers with units ms, s, m or h, such as \"500ms\", "
                    "\"30s\", \"2m\", \"1h\" or \"1m30s\"");
      }
      if (d.count() < def->min || d.count() > def->max) {
        return fail("expected a duration from " + FormatDuration(milliseconds(def->min)) + " to " +
                    FormatDuration(milliseconds(def->max)) + ", got " + Quoted(value.text));
      }
      if (def->store_duration) config->store.*(def->store_duration) = d;
      if (def->worker_duration) config->worker.*(def->worker_duration) = d;
      break;
    }
  }
  config->origins[std::string(key.section) + "." + std::string(key.key)] = where;
  return Status::OK();
}

}  // namespace internal
}  // namespace dynaflow::config
