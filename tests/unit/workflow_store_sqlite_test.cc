// The workflow store on the embedded SQLite backend: the WorkflowStore suite (a fresh database
// file per test), plus persistence of a run across reopening the file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>

#include "store/table/sqlite_table.h"
#include "tests/support/fake_clock.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::store {
namespace {

namespace fs = std::filesystem;

// One temporary directory per test binary, removed when the tests end.
class TempDir : public ::testing::Environment {
 public:
  static const fs::path& Path() {
    static const fs::path dir = [] {
      std::string tmpl = (fs::temp_directory_path() / "dynaflow-store-XXXXXX").string();
      EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
      return fs::path(tmpl);
    }();
    return dir;
  }
  static std::string NewFile() {
    static std::atomic<int> n{0};
    return (Path() / ("store" + std::to_string(n++) + ".db")).string();
  }
  void TearDown() override { fs::remove_all(Path()); }
};
[[maybe_unused]] const auto* const kTempDir = ::testing::AddGlobalTestEnvironment(new TempDir);

std::shared_ptr<table::Table> OpenFile(const std::string& path, const table::TableOptions& o) {
  table::SqliteTableOptions so;
  so.table = o;
  auto t = table::OpenSqliteTable(path, so);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::shared_ptr<table::Table>(std::move(t).value()) : nullptr;
}

DYNAFLOW_INSTANTIATE_WORKFLOW_STORE_SUITE(Sqlite, ::dynaflow::test::StoreBackend{
                                                      "sqlite", [](const table::TableOptions& o) {
                                                        return OpenFile(TempDir::NewFile(), o);
                                                      }});

TEST(WorkflowStoreSqliteTest, RunSurvivesReopeningTheFile) {
  test::FakeClock clock;
  table::TableOptions to;
  to.clock = &clock;
  WorkflowStoreOptions o;
  o.clock = &clock;
  o.key_prefix = "app/";
  o.payload_chunk_bytes = 4096;
  const std::string path = TempDir::NewFile();
  std::string run_id;
  Fence fence;
  {
    auto store = WorkflowStore::Create(OpenFile(path, to), o);
    ASSERT_TRUE(store.ok());
    NewRun nr;
    nr.workflow_id = "w";
    nr.business_key = "k";
    nr.owner = "worker-1";
    nr.input = test::PayloadBytes(10000, 1);
    auto run = (*store)->CreateRun(nr);
    ASSERT_TRUE(run.ok()) << run.status();
    run_id = run->run_id;
    fence = {run_id, "worker-1", run->lease.epoch};
    StepRecord step;
    step.step_id = "a";
    step.output = test::PayloadBytes(9000, 2);
    ASSERT_TRUE((*store)->RecordStep(fence, step).ok());
    ASSERT_TRUE((*store)->PutState(run_id, "s", "v").ok());
  }
  // Another process opening the file: everything is there, the lease still fences.
  auto store = WorkflowStore::Create(OpenFile(path, to), o);
  ASSERT_TRUE(store.ok());
  auto details = (*store)->LoadRun(run_id, true);
  ASSERT_TRUE(details.ok()) << details.status();
  EXPECT_EQ(details->input, test::PayloadBytes(10000, 1));
  EXPECT_EQ(details->outputs["a"], test::PayloadBytes(9000, 2));
  ASSERT_EQ(details->state.size(), 1u);
  EXPECT_EQ(details->run.lease.owner, "worker-1");
  std::string holder;
  NewRun dup;
  dup.workflow_id = "w";
  dup.business_key = "k";
  EXPECT_EQ((*store)->CreateRun(dup, &holder).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(holder, run_id);
  EXPECT_EQ((*store)->ClaimRun(run_id, "worker-2", std::chrono::seconds(5)).status().code(),
            StatusCode::kConditionFailed);
  StepRecord b;
  b.step_id = "b";
  auto rec = (*store)->RecordStep(fence, b);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(rec->version, details->run.version);  // a step record writes no run item
  DYNAFLOW_EXPECT_STATUS((*store)->RecordStep(fence, b).status(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace dynaflow::store
