// Steps/s of the engine on DynamoDB Local beside the raw conditional PutItem/s of the same
// emulator, machine and thread count, measured in one run, plus the write units (WRU) the
// emulator reports per step and per run.
//
//   raw     T threads each send conditional PutItems (attribute_not_exists(PK)) of 1 KB items
//           that no index projects -- what a step record is -- through dynamodb::Client.
//   warm-up unmeasured raw puts first (a fresh emulator JVM is slow until its JIT warmed up).
//   engine  one Worker with T threads executes linear 10-step runs whose steps return 1 KB
//           (incompressible) outputs; runs are started in batches and handed over to it.
//
// Run it with bench/run-dynamodb-local.sh (starts and stops DynamoDB Local, Release build), or
// by hand: dynamodb_local_bench --endpoint http://127.0.0.1:PORT [--threads 8] [--seconds 10].
// Exit status: 0 after printing the figures, 1 when a phase failed, 2 for bad flags.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "dynaflow/config/config_cli.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "tests/support/kilobyte_text.h"

namespace dynaflow {
namespace {

constexpr int kSteps = 10;
constexpr double kUsdPerMillionWru = 0.625;

using Clock = std::chrono::steady_clock;

using test::KilobyteOf;

// Conditional 1 KB puts per second over `seconds`, from `threads` threads.
// Keys start with `phase`, so each phase creates new items.
double RawPutsPerSecond(dynamodb::Client& client, const std::string& table, int threads,
                        double seconds, const std::string& phase) {
  std::atomic<int64_t> done{0}, failed{0};
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::string payload = KilobyteOf(static_cast<uint32_t>(t));
      for (int64_t i = 0; Clock::now() < end; ++i) {
        dynamodb::PutItemRequest r;
        r.table_name = table;
        const std::string pk = phase + "#" + std::to_string(t) + "#" + std::to_string(i);
        r.item = {{"PK", AttributeValue::S(pk)},
                  {"SK", AttributeValue::S("STEP#raw")},
                  {"output", AttributeValue::B(payload)}};
        r.condition_expression = "attribute_not_exists(PK)";
        auto out = client.PutItem(r);
        (out.ok() ? done : failed)++;
      }
    });
  }
  for (auto& th : pool) th.join();
  if (failed.load() > 0) std::fprintf(stderr, "raw phase: %lld puts failed\n", (long long)failed);
  return static_cast<double>(done.load()) / seconds;
}

struct EngineFigures {
  double steps_per_s = 0;
  double runs_per_s = 0;
  double wru_per_step = 0;
  double wru_per_run = 0;
  double requests_per_run = 0;
};

Result<EngineFigures> EngineRun(std::shared_ptr<table::Table> table, int threads, double seconds) {
  engine::WorkflowBuilder b("bench-dynamodb", 1);
  for (int i = 0; i < kSteps; ++i) {
    b.Step<std::string, std::string>("step-" + std::to_string(i),
                                     [i](engine::StepContext&, const std::string&) {
                                       return KilobyteOf(static_cast<uint32_t>(100 + i));
                                     });
  }
  engine::Workflow wf = b.Build().value();
  engine::EngineOptions eo;
  eo.table = std::move(table);
  DYNAFLOW_ASSIGN_OR_RETURN(auto eng, engine::Engine::Open(eo));
  DYNAFLOW_RETURN_IF_ERROR(eng->Register(wf));
  const int batch = threads * 4;
  engine::WorkerOptions wo;
  wo.threads = threads;
  wo.handoff_backlog = batch;
  DYNAFLOW_ASSIGN_OR_RETURN(auto worker, eng->NewWorker(wo));
  DYNAFLOW_RETURN_IF_ERROR(worker->Start());
  const engine::EngineMetrics before = eng->metrics();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  // A window of `batch` runs in flight: a new one starts as soon as one finishes.
  const int64_t finished_before = engine::RunsFinished(before);
  int64_t started = 0;
  while (Clock::now() < end) {
    while (started - (engine::RunsFinished(eng->metrics()) - finished_before) < batch) {
      DYNAFLOW_RETURN_IF_ERROR(eng->Start(wf, std::string("go")).status());
      ++started;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  while (engine::RunsFinished(eng->metrics()) - finished_before < started) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const int64_t runs = started;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const engine::EngineMetrics after = eng->metrics();
  worker->Stop();
  const double steps = static_cast<double>(after.steps_completed - before.steps_completed);
  const double wru = after.store.write_units - before.store.write_units;
  EngineFigures f;
  f.steps_per_s = steps / elapsed;
  f.runs_per_s = static_cast<double>(runs) / elapsed;
  f.wru_per_step = steps > 0 ? wru / steps : 0;
  f.wru_per_run = runs > 0 ? wru / static_cast<double>(runs) : 0;
  f.requests_per_run =
      runs > 0 ? static_cast<double>(after.store.requests - before.store.requests) / runs : 0;
  return f;
}

int Main(int argc, char** argv) {
  CLI::App app{"dynaflow engine steps/s on DynamoDB Local beside raw conditional PutItem/s"};
  std::string endpoint;
  int threads = 8;
  double seconds = 10;
  bench::AddEndpointFlag(app, endpoint);
  dynaflow::config::AddBoundedOption(app, "--threads", threads, "client threads for both phases", 1,
                                     256);
  double warmup = 10;
  dynaflow::config::AddBoundedOption(app, "--warmup", warmup,
                                     "unmeasured raw puts first (JIT warm-up of the emulator)", 0.0,
                                     600.0);
  dynaflow::config::AddBoundedOption(app, "--seconds", seconds, "duration of each phase", 1.0,
                                     3600.0);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  auto created = bench::NewLocalClient(endpoint);
  if (!created.ok()) {
    std::fprintf(stderr, "dynamodb_local_bench: %s\n", created.status().ToString().c_str());
    return 1;
  }
  std::shared_ptr<dynamodb::Client> client = std::move(created).value();
  const std::string table_name = "dynaflow_bench_" + std::to_string(::getpid());
  if (Status s = table::EnsureSeedTable(*client, table_name); !s.ok()) {
    std::fprintf(stderr, "dynamodb_local_bench: creating %s: %s\n", table_name.c_str(),
                 s.ToString().c_str());
    return 1;
  }
  auto opened = table::OpenDynamoDbTable(client, table_name);
  if (!opened.ok()) {
    std::fprintf(stderr, "dynamodb_local_bench: %s\n", opened.status().ToString().c_str());
    (void)client->DeleteTable({table_name});
    return 1;
  }
  // A fresh emulator JVM is several times slower until its JIT has warmed up: warm it with the
  // same puts first, so neither phase is measured cold.
  std::fprintf(stderr, "warm-up: %d threads, %.0f s...\n", threads, warmup);
  if (warmup > 0) (void)RawPutsPerSecond(*client, table_name, threads, warmup, "WARMUP");
  std::fprintf(stderr, "raw phase: %d threads, %.0f s...\n", threads, seconds);
  const double puts = RawPutsPerSecond(*client, table_name, threads, seconds, "RAW");
  std::fprintf(stderr, "engine phase: %d threads, %.0f s...\n", threads, seconds);
  auto figures =
      EngineRun(std::shared_ptr<table::Table>(std::move(opened).value()), threads, seconds);
  (void)client->DeleteTable({table_name});
  if (!figures.ok()) {
    std::fprintf(stderr, "dynamodb_local_bench: engine phase: %s\n",
                 figures.status().ToString().c_str());
    return 1;
  }
  std::printf("DynamoDB Local at %s, %d threads, %.0f s per phase\n", endpoint.c_str(), threads,
              seconds);
  std::printf("  raw conditional PutItem, 1 KB, no index   %8.0f puts/s\n", puts);
  std::printf(
      "  engine, 10-step runs, 1 KB outputs        %8.0f steps/s (%.1f runs/s)  %.2f x "
      "the raw put rate\n",
      figures->steps_per_s, figures->runs_per_s, figures->steps_per_s / puts);
  std::printf(
      "  write units                               %8.2f WRU per step, %.1f per run, %.1f "
      "requests per run\n",
      figures->wru_per_step, figures->wru_per_run, figures->requests_per_run);
  std::printf(
      "  price                                     $%.2f per million steps at $%.3f per "
      "million WRU\n",
      figures->wru_per_step * kUsdPerMillionWru, kUsdPerMillionWru);
  return 0;
}

}  // namespace
}  // namespace dynaflow

int main(int argc, char** argv) { return dynaflow::Main(argc, argv); }
