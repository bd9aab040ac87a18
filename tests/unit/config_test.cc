// The configuration: every key and default, the layers file < environment < flags, the CLI11
// options, conversion to DynamoDB client options, and one test per bad input with its message.
#include "dynaflow/config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "dynaflow/config/client_options.h"
#include "dynaflow/config/config_cli.h"
#include "tests/support/credentials_fixtures.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::config {
namespace {

using std::chrono::milliseconds;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
constexpr const char* kKeyId = "AKIASECRETKEYID00001";
constexpr const char* kToken = "FwoGZXIvYXdzSECRETsessionTOKEN";

// Every field, for comparing whole configurations.
std::string Dump(const Config& c) {
  const StoreConfig& s = c.store;
  const WorkerConfig& w = c.worker;
  std::string out;
  out += "type=" + std::string(StoreTypeName(s.type)) + " table=" + s.table +
         " key-prefix=" + s.key_prefix + " path=" + s.path +
         " gsi1-shards=" + std::to_string(s.gsi1_shards) +
         " gsi2-shards=" + std::to_string(s.gsi2_shards) +
         " create-table=" + (s.create_table ? "true" : "false") + " aws-region=" + s.aws_region +
         " aws-profile=" + s.aws_profile + " aws-access-key-id=" + s.aws_access_key_id +
         " aws-secret-access-key=" + s.aws_secret_access_key +
         " aws-session-token=" + s.aws_session_token + " aws-endpoint-url=" + s.aws_endpoint_url +
         " aws-connect-timeout=" + FormatDuration(s.aws_connect_timeout) +
         " aws-request-timeout=" + FormatDuration(s.aws_request_timeout) +
         " aws-max-attempts=" + std::to_string(s.aws_max_attempts);
  out += " | threads=" + std::to_string(w.threads) +
         " lease-duration=" + FormatDuration(w.lease_duration) +
         " heartbeat-interval=" + FormatDuration(w.heartbeat_interval) +
         " poll-interval=" + FormatDuration(w.poll_interval) +
         " max-poll-interval=" + FormatDuration(w.max_poll_interval) +
         " shutdown-grace=" + FormatDuration(w.shutdown_grace) +
         " metrics-listen=" + w.metrics_listen +
         " metrics-max-connections=" + std::to_string(w.metrics_max_connections) +
         " metrics-header-timeout=" + FormatDuration(w.metrics_header_timeout);
  return out;
}

// Applies `toml` to a default Config; returns the error text or "".
std::string ApplyError(const std::string& toml, Config* config = nullptr) {
  Config local;
  Status st = ApplyConfigText(toml, "dynaflow.toml", config ? config : &local);
  return st.ok() ? "" : st.message();
}

// ---- Keys and defaults -------------------------------------------------------------------

TEST(ConfigKeysTest, DefaultsOfTheStructs) {
  const Config c;
  EXPECT_EQ(Dump(c),
            "type=sqlite table=workflow_executions key-prefix= path=dynaflow.db gsi1-shards=1 "
            "gsi2-shards=1 create-table=true aws-region= aws-profile= aws-access-key-id= "
            "aws-secret-access-key= aws-session-token= aws-endpoint-url= aws-connect-timeout=2s "
            "aws-request-timeout=10s aws-max-attempts=3 | threads=4 lease-duration=30s "
            "heartbeat-interval=0s poll-interval=20ms max-poll-interval=1s shutdown-grace=30s "
            "metrics-listen= metrics-max-connections=16 metrics-header-timeout=10s");
  EXPECT_TRUE(c.origins.empty());
  EXPECT_OK(ValidateConfig(c));
}

TEST(ConfigKeysTest, DocumentedDefaultsMatchTheStructs) {
  // Writing every key's documented default into a file changes nothing.
  for (const KeyInfo& key : ConfigKeys()) {
    Config c;
    const std::string toml = "[" + std::string(key.section) + "]\n" + std::string(key.key) + " = " +
                             std::string(key.default_value) + "\n";
    ASSERT_EQ(ApplyError(toml, &c), "") << toml;
    EXPECT_EQ(Dump(c), Dump(Config{})) << key.key;
  }
}

TEST(ConfigKeysTest, NamesFollowTheRule) {
  std::vector<std::string> env, flags;
  for (const KeyInfo& key : ConfigKeys()) {
    env.push_back(EnvVarName(key));
    flags.push_back(FlagName(key));
  }
  EXPECT_EQ(env, (std::vector<std::string>{"DYNAFLOW_STORE_TYPE",
                                           "DYNAFLOW_STORE_TABLE",
                                           "DYNAFLOW_STORE_KEY_PREFIX",
                                           "DYNAFLOW_STORE_PATH",
                                           "DYNAFLOW_STORE_GSI1_SHARDS",
                                           "DYNAFLOW_STORE_GSI2_SHARDS",
                                           "DYNAFLOW_STORE_CREATE_TABLE",
                                           "DYNAFLOW_STORE_AWS_REGION",
                                           "DYNAFLOW_STORE_AWS_PROFILE",
                                           "DYNAFLOW_STORE_AWS_ACCESS_KEY_ID",
                                           "DYNAFLOW_STORE_AWS_SECRET_ACCESS_KEY",
                                           "DYNAFLOW_STORE_AWS_SESSION_TOKEN",
                                           "DYNAFLOW_STORE_AWS_ENDPOINT_URL",
                                           "DYNAFLOW_STORE_AWS_CONNECT_TIMEOUT",
                                           "DYNAFLOW_STORE_AWS_REQUEST_TIMEOUT",
                                           "DYNAFLOW_STORE_AWS_MAX_ATTEMPTS",
                                           "DYNAFLOW_WORKER_THREADS",
                                           "DYNAFLOW_WORKER_LEASE_DURATION",
                                           "DYNAFLOW_WORKER_HEARTBEAT_INTERVAL",
                                           "DYNAFLOW_WORKER_POLL_INTERVAL",
                                           "DYNAFLOW_WORKER_MAX_POLL_INTERVAL",
                                           "DYNAFLOW_WORKER_SHUTDOWN_GRACE",
                                           "DYNAFLOW_WORKER_METRICS_LISTEN",
                                           "DYNAFLOW_WORKER_METRICS_MAX_CONNECTIONS",
                                           "DYNAFLOW_WORKER_METRICS_HEADER_TIMEOUT"}));
  EXPECT_EQ(flags.front(), "--store.type");
  EXPECT_EQ(flags.back(), "--worker.metrics-header-timeout");
  EXPECT_EQ(FindConfigKey("store", "tabel"), nullptr);
  ASSERT_NE(FindConfigKey("store", "aws-secret-access-key"), nullptr);
  EXPECT_TRUE(FindConfigKey("store", "aws-secret-access-key")->secret);
  EXPECT_TRUE(FindConfigKey("store", "aws-session-token")->secret);
  EXPECT_FALSE(FindConfigKey("store", "table")->secret);
}

TEST(DurationTest, ParseAndFormat) {
  struct Case {
    const char* text;
    int64_t ms;
  } good[] = {{"500ms", 500},   {"30s", 30000}, {"2m", 120000},        {"1h", 3600000},
              {"1m30s", 90000}, {"0s", 0},      {"1h2m3s4ms", 3723004}};
  for (const Case& c : good) {
    milliseconds d;
    ASSERT_TRUE(ParseDuration(c.text, &d)) << c.text;
    EXPECT_EQ(d.count(), c.ms) << c.text;
    EXPECT_EQ(FormatDuration(d), c.text);
  }
  for (const char* bad : {"", "30", "s", "30 s", "-5s", "1.5s", "30sec", "5d", "1s1m", "1s1s",
                          "30S", "99999999999999h"}) {
    milliseconds d;
    EXPECT_FALSE(ParseDuration(bad, &d)) << bad;
  }
}

// ---- Layers ------------------------------------------------------------------------------

constexpr const char* kFullFile = R"([store]
type = "dynamodb"
table = "runs-prod"
key-prefix = "prod/"
path = "/var/lib/dynaflow/db.sqlite"
gsi1-shards = 16
gsi2-shards = 8
create-table = false
aws-region = "eu-central-1"
aws-endpoint-url = "http://localhost:8000"
aws-connect-timeout = "500ms"
aws-request-timeout = "3s"
aws-max-attempts = 5
aws-access-key-id = "AKIDFILE"
aws-secret-access-key = "file-secret"
aws-session-token = "file-token"

[worker]
threads = 8
lease-duration = "1m"
heartbeat-interval = "20s"
poll-interval = "250ms"
max-poll-interval = "5s"
shutdown-grace = "2m"
metrics-listen = "127.0.0.1:9464"
metrics-max-connections = 4
metrics-header-timeout = "5s"
)";

TEST(ConfigLayersTest, EveryKeyFromTheFile) {
  Config c;
  ASSERT_EQ(ApplyError(kFullFile, &c), "");
  EXPECT_EQ(Dump(c),
            "type=dynamodb table=runs-prod key-prefix=prod/ path=/var/lib/dynaflow/db.sqlite "
            "gsi1-shards=16 gsi2-shards=8 create-table=false aws-region=eu-central-1 aws-profile= "
            "aws-access-key-id=AKIDFILE aws-secret-access-key=file-secret "
            "aws-session-token=file-token aws-endpoint-url=http://localhost:8000 "
            "aws-connect-timeout=500ms aws-request-timeout=3s aws-max-attempts=5 | threads=8 "
            "lease-duration=1m heartbeat-interval=20s poll-interval=250ms max-poll-interval=5s "
            "shutdown-grace=2m metrics-listen=127.0.0.1:9464 metrics-max-connections=4 "
            "metrics-header-timeout=5s");
  EXPECT_EQ(c.origins.at("store.type"), "dynaflow.toml:2");
  EXPECT_EQ(c.origins.at("worker.shutdown-grace"), "dynaflow.toml:24");
  EXPECT_EQ(c.origins.size(), ConfigKeys().size() - 1);  // all but aws-profile
  EXPECT_OK(ValidateConfig(c));

  Config p;
  ASSERT_EQ(ApplyError("[store]\naws-profile = \"my-profile\"\n", &p), "");
  EXPECT_EQ(p.store.aws_profile, "my-profile");
}

TEST(ConfigLayersTest, EveryKeyFromTheEnvironment) {
  test::FakeEnv env;
  const std::pair<const char*, const char*> values[] = {
      {"DYNAFLOW_STORE_TYPE", "memory"},
      {"DYNAFLOW_STORE_TABLE", "env-table"},
      {"DYNAFLOW_STORE_KEY_PREFIX", "env/"},
      {"DYNAFLOW_STORE_PATH", "env.db"},
      {"DYNAFLOW_STORE_GSI1_SHARDS", "100"},
      {"DYNAFLOW_STORE_GSI2_SHARDS", "16"},
      {"DYNAFLOW_STORE_CREATE_TABLE", "false"},
      {"DYNAFLOW_STORE_AWS_REGION", "us-west-2"},
      {"DYNAFLOW_STORE_AWS_PROFILE", "envprofile"},
      {"DYNAFLOW_STORE_AWS_ENDPOINT_URL", "https://ddb.example.com"},
      {"DYNAFLOW_STORE_AWS_CONNECT_TIMEOUT", "1s"},
      {"DYNAFLOW_STORE_AWS_REQUEST_TIMEOUT", "20s"},
      {"DYNAFLOW_STORE_AWS_MAX_ATTEMPTS", "2"},
      {"DYNAFLOW_WORKER_THREADS", "2"},
      {"DYNAFLOW_WORKER_LEASE_DURATION", "45s"},
      {"DYNAFLOW_WORKER_HEARTBEAT_INTERVAL", "15s"},
      {"DYNAFLOW_WORKER_POLL_INTERVAL", "2s"},
      {"DYNAFLOW_WORKER_MAX_POLL_INTERVAL", "4s"},
      {"DYNAFLOW_WORKER_SHUTDOWN_GRACE", "0s"},
      {"DYNAFLOW_WORKER_METRICS_LISTEN", "[::1]:0"},
      {"DYNAFLOW_WORKER_METRICS_MAX_CONNECTIONS", "8"},
      {"DYNAFLOW_WORKER_METRICS_HEADER_TIMEOUT", "1s"},
  };
  for (const auto& [k, v] : values) env.Set(k, v);
  Config c;
  ASSERT_OK(ApplyEnvironment(env.Lookup(), &c));
  EXPECT_EQ(
      Dump(c),
      "type=memory table=env-table key-prefix=env/ path=env.db gsi1-shards=100 gsi2-shards=16 "
      "create-table=false aws-region=us-west-2 aws-profile=envprofile aws-access-key-id= "
      "aws-secret-access-key= aws-session-token= aws-endpoint-url=https://ddb.example.com "
      "aws-connect-timeout=1s aws-request-timeout=20s aws-max-attempts=2 | threads=2 "
      "lease-duration=45s heartbeat-interval=15s poll-interval=2s max-poll-interval=4s "
      "shutdown-grace=0s metrics-listen=[::1]:0 metrics-max-connections=8 "
      "metrics-header-timeout=1s");
  EXPECT_EQ(c.origins.at("worker.lease-duration"),
            "environment variable DYNAFLOW_WORKER_LEASE_DURATION");

  test::FakeEnv keys;
  keys.Set("DYNAFLOW_STORE_AWS_ACCESS_KEY_ID", kKeyId);
  keys.Set("DYNAFLOW_STORE_AWS_SECRET_ACCESS_KEY", kSecret);
  keys.Set("DYNAFLOW_STORE_AWS_SESSION_TOKEN", kToken);
  keys.Set("DYNAFLOW_STORE_TABLE", "");  // empty = unset
  Config k;
  ASSERT_OK(ApplyEnvironment(keys.Lookup(), &k));
  EXPECT_EQ(k.store.aws_access_key_id, kKeyId);
  EXPECT_EQ(k.store.aws_secret_access_key, kSecret);
  EXPECT_EQ(k.store.aws_session_token, kToken);
  EXPECT_EQ(k.store.table, "workflow_executions");
}

TEST(ConfigLayersTest, EveryKeyFromFlagsInBothSpellings) {
  Config c;
  ASSERT_OK(ApplyFlags({"--store.type=dynamodb",
                        "--store.table",
                        "flag-table",
                        "--store.key-prefix=",
                        "--store.path=f.db",
                        "--store.gsi1-shards=4",
                        "--store.gsi2-shards=3",
                        "--store.create-table=1",
                        "--store.aws-region=ap-northeast-1",
                        "--store.aws-access-key-id=AKIDFLAG",
                        "--store.aws-secret-access-key=flag=secret",
                        "--store.aws-session-token=flagtoken",
                        "--store.aws-endpoint-url=http://127.0.0.1:8000",
                        "--store.aws-connect-timeout=250ms",
                        "--store.aws-request-timeout=1m",
                        "--store.aws-max-attempts=10",
                        "--worker.threads=16",
                        "--worker.lease-duration=2m",
                        "--worker.heartbeat-interval",
                        "30s",
                        "--worker.poll-interval=100ms",
                        "--worker.max-poll-interval=3s",
                        "--worker.shutdown-grace=1h",
                        "--worker.metrics-listen=0.0.0.0:9464",
                        "--worker.metrics-max-connections=100",
                        "--worker.metrics-header-timeout",
                        "2s"},
                       &c));
  EXPECT_EQ(Dump(c),
            "type=dynamodb table=flag-table key-prefix= path=f.db gsi1-shards=4 gsi2-shards=3 "
            "create-table=true "
            "aws-region=ap-northeast-1 aws-profile= aws-access-key-id=AKIDFLAG "
            "aws-secret-access-key=flag=secret aws-session-token=flagtoken "
            "aws-endpoint-url=http://127.0.0.1:8000 aws-connect-timeout=250ms "
            "aws-request-timeout=1m aws-max-attempts=10 | threads=16 lease-duration=2m "
            "heartbeat-interval=30s poll-interval=100ms max-poll-interval=3s shutdown-grace=1h "
            "metrics-listen=0.0.0.0:9464 metrics-max-connections=100 metrics-header-timeout=2s");
  EXPECT_EQ(c.origins.at("store.table"), "flag --store.table");
  Config p;
  ASSERT_OK(ApplyFlags({"--store.aws-profile=flagprofile"}, &p));
  EXPECT_EQ(p.store.aws_profile, "flagprofile");
}

TEST(ConfigLayersTest, PrecedenceFileThenEnvironmentThenFlags) {
  test::TempDir dir;
  const std::string path = dir.Write("dynaflow.toml",
                                     "[store]\ntable = \"from-file\"\nkey-prefix = \"file/\"\n"
                                     "[worker]\nthreads = 6\n");
  test::FakeEnv env;
  LoadOptions o;
  o.path = path;
  o.env = env.Lookup();
  auto c = LoadConfig(o);
  ASSERT_OK(c);
  EXPECT_EQ(c->store.table, "from-file");
  EXPECT_EQ(c->origins.at("store.table"), path + ":2");

  env.Set("DYNAFLOW_STORE_TABLE", "from-env");
  env.Set("DYNAFLOW_WORKER_THREADS", "7");
  c = LoadConfig(o);
  ASSERT_OK(c);
  EXPECT_EQ(c->store.table, "from-env");
  EXPECT_EQ(c->store.key_prefix, "file/");
  EXPECT_EQ(c->worker.threads, 7);
  EXPECT_EQ(c->origins.at("store.table"), "environment variable DYNAFLOW_STORE_TABLE");

  o.flags = {"--store.table=from-flag"};
  c = LoadConfig(o);
  ASSERT_OK(c);
  EXPECT_EQ(c->store.table, "from-flag");
  EXPECT_EQ(c->worker.threads, 7);
  EXPECT_EQ(c->store.key_prefix, "file/");
  EXPECT_EQ(c->origins.at("store.table"), "flag --store.table");

  // Without a path, DYNAFLOW_CONFIG names the file; without that, there is no file.
  LoadOptions by_env;
  by_env.env = env.Lookup();
  env.Unset("DYNAFLOW_STORE_TABLE");
  env.Set("DYNAFLOW_CONFIG", path);
  c = LoadConfig(by_env);
  ASSERT_OK(c);
  EXPECT_EQ(c->store.table, "from-file");
  env.Unset("DYNAFLOW_CONFIG");
  c = LoadConfig(by_env);
  ASSERT_OK(c);
  EXPECT_EQ(c->store.table, "workflow_executions");
}

TEST(ConfigCliTest, RegistersEveryKeyAndTheConfigFile) {
  test::TempDir dir;
  const std::string path = dir.Write("c.toml", "[worker]\nlease-duration = \"40s\"\n");
  CLI::App app{"test"};
  CommandLine cl;
  AddConfigOptions(app, &cl);
  for (const KeyInfo& key : ConfigKeys()) {
    EXPECT_NE(app.get_option_no_throw(FlagName(key)), nullptr) << FlagName(key);
  }
  std::vector<std::string> args = {"prog",          "--config",  path,
                                   "--store.table", "cli-table", "--worker.threads=12"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ASSERT_NO_THROW(app.parse(static_cast<int>(argv.size()), argv.data()));
  LoadOptions o = cl.ToLoadOptions();
  test::FakeEnv env;
  env.Set("DYNAFLOW_STORE_TABLE", "env-table");
  o.env = env.Lookup();
  ASSERT_OK_AND_ASSIGN(auto c, LoadConfig(o));
  EXPECT_EQ(c.store.table, "cli-table");
  EXPECT_EQ(c.worker.threads, 12);
  EXPECT_EQ(c.worker.lease_duration, milliseconds(40000));
  const std::string help = app.help();
  EXPECT_NE(help.find("--worker.lease-duration"), std::string::npos);
  EXPECT_NE(help.find("env: DYNAFLOW_WORKER_LEASE_DURATION"), std::string::npos);
  EXPECT_NE(help.find("default: \"30s\""), std::string::npos);
}

// ---- Bad input: one test each, exact messages ---------------------------------------------

TEST(ConfigErrorsTest, UnknownKeyListsTheValidKeys) {
  EXPECT_EQ(ApplyError("[store]\ntype = \"memory\"\ntabel = \"x\"\n"),
            "dynaflow.toml:3: unknown key \"tabel\" in [store]; valid keys: type, table, "
            "key-prefix, path, gsi1-shards, gsi2-shards, create-table, aws-region, aws-profile, "
            "aws-access-key-id, aws-secret-access-key, aws-session-token, aws-endpoint-url, "
            "aws-connect-timeout, aws-request-timeout, aws-max-attempts");
  EXPECT_EQ(ApplyError("[worker]\nthreads = 2\n\nleases = \"1s\"\n"),
            "dynaflow.toml:4: unknown key \"leases\" in [worker]; valid keys: threads, "
            "lease-duration, heartbeat-interval, poll-interval, max-poll-interval, shutdown-grace, "
            "metrics-listen, metrics-max-connections, metrics-header-timeout");
  // The first unknown key in file order is reported (toml++ itself keeps keys sorted).
  EXPECT_EQ(ApplyError("[worker]\nzzz = 1\naaa = 2\n"),
            "dynaflow.toml:2: unknown key \"zzz\" in [worker]; valid keys: threads, "
            "lease-duration, heartbeat-interval, poll-interval, max-poll-interval, shutdown-grace, "
            "metrics-listen, metrics-max-connections, metrics-header-timeout");
}

TEST(ConfigErrorsTest, UnknownSectionAndKeysOutsideSections) {
  EXPECT_EQ(ApplyError("[stor]\ntable = \"x\"\n"),
            "dynaflow.toml:1: unknown section [stor]; valid sections: [store], [worker]");
  EXPECT_EQ(ApplyError("table = \"x\"\n"),
            "dynaflow.toml:1: key \"table\" is outside any section; valid sections: [store], "
            "[worker]");
  EXPECT_EQ(ApplyError("store = 1\n"),
            "dynaflow.toml:1: store: expected a [store] table, got an integer");
}

TEST(ConfigErrorsTest, WrongTypes) {
  EXPECT_EQ(ApplyError("[worker]\nthreads = \"8\"\n"),
            "dynaflow.toml:2: [worker] threads: expected an integer, got a string");
  EXPECT_EQ(ApplyError("[store]\ncreate-table = \"yes\"\n"),
            "dynaflow.toml:2: [store] create-table: expected a boolean (true or false), got a "
            "string");
  EXPECT_EQ(ApplyError("[store]\ntable = 5\n"),
            "dynaflow.toml:2: [store] table: expected a string, got an integer");
  EXPECT_EQ(ApplyError("[store]\ngsi2-shards = 1.5\n"),
            "dynaflow.toml:2: [store] gsi2-shards: expected an integer, got a float");
  EXPECT_EQ(ApplyError("[worker]\nlease-duration = 30\n"),
            "dynaflow.toml:2: [worker] lease-duration: expected a duration string such as \"30s\", "
            "got an integer");
  EXPECT_EQ(ApplyError("[store]\nkey-prefix = [\"a\"]\n"),
            "dynaflow.toml:2: [store] key-prefix: expected a string, got an array");
  EXPECT_EQ(ApplyError("[store]\ntype = 1979-05-27\n"),
            "dynaflow.toml:2: [store] type: expected a string, got a date");
}

TEST(ConfigErrorsTest, OutOfRangeAndBadValues) {
  EXPECT_EQ(ApplyError("[worker]\nthreads = 0\n"),
            "dynaflow.toml:2: [worker] threads: expected an integer from 1 to 1024, got 0");
  EXPECT_EQ(ApplyError("[store]\ntype = \"dynamo\"\n"),
            "dynaflow.toml:2: [store] type: expected one of \"sqlite\", \"dynamodb\", \"memory\", "
            "got \"dynamo\"");
  EXPECT_EQ(ApplyError("[store]\ntable = \"a b\"\n"),
            "dynaflow.toml:2: [store] table: expected 3 to 255 characters of letters, digits, "
            "'_', '-' and '.', got \"a b\"");
  EXPECT_EQ(ApplyError("[store]\naws-region = \"Frankfurt\"\n"),
            "dynaflow.toml:2: [store] aws-region: expected a region name of lowercase letters, "
            "digits and '-' (e.g. eu-central-1), got \"Frankfurt\"");
  EXPECT_EQ(ApplyError("[store]\naws-endpoint-url = \"localhost:8000\"\n"),
            "dynaflow.toml:2: [store] aws-endpoint-url: expected an http:// or https:// URL, got "
            "\"localhost:8000\"");
  EXPECT_EQ(ApplyError("[store]\npath = \"\"\n"),
            "dynaflow.toml:2: [store] path: expected a file path, got \"\"");
}

TEST(ConfigErrorsTest, MalformedDuration) {
  EXPECT_EQ(
      ApplyError("[worker]\n\nlease-duration = \"30 seconds\"\n"),
      "dynaflow.toml:3: [worker] lease-duration: malformed duration \"30 seconds\": expected whole "
      "numbers with units ms, s, m or h, such as \"500ms\", \"30s\", \"2m\", \"1h\" or "
      "\"1m30s\"");
  EXPECT_EQ(ApplyError("[worker]\nlease-duration = \"2h\"\n"),
            "dynaflow.toml:2: [worker] lease-duration: expected a duration from 1s to 1h, got "
            "\"2h\"");
}

TEST(ConfigErrorsTest, ProfileTogetherWithExplicitKeys) {
  Config c;
  ASSERT_EQ(
      ApplyError("[store]\naws-profile = \"dev\"\naws-access-key-id = \"" + std::string(kKeyId) +
                     "\"\naws-secret-access-key = \"" + kSecret + "\"\n",
                 &c),
      "");
  Status st = ValidateConfig(c);
  EXPECT_ERROR(
      st, StatusCode::kInvalidArgument,
      "[store] aws-profile (dynaflow.toml:2) and explicit keys (aws-access-key-id, "
      "dynaflow.toml:3) are both set; configure either a profile or explicit keys, not both");

  // Across layers, each origin is named.
  test::FakeEnv env;
  env.Set("DYNAFLOW_STORE_AWS_ACCESS_KEY_ID", kKeyId);
  env.Set("DYNAFLOW_STORE_AWS_SECRET_ACCESS_KEY", kSecret);
  LoadOptions o;
  o.env = env.Lookup();
  o.flags = {"--store.aws-profile=dev"};
  auto r = LoadConfig(o);
  ASSERT_ERROR(
      r, StatusCode::kInvalidArgument,
      "[store] aws-profile (flag --store.aws-profile) and explicit keys (aws-access-key-id, "
      "environment variable DYNAFLOW_STORE_AWS_ACCESS_KEY_ID) are both set; configure "
      "either a profile or explicit keys, not both");
}

TEST(ConfigErrorsTest, IncompleteExplicitKeys) {
  Config c;
  c.store.aws_access_key_id = kKeyId;
  c.origins["store.aws-access-key-id"] = "dynaflow.toml:4";
  EXPECT_EQ(ValidateConfig(c).message(),
            "[store] aws-access-key-id (dynaflow.toml:4) is set but aws-secret-access-key is not; "
            "explicit keys need both");
  Config s;
  s.store.aws_secret_access_key = kSecret;
  EXPECT_EQ(ValidateConfig(s).message(),
            "[store] aws-secret-access-key (default) is set but aws-access-key-id is not; "
            "explicit keys need both");
  Config t;
  t.store.aws_session_token = kToken;
  EXPECT_EQ(ValidateConfig(t).message(),
            "[store] aws-session-token (default) is set without aws-access-key-id and "
            "aws-secret-access-key");
}

TEST(ConfigErrorsTest, HeartbeatMustBeShorterThanLease) {
  Config c;
  ASSERT_EQ(ApplyError("[worker]\nlease-duration = \"10s\"\n", &c), "");
  EXPECT_OK(ValidateConfig(c));  // the default heartbeat-interval, 0s, is a third of the lease
  ASSERT_EQ(ApplyError("[worker]\nheartbeat-interval = \"10s\"\n", &c), "");
  EXPECT_EQ(ValidateConfig(c).message(),
            "[worker] heartbeat-interval (10s, dynaflow.toml:2) must be shorter than "
            "lease-duration (10s, dynaflow.toml:2)");
}

TEST(ConfigErrorsTest, PollIntervalMustNotExceedMaxPollInterval) {
  Config c;
  ASSERT_EQ(ApplyError("[worker]\npoll-interval = \"2s\"\n", &c), "");
  EXPECT_EQ(ValidateConfig(c).message(),
            "[worker] poll-interval (2s, dynaflow.toml:2) must not exceed max-poll-interval (1s, "
            "default)");
}

TEST(ConfigErrorsTest, KeyPrefixIsAtMostTheStoresLimit) {
  Config c;
  EXPECT_EQ(ApplyError("[store]\nkey-prefix = \"" + std::string(256, 'p') + "\"\n", &c), "");
  EXPECT_EQ(c.store.key_prefix.size(), 256u);
  EXPECT_EQ(ApplyError("[store]\nkey-prefix = \"" + std::string(257, 'p') + "\"\n"),
            "dynaflow.toml:2: [store] key-prefix: expected at most 256 bytes, got 257");
}

TEST(ConfigErrorsTest, InvalidTomlSyntax) {
  EXPECT_EQ(ApplyError("[store]\ntable = \"a\"\ntable = \"b\"\n"),
            "dynaflow.toml:3:9: invalid TOML: Error while parsing key-value pair: cannot redefine "
            "existing string 'table'");
  EXPECT_EQ(ApplyError("[store\n"),
            "dynaflow.toml:1:7: invalid TOML: Error while parsing table header: expected ']', saw "
            "'\\n'");
}

TEST(ConfigErrorsTest, UnreadableFile) {
  test::TempDir dir;
  Config c;
  Status st = ApplyConfigFile(dir.File("absent.toml"), &c);
  EXPECT_ERROR(st, StatusCode::kNotFound,
               dir.File("absent.toml") +
                   ": cannot read the configuration file: No such file or "
                   "directory");
  st = ApplyConfigFile(dir.path(), &c);
  EXPECT_EQ(st.message(), dir.path() + ": cannot read the configuration file: Is a directory");
  if (::geteuid() != 0) {
    const std::string locked = dir.Write("locked.toml", "[store]\n", 0000);
    st = ApplyConfigFile(locked, &c);
    EXPECT_ERROR(st, StatusCode::kPermissionDenied,
                 locked + ": cannot read the configuration file: Permission denied");
  }
  LoadOptions o;
  o.path = dir.File("absent.toml");
  test::FakeEnv env;
  o.env = env.Lookup();
  EXPECT_EQ(LoadConfig(o).status().message(),
            dir.File("absent.toml") +
                ": cannot read the configuration file: No such file or "
                "directory");
}

TEST(ConfigErrorsTest, BadEnvironmentValues) {
  test::FakeEnv env;
  env.Set("DYNAFLOW_WORKER_THREADS", "abc");
  Config c;
  EXPECT_EQ(ApplyEnvironment(env.Lookup(), &c).message(),
            "environment variable DYNAFLOW_WORKER_THREADS: [worker] threads: expected an integer "
            "from 1 to 1024, got \"abc\"");
  test::FakeEnv env2;
  env2.Set("DYNAFLOW_STORE_CREATE_TABLE", "yes");
  EXPECT_EQ(ApplyEnvironment(env2.Lookup(), &c).message(),
            "environment variable DYNAFLOW_STORE_CREATE_TABLE: [store] create-table: expected "
            "true or false, got \"yes\"");
  test::FakeEnv env3;
  env3.Set("DYNAFLOW_WORKER_LEASE_DURATION", "30");
  EXPECT_EQ(ApplyEnvironment(env3.Lookup(), &c).message(),
            "environment variable DYNAFLOW_WORKER_LEASE_DURATION: [worker] lease-duration: "
            "malformed duration \"30\": expected whole numbers with units ms, s, m or h, such as "
            "\"500ms\", \"30s\", "
            "\"2m\", \"1h\" or \"1m30s\"");
}

TEST(ConfigErrorsTest, BadFlags) {
  Config c;
  EXPECT_EQ(ApplyFlags({"--store.tabel=x"}, &c).message(),
            "flag --store.tabel: unknown key \"tabel\" in [store]; valid keys: type, table, "
            "key-prefix, path, gsi1-shards, gsi2-shards, create-table, aws-region, aws-profile, "
            "aws-access-key-id, aws-secret-access-key, aws-session-token, aws-endpoint-url, "
            "aws-connect-timeout, aws-request-timeout, aws-max-attempts");
  EXPECT_EQ(ApplyFlags({"--stor.table=x"}, &c).message(),
            "flag --stor.table: unknown section [stor]; valid sections: [store], [worker]");
  EXPECT_EQ(ApplyFlags({"--table=x"}, &c).message(),
            "flag --table: expected --<section>.<key>=<value>, e.g. --store.table=runs");
  EXPECT_EQ(ApplyFlags({"--worker.threads=2", "table=x"}, &c).message(),
            "flag argument #2: expected --<section>.<key>=<value>, e.g. --store.table=runs");
  EXPECT_EQ(ApplyFlags({"--worker.threads"}, &c).message(),
            "flag --worker.threads: expected a value (--worker.threads=<value>)");
  EXPECT_EQ(ApplyFlags({"--worker.threads=-1"}, &c).message(),
            "flag --worker.threads: [worker] threads: expected an integer from 1 to 1024, got -1");
}

TEST(ConfigErrorsTest, NoMessageContainsASecret) {
  std::vector<std::string> messages;
  auto collect = [&](const Status& st) {
    ASSERT_FALSE(st.ok());
    messages.push_back(st.message());
  };
  const std::string secret(kSecret);
  auto file = [&](const std::string& toml) {
    Config c;
    Status st = ApplyConfigText(toml, "dynaflow.toml", &c);
    if (st.ok()) st = ValidateConfig(c);
    collect(st);
  };
  file("[store]\naws-secret-access-key = " + secret + "\n");        // unquoted
  file("[store]\naws-secret-access-key = \"" + secret + "\n");      // unterminated
  file("[store]\naws-secret-access-key = \"" + secret + "\" x\n");  // trailing junk
  file("[store]\naws-secret-acess-key = \"" + secret + "\"\n");     // misspelt key
  file("[store]\naws-secret-access-key = \"" + secret + "\"\n");    // half a pair
  file("[store]\naws-access-key-id = \"" + std::string(kKeyId) + "\"\n");
  file("[store]\naws-session-token = \"" + std::string(kToken) + "\"\n");
  file("[store]\naws-profile = \"p\"\naws-access-key-id = \"" + std::string(kKeyId) +
       "\"\naws-secret-access-key = \"" + secret + "\"\naws-session-token = \"" + kToken + "\"\n");
  file("[stor]\naws-secret-access-key = \"" + secret + "\"\n");
  file("aws-secret-access-key = \"" + secret + "\"\n");
  file("[store]\naws-secret-access-key = [\"" + secret + "\"]\n");
  Config c;
  collect(ApplyFlags({"--store.aws-secret-acess-key=" + secret}, &c));
  collect(ApplyFlags({secret}, &c));
  collect(ApplyFlags({"--store.aws-secret-access-key", secret, kToken}, &c));
  for (const auto& m : messages) {
    EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
    EXPECT_EQ(m.find(kKeyId), std::string::npos) << m;
  }
  EXPECT_EQ(messages.size(), 14u);
}

// ---- Client options ----------------------------------------------------------------------

TEST(ClientOptionsTest, FromTheStoreSection) {
  test::FakeEnv env;
  Config c;
  ASSERT_EQ(ApplyError(kFullFile, &c), "");
  ClientEnvironment e;
  e.env = env.Lookup();
  ASSERT_OK_AND_ASSIGN(auto o, MakeDynamoDbClientOptions(c.store, e));
  EXPECT_EQ(o.region, "eu-central-1");
  EXPECT_EQ(o.endpoint, "http://localhost:8000");
  EXPECT_EQ(o.timeouts.connect, milliseconds(500));
  EXPECT_EQ(o.timeouts.request, milliseconds(3000));
  EXPECT_EQ(o.retry.max_attempts, 5);
  ASSERT_NE(o.transport, nullptr);
  ASSERT_NE(o.credentials, nullptr);
  ASSERT_OK_AND_ASSIGN(auto creds, o.credentials->GetCredentials());
  EXPECT_EQ(creds.access_key_id, "AKIDFILE");
  EXPECT_EQ(creds.secret_access_key, "file-secret");
  EXPECT_EQ(creds.session_token, "file-token");
}

TEST(ClientOptionsTest, RegionEndpointAndProfileFromTheEnvironment) {
  test::TempDir dir;
  test::FakeEnv env;
  env.Set("AWS_CONFIG_FILE", dir.Write("config",
                                       "[profile dev]\nregion = eu-west-3\n"
                                       "aws_access_key_id = AKIDPROFILE\n"
                                       "aws_secret_access_key = S\n"));
  env.Set("AWS_SHARED_CREDENTIALS_FILE", dir.File("credentials"));
  env.Set("AWS_ENDPOINT_URL", "http://generic:1");
  env.Set("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamodb-local:8000");
  env.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.Set("AWS_SECRET_ACCESS_KEY", "S");
  StoreConfig s;
  s.aws_profile = "dev";
  ClientEnvironment e;
  e.env = env.Lookup();
  ASSERT_OK_AND_ASSIGN(auto o, MakeDynamoDbClientOptions(s, e));
  EXPECT_EQ(o.region, "eu-west-3");
  EXPECT_EQ(o.endpoint, "http://dynamodb-local:8000");
  EXPECT_EQ(o.credentials->GetCredentials()->access_key_id, "AKIDPROFILE")
      << "a configured profile wins over AWS_ACCESS_KEY_ID";
  env.Unset("AWS_ENDPOINT_URL_DYNAMODB");
  EXPECT_EQ(MakeDynamoDbClientOptions(s, e)->endpoint, "http://generic:1");
  env.Set("AWS_ENDPOINT_URL", "generic:1");
  EXPECT_EQ(MakeDynamoDbClientOptions(s, e).status().message(),
            "environment variable AWS_ENDPOINT_URL: expected an http:// or https:// URL, got "
            "\"generic:1\"");
}

TEST(ClientOptionsTest, MissingRegionNamesTheThreePlaces) {
  test::FakeEnv env;
  env.Set("HOME", "/nonexistent-home");
  ClientEnvironment e;
  e.env = env.Lookup();
  auto o = MakeDynamoDbClientOptions(StoreConfig{}, e);
  ASSERT_ERROR(o, StatusCode::kInvalidArgument,
               "no AWS region configured; set one of: aws-region in the [store] section of the "
               "configuration file (or DYNAFLOW_STORE_AWS_REGION / --store.aws-region); the "
               "AWS_REGION or AWS_DEFAULT_REGION environment variable; `region` in profile "
               "\"default\" of /nonexistent-home/.aws/config");
}

}  // namespace
}  // namespace dynaflow::config
