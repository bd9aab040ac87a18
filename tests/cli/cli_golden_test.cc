// Golden output of the `dynaflow` command's human tables: runs written through the workflow
// store with a fake clock and fixed run ids (so every time and id is known), read back by the
// real binary with --now pinned. Set DYNAFLOW_UPDATE_GOLDEN=1 to rewrite the files after an
// intended change (and review the diff).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/sqlite_table.h"
#include "dynaflow/store/workflow/workflow_store.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(DYNAFLOW_CLI_GOLDEN_DIR) + "/" + name;
  const char* update = std::getenv("DYNAFLOW_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
  }
  EXPECT_EQ(actual, ReadFile(path)) << "golden file " << path;
}

class CliGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("dynaflow_cli_golden_" + std::to_string(::getpid()) + ".db"))
                .string();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
    auto table = table::OpenSqliteTable(path_);
    ASSERT_OK(table);
    store::WorkflowStoreOptions o;
    o.clock = &clock_;
    auto store = store::WorkflowStore::Create(std::move(table).value(), o);
    ASSERT_OK(store);
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
  }

  // A run created now (clock) with these steps (offsets from creation, ms), finished `status`.
  struct StepSpec {
    std::string id;
    StepStatus status;
    int start_ms, end_ms, attempt;
    std::string error;
  };
  void MakeRun(const std::string& run_id, const std::string& business_key,
               const std::vector<StepSpec>& steps, std::optional<RunStatus> finish,
               const std::string& error = "") {
    store::NewRun nr;
    nr.run_id = run_id;
    nr.workflow_id = "order-saga";
    nr.business_key = business_key;
    nr.input = "{\"order\": 42, \"amount\": 19.90}";
    nr.retention = 0s;  // kept forever: the fake clock's 2024 must not expire them
    nr.tags["region"] = "eu-west-1";
    auto run = store_->CreateRun(nr);
    ASSERT_OK(run);
    const TimePoint t0 = clock_.Now();
    ASSERT_OK_AND_ASSIGN(auto claimed, store_->ClaimRun(run_id, "worker-1", 30s));
    store::Fence fence{run_id, "worker-1", claimed.lease.epoch};
    for (const auto& s : steps) {
      store::StepRecord rec;
      rec.step_id = s.id;
      rec.status = s.status;
      rec.attempt = s.attempt;
      rec.started_at = t0 + std::chrono::milliseconds(s.start_ms);
      rec.finished_at = t0 + std::chrono::milliseconds(s.end_ms);
      rec.error = s.error;
      if (s.status == StepStatus::kCompleted) rec.output = "{\"ok\": true}";
      clock_.SetNow(rec.finished_at);
      ASSERT_OK(store_->RecordStep(fence, rec));
    }
    if (finish) {
      store::RunFinish f;
      f.status = *finish;
      f.error = error;
      ASSERT_OK(store_->FinishRun(fence, f));
    }
  }

  FakeClock clock_{FromUnixMillis(1704103200000)};  // 2024-01-01T10:00:00Z
  std::string path_;
  std::unique_ptr<store::WorkflowStore> store_;
};

TEST_F(CliGolden, ListAndShowTables) {
  MakeRun("01HK0000000000000000000001", "order-41",
          {{"reserve", StepStatus::kCompleted, 5, 25, 1, ""},
           {"charge", StepStatus::kCompleted, 30, 1530, 2, ""},
           {"ship", StepStatus::kCompleted, 1540, 1600, 1, ""}},
          RunStatus::kCompleted);
  clock_.SetNow(FromUnixMillis(1704103200000) + 2min);
  MakeRun("01HK0000000000000000000002", "order-42",
          {{"reserve", StepStatus::kCompleted, 4, 20, 1, ""},
           {"charge", StepStatus::kCompleted, 22, 120, 1, ""},
           {"ship", StepStatus::kFailed, 125, 900, 3,
            "InvalidArgument: address of order 42 is not served"},
           {"compensate:charge", StepStatus::kCompensated, 905, 980, 1, ""},
           {"compensate:reserve", StepStatus::kCompensated, 985, 1000, 1, ""}},
          RunStatus::kCompensated, "step \"ship\" failed: address of order 42 is not served");
  clock_.SetNow(FromUnixMillis(1704103200000) + 5min);
  MakeRun("01HK0000000000000000000003", "", {{"reserve", StepStatus::kCompleted, 3, 9, 1, ""}},
          std::nullopt);

  const std::vector<std::string> store = {"--store.path=" + path_, "--now", "2024-01-01T11:00:00Z"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), store.begin(), store.end());
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  ExpectGolden("runs_list.txt", run({"runs", "list", "-w", "order-saga"}));
  ExpectGolden("runs_show.txt",
               run({"runs", "show", "01HK0000000000000000000002", "--timeline", "--payloads"}));
  ExpectGolden("runs_count.txt", run({"runs", "count", "-s", "COMPLETED", "-s", "RUNNING"}));
  ExpectGolden("runs_list.jsonl", run({"runs", "list", "-s", "COMPENSATED", "-o", "jsonl"}));
}

// The archive of `runs export` and the result table of `runs import` (into another key prefix):
// two finished runs go in, the unfinished one is refused; parsed results for -o jsonl.
TEST_F(CliGolden, ExportAndImport) {
  MakeRun("01HK0000000000000000000001", "order-41",
          {{"reserve", StepStatus::kCompleted, 5, 25, 1, ""},
           {"ship", StepStatus::kFailed, 30, 60, 2, "Unavailable: carrier down"}},
          RunStatus::kFailed, "step \"ship\" failed: carrier down");
  clock_.SetNow(FromUnixMillis(1704103200000) + 2min);
  MakeRun("01HK0000000000000000000002", "order-42",
          {{"reserve", StepStatus::kCompleted, 4, 20, 1, ""}}, RunStatus::kCompleted);
  clock_.SetNow(FromUnixMillis(1704103200000) + 5min);
  MakeRun("01HK0000000000000000000003", "", {{"reserve", StepStatus::kCompleted, 3, 9, 1, ""}},
          std::nullopt);
  const std::string archive = path_ + ".jsonl";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store.path=" + path_, "--now", "2024-01-01T11:00:00Z"});
    return RunCli(args);
  };
  CliResult exported =
      run({"runs", "export", "-w", "order-saga", "--page-size", "2", "--file", archive});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  ExpectGolden("runs_export.jsonl", ReadFile(archive));

  CliResult imported = run({"--store.key-prefix=copy/", "runs", "import", archive});
  EXPECT_EQ(imported.exit_code, 1);  // the unfinished run is refused
  ExpectGolden("runs_import.txt", imported.out);
  EXPECT_EQ(imported.err, "runs import: 2 imported, 0 skipped, 1 failed\n");
  CliResult again = run({"--store.key-prefix=copy/", "runs", "import", archive, "-o", "jsonl"});
  ExpectGolden("runs_import.jsonl", again.out);
  std::filesystem::remove(archive);
}

// Schedules made through an engine on the fake clock: one that fired a tick (its run is shown),
// one paused, one in a time zone.
TEST_F(CliGolden, SchedulesTables) {
  auto table = table::OpenSqliteTable(path_);
  ASSERT_OK(table);
  engine::EngineOptions eo;
  eo.table = std::move(table).value();
  eo.clock = &clock_;
  ASSERT_OK_AND_ASSIGN(auto engine, engine::Engine::Open(eo));
  engine::ScheduleOptions o;
  o.schedule_id = "every-5-minutes";
  o.cron = "*/5 * * * *";
  o.run_retention = 0s;  // kept forever: the fake clock's 2024 must not expire its run
  ASSERT_OK(engine->CreateScheduleEncoded("order-saga", 1, "{\"order\": 1}", o));
  o.schedule_id = "nightly-berlin";
  o.cron = "0 2 * * *";
  o.time_zone = "+01:00";
  o.overlap = engine::OverlapPolicy::kBufferOne;
  ASSERT_OK(engine->CreateScheduleEncoded("order-saga", 2, "{\"order\": 2}", o));
  o.schedule_id = "paused-one";
  o.cron = "@hourly";
  o.time_zone = "";
  o.overlap = engine::OverlapPolicy::kAllow;
  o.paused = true;
  ASSERT_OK(engine->CreateScheduleEncoded("order-saga", 1, "{\"order\": 3}", o));
  clock_.SetNow(FromUnixMillis(1704103200000) + 5min);
  ASSERT_OK_AND_ASSIGN(int fired, engine->FireDueSchedules());
  EXPECT_EQ(fired, 1);

  const std::vector<std::string> store = {"--store.path=" + path_, "--now", "2024-01-01T10:07:00Z"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), store.begin(), store.end());
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  ExpectGolden("schedules_list.txt", run({"schedules", "list"}));
  ExpectGolden("schedules_show.txt", run({"schedules", "show", "every-5-minutes"}));
  ExpectGolden("schedules_list.jsonl", run({"schedules", "list", "-o", "jsonl"}));
}

}  // namespace
}  // namespace dynaflow::test
