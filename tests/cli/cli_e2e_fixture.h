// The fixture of the `dynaflow` end-to-end tests: a store shared with the binary (a SQLite file,
// or a fresh table on DynamoDB Local), an Engine with a running Worker in this process that
// executes the test workflows, and helpers to run the binary against that store.
//
// Workflows (input: an int, JSON-encoded by the engine's codec):
//   order v1   reserve -> charge -> ship; charge fails for ids divisible by 7, ship for ids
//              divisible by 13 (after charge); reserve and charge have compensations, so such
//              runs end COMPENSATED. Every other run COMPLETED.
//   flaky v1   one step "call" that fails while `flaky_fails` is true (no compensation: the run
//              ends FAILED), for `runs retry`.
//   approval v1  prepare (compensated) -> await the event "approved" (int, up to an hour) ->
//              book (event + 1): a run that sleeps waiting for an event after a recorded step.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dynaflow/engine/engine.h"
#include "dynaflow/store/dynamodb/client/client.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace dynaflow::test {

enum class CliBackend { kSqlite, kDynamoDbLocal };

// gtest prints a parameter with this (test names and failures say "Sqlite", not its bytes).
inline void PrintTo(CliBackend b, std::ostream* os) {
  *os << (b == CliBackend::kSqlite ? "Sqlite" : "DynamoDbLocal");
}

class CliEndToEnd : public ::testing::TestWithParam<CliBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs `dynaflow <store flags> <args>`.
  CliResult Cli(std::vector<std::string> args);
  // The flags that point the binary at this test's store.
  std::vector<std::string> StoreFlags() const { return store_flags_; }

  // Starts runs of `order` with ids first..last (tag batch=<id % 2 ? odd : even>) and waits until
  // all finished. Returns the run ids in id order.
  std::vector<std::string> StartOrders(int first, int last);
  // Waits until the run is finished; its status.
  RunStatus Finish(const std::string& run_id);
  // Starts a run of approval (input 7, business key `key` unless empty) and waits (up to 60 s)
  // until it sleeps waiting for "approved"; its id.
  std::string StartApproval(const std::string& key = "");

  // Parses JSON (fails the test when malformed).
  static rapidjson::Document Parse(const std::string& text);
  // Parses -o jsonl output: one document per line.
  static std::vector<rapidjson::Document> ParseLines(const std::string& text);

  // Makes a worker (4 threads, fast polls) for the workflows registered so far and starts it
  // (in worker_).
  void StartWorker();

  static std::atomic<bool> flaky_fails;
  // Kept for inspection when the test failed.
  TempDir temp_dir_{"dynaflow_cli_e2e", /*keep_if_test_failed=*/true};
  const std::string dir_ = temp_dir_.path();
  std::shared_ptr<table::Table> table_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<engine::Worker> worker_;
  engine::Workflow order_, flaky_, approval_;

 private:
  std::vector<std::string> store_flags_;
  std::shared_ptr<dynamodb::Client> ddb_;
  std::string ddb_table_;
};

}  // namespace dynaflow::test
