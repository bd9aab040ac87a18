// The workflow store on the embedded SQLite backend: the WorkflowStore suite (a fresh database
// file per test), plus persistence of a run across reopening the file.
#include <gtest/gtest.h>

#include "dynaflow/store/table/sqlite_table.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::store {
namespace {

std::shared_ptr<table::Table> OpenFile(const std::string& path, const table::TableOptions& o) {
  table::SqliteTableOptions so;
  so.table = o;
  auto t = table::OpenSqliteTable(path, so);
  EXPECT_OK(t);
  return t.ok() ? std::shared_ptr<table::Table>(std::move(t).value()) : nullptr;
}

DYNAFLOW_INSTANTIATE_WORKFLOW_STORE_SUITE(
    Sqlite, ::dynaflow::test::StoreBackend{"sqlite", [](const table::TableOptions& o) {
                                             return OpenFile(
                                                 test::BinaryTempDir().NewFile("store", ".db"), o);
                                           }});

TEST(WorkflowStoreSqliteTest, RunSurvivesReopeningTheFile) {
  test::FakeClock clock;
  table::TableOptions to;
  to.clock = &clock;
  WorkflowStoreOptions o;
  o.clock = &clock;
  o.key_prefix = "app/";
  o.payload_chunk_bytes = 4096;
  const std::string path = test::BinaryTempDir().NewFile("store", ".db");
  std::string run_id;
  Fence fence;
  {
    ASSERT_OK_AND_ASSIGN(auto store, WorkflowStore::Create(OpenFile(path, to), o));
    NewRun nr;
    nr.workflow_id = "w";
    nr.business_key = "k";
    nr.owner = "worker-1";
    nr.input = test::PayloadBytes(10000, 1);
    ASSERT_OK_AND_ASSIGN(auto run, (store)->CreateRun(nr));
    run_id = run.run_id;
    fence = {run_id, "worker-1", run.lease.epoch};
    StepRecord step;
    step.step_id = "a";
    step.output = test::PayloadBytes(9000, 2);
    ASSERT_OK((store)->RecordStep(fence, step));
    ASSERT_OK((store)->PutState(run_id, "s", "v"));
  }
  // Another process opening the file: everything is there, the lease still fences.
  ASSERT_OK_AND_ASSIGN(auto store, WorkflowStore::Create(OpenFile(path, to), o));
  ASSERT_OK_AND_ASSIGN(auto details, (store)->LoadRun(run_id, true));
  EXPECT_EQ(details.input, test::PayloadBytes(10000, 1));
  EXPECT_EQ(details.outputs["a"], test::PayloadBytes(9000, 2));
  ASSERT_EQ(details.state.size(), 1u);
  EXPECT_EQ(details.run.lease.owner, "worker-1");
  std::string holder;
  NewRun dup;
  dup.workflow_id = "w";
  dup.business_key = "k";
  EXPECT_EQ((store)->CreateRun(dup, &holder).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(holder, run_id);
  EXPECT_EQ((store)->ClaimRun(run_id, "worker-2", std::chrono::seconds(5)).status().code(),
            StatusCode::kConditionFailed);
  StepRecord b;
  b.step_id = "b";
  ASSERT_OK_AND_ASSIGN(auto rec, (store)->RecordStep(fence, b));
  EXPECT_EQ(rec.version, details.run.version);  // a step record writes no run item
  // The holder's retry of its own record is answered as written; another holder's is refused.
  ASSERT_OK((store)->RecordStep(fence, b));
  ASSERT_OK_AND_ASSIGN(auto taken, (store)->ClaimRun(run_id, "worker-1", std::chrono::seconds(5)));
  EXPECT_STATUS((store)->RecordStep({run_id, "worker-1", taken.lease.epoch}, b).status(),
                StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace dynaflow::store
