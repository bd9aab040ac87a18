// Client CPU per request against a live endpoint (DynamoDB Local): one thread sends conditional
// 1 KB PutItems (attribute_not_exists(PK), ReturnConsumedCapacity=INDEXES, a new key each) through
// dynamodb::Client -- serialize, sign, libcurl, parse -- and prints the process CPU time (user +
// system, getrusage RUSAGE_SELF) per request and the requests per second. The emulator runs in
// its own process, so its CPU is not counted. bench/client_cpu_boto3.py sends the very same
// requests through boto3; bench/compare runs both against one DynamoDB Local and prints the
// side-by-side table.
//
//   client_cpu_bench --endpoint http://127.0.0.1:PORT [--ops 20000] [--warmup 2000]
//
// Output (stdout, one line): "dynaflow-client ops=N cpu_us_per_op=X user_us_per_op=U
// sys_us_per_op=S ops_per_s=R". Exit status: 0 after printing, 1 when a request failed, 2 for
// bad flags.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench/bench_support.h"
#include "dynaflow/config/config_cli.h"
#include "dynaflow/store/dynamodb/client/client.h"

namespace dynaflow {
namespace {

double MicrosOf(const timeval& tv) { return tv.tv_sec * 1e6 + static_cast<double>(tv.tv_usec); }

struct Cpu {
  double user_us = 0;
  double sys_us = 0;
};
Cpu ProcessCpu() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return {MicrosOf(ru.ru_utime), MicrosOf(ru.ru_stime)};
}

dynamodb::PutItemRequest OneKilobytePut(const std::string& table, const std::string& prefix,
                                        int64_t i, const std::string& output) {
  dynamodb::PutItemRequest r;
  r.table_name = table;
  r.item = {{"PK", AttributeValue::S(prefix + std::to_string(i))},
            {"SK", AttributeValue::S("STEP#step-3")},
            {"status", AttributeValue::S("COMPLETED")},
            {"attempt", AttributeValue::N(int64_t{1})},
            {"finishedAt", AttributeValue::N(int64_t{1732190000456})},
            {"output", AttributeValue::S(output)}};
  r.condition_expression = "attribute_not_exists(PK)";
  r.return_consumed_capacity = dynamodb::ReturnConsumedCapacity::kIndexes;
  return r;
}

int Main(int argc, char** argv) {
  CLI::App app{"dynaflow client CPU per conditional 1 KB PutItem against a live endpoint"};
  std::string endpoint;
  int64_t ops = 20000;
  int64_t warmup = 2000;
  bench::AddEndpointFlag(app, endpoint);
  dynaflow::config::AddBoundedOption(app, "--ops", ops, "measured requests", int64_t{1},
                                     int64_t{1000000000});
  app.add_option("--warmup", warmup, "unmeasured requests first")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  auto created = bench::NewLocalClient(endpoint);
  if (!created.ok()) {
    std::fprintf(stderr, "client_cpu_bench: %s\n", created.status().ToString().c_str());
    return 1;
  }
  dynamodb::Client& client = **created;
  const std::string table = "dynaflow_cpu_" + std::to_string(::getpid());
  dynamodb::CreateTableRequest ct;
  ct.table_name = table;
  ct.attribute_definitions = {{"PK", "S"}, {"SK", "S"}};
  ct.key_schema = {{"PK", "HASH"}, {"SK", "RANGE"}};
  ct.billing_mode = "PAY_PER_REQUEST";
  if (auto r = client.CreateTable(ct); !r.ok()) {
    std::fprintf(stderr, "client_cpu_bench: CreateTable: %s\n", r.error().ToString().c_str());
    return 1;
  }
  const std::string output(1000, 'x');
  const std::string prefix = "RUN#0192f0c4-7a8e-7cc1-b1f1-6f6f0a1d2e3f-";
  int failed = 0;
  for (int64_t i = 0; i < warmup; ++i) {
    if (!client.PutItem(OneKilobytePut(table, "W" + prefix, i, output)).ok()) ++failed;
  }
  const Cpu before = ProcessCpu();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < ops; ++i) {
    if (!client.PutItem(OneKilobytePut(table, prefix, i, output)).ok()) ++failed;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Cpu after = ProcessCpu();
  (void)client.DeleteTable({table});
  if (failed > 0) {
    std::fprintf(stderr, "client_cpu_bench: %d requests failed\n", failed);
    return 1;
  }
  const double n = static_cast<double>(ops);
  const double user = (after.user_us - before.user_us) / n;
  const double sys = (after.sys_us - before.sys_us) / n;
  std::printf(
      "dynaflow-client ops=%lld cpu_us_per_op=%.1f user_us_per_op=%.1f sys_us_per_op=%.1f "
      "ops_per_s=%.0f\n",
      static_cast<long long>(ops), user + sys, user, sys, n / seconds);
  return 0;
}

}  // namespace
}  // namespace dynaflow

int main(int argc, char** argv) { return dynaflow::Main(argc, argv); }
