// The WorkflowStore suite: one set of GoogleTest cases every Table backend must pass with the
// workflow store on top (memory, SQLite, DynamoDB Local).
//
// How to run it against a backend (in that backend's test file):
//
//   #include "tests/support/workflow_store_suite.h"
//   DYNAFLOW_INSTANTIATE_WORKFLOW_STORE_SUITE(Memory,
//       ::dynaflow::test::StoreBackend{"memory", [](const table::TableOptions& o) {
//         return std::shared_ptr<table::Table>(table::NewMemoryTable(o)); }});
//
// The TEST_P bodies live in tests/support/workflow_store_suite*.cc, built as the object library
// dynaflow_workflow_store_suite (tests/CMakeLists.txt): a binary that links it links every case of
// every such file, so a new suite file needs no registration.
//
// Contract for factories: `make` gets TableOptions whose clock is the fixture's FakeClock
// (retention tests move it); it returns a table (tables may be shared between tests and hold
// other data: every test uses its own random key prefix) or nullptr after recording a failure.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dynaflow/store/table/table.h"
#include "dynaflow/store/table/table_options.h"
#include "dynaflow/store/workflow/workflow_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {

struct StoreBackend {
  std::string name;  // letters, digits and '_' only
  std::function<std::shared_ptr<table::Table>(const table::TableOptions&)> make;
};

class WorkflowStoreTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;

  // Options with this test's key prefix (plus `suffix`) and the fake clock.
  store::WorkflowStoreOptions Options(const std::string& prefix_suffix = "") const;
  // Options() with 4 KB payload chunks and outputs inline up to 4 KB, so that payloads of a
  // few KB make INPUT and chunk items.
  store::WorkflowStoreOptions SmallChunkOptions() const;
  // A store over the fixture's table (fails the test and returns null on error).
  std::unique_ptr<store::WorkflowStore> MakeStore(const store::WorkflowStoreOptions& options);

  // Every item of partition `pk` (raw table reads, expired items excluded by the table).
  std::vector<Item> RawPartition(const std::string& pk);
  std::string RunPk(const std::string& run_id) const { return prefix_ + "RUN#" + run_id; }
  // A run created PENDING (fails the test on error).
  ::dynaflow::Run MustCreate(store::WorkflowStore& store, store::NewRun new_run);
  // A run created and claimed by `owner` with a 30 s lease.
  ::dynaflow::Run MustCreateClaimed(store::WorkflowStore& store, const std::string& workflow_id,
                                    const std::string& owner);
  static store::Fence FenceOf(const ::dynaflow::Run& run);
  // The sharded-listing check of workflow_store_suite_lists.cc (gsi1 = gsi2 = shards).
  void CheckShardedListings(int shards, int limit);

  FakeClock clock_;
  std::shared_ptr<table::Table> table_;
  std::string prefix_;                           // unique per test, e.g. "T0123456789abcdef/"
  std::unique_ptr<store::WorkflowStore> store_;  // MakeStore(Options())
};

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);
inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }
// Builders of the store's request structs.
store::NewRun Wf(std::string workflow_id, std::string business_key = "", std::string run_id = "");
store::NewRun Starting(store::NewRun new_run, TimePoint start_at);
store::RunChange ToStatus(RunStatus status);
store::RunFinish Finish(RunStatus status, std::optional<std::string> result = std::nullopt,
                        std::string error = "");
store::StepRecord Step(const std::string& step_id,
                       std::optional<std::string> output = std::nullopt);
// Deterministic pseudo-random bytes.
std::string PayloadBytes(size_t n, uint32_t seed);

}  // namespace dynaflow::test

// Use at namespace scope.
#define DYNAFLOW_INSTANTIATE_WORKFLOW_STORE_SUITE(prefix, ...)                        \
  using ::dynaflow::test::WorkflowStoreTest;                                          \
  INSTANTIATE_TEST_SUITE_P(prefix, WorkflowStoreTest, ::testing::Values(__VA_ARGS__), \
                           ::dynaflow::test::StoreBackendName)
