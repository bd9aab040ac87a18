// The capacity model against DynamoDB Local: the item stream of a workload (one workflow id,
// sharded GSI1 and GSI2; scaled down in rate, not in key distribution) written by the real
// store to a real table, then read back per GSI partition key.
//
// Checks that:
//   - the model's bill of every request (billing.h, with DynamoDB Local's rules) equals the
//     write units DynamoDB Local reported for it: create, claim, step put, lease renewal, last
//     step + finish, with and without a business key;
//   - per run, the units per index equal what ModelCapacity predicts for the same workload
//     (played on a memory table);
//   - the index partitions hold what the model says: every GSI1 and GSI2 shard is used, the
//     entries per shard add up to the runs, each shard's billed units are exactly the model's
//     per-run units times the runs DynamoDB Local lists in it, and the busiest shard stays
//     within the binomial bound of hashing that many runs (max/mean <= 1 + 4 sigma).
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start); fails without it.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dynaflow/store/capacity/capacity_model.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::capacity {
namespace {

constexpr int kRuns = 240;
constexpr int kGsi1Shards = 8;
constexpr int kGsi2Shards = 4;

std::string Shard(const std::string& base, int i) {
  return base + (i < 10 ? "#0" : "#") + std::to_string(i);
}

class CapacityDynamoDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = test::NewDynamoDbLocalClient();
    ASSERT_NE(client, nullptr);
    client_ = std::move(client);
    name_ = test::UniqueTableName("capacity");
    table::ProvisionOptions provision;
    provision.enable_ttl = false;
    ASSERT_OK(table::EnsureSeedTable(*client_, name_, provision));
    auto opened = table::OpenDynamoDbTable(client_, name_);
    ASSERT_OK(opened);
    table_ = std::shared_ptr<table::Table>(std::move(opened).value());
  }
  void TearDown() override {
    if (client_) (void)client_->DeleteTable({name_});
  }

  // Items of one GSI partition key, counted with Queries on DynamoDB Local.
  int CountIn(table::Index index, const std::string& partition) {
    table::QueryRequest q;
    q.index = index;
    q.partition = partition;
    q.limit = 1000;
    int n = 0;
    for (;;) {
      auto page = table_->Query(q);
      EXPECT_OK(page);
      if (!page.ok()) return n;
      n += static_cast<int>(page->items.size());
      if (page->next_cursor.empty()) return n;
      q.cursor = page->next_cursor;
    }
  }

  std::shared_ptr<dynamodb::Client> client_;
  std::string name_;
  std::shared_ptr<table::Table> table_;
};

Workload TestWorkload() {
  Workload w;
  w.runs_per_second = 10000;  // only sets the runs per poll below
  w.polls_per_second = 250;   // 40 runs per poll
  w.workflow_id = "orders";
  w.steps_per_run = 4;
  w.input_bytes = 256;
  w.output_bytes = 1024;
  w.step_duration = std::chrono::milliseconds(100);
  w.heartbeat = std::chrono::milliseconds(300);  // one renewal per run
  return w;
}

TEST_F(CapacityDynamoDbTest, ItemStreamLandsWhereTheModelPredicts) {
  const BillingRules local = BillingRules::DynamoDbLocal();
  std::vector<WriteRecord> writes;
  RecordingSinks sinks;
  sinks.on_write = [&](const WriteRecord& w) { writes.push_back(w); };
  auto recording = std::make_shared<RecordingTable>(table_, sinks);
  store::WorkflowStoreOptions so;
  so.key_prefix = "cap/";
  so.gsi1_shards = kGsi1Shards;
  so.gsi2_shards = kGsi2Shards;
  ASSERT_OK_AND_ASSIGN(auto store, store::WorkflowStore::Create(recording, so));

  const Workload w = TestWorkload();
  ASSERT_EQ(RenewalsPerRun(w), 1);
  ASSERT_OK(DriveRuns(*store, w, kRuns, 7));
  const size_t plain_writes = writes.size();
  Workload keyed = w;
  keyed.workflow_id = "keyed";
  keyed.business_key = true;
  ASSERT_OK(DriveRuns(*store, keyed, 10, 8));

  // 1. Calibration: the model's bill of each request is what DynamoDB Local reported.
  std::map<std::string, std::pair<int, double>> by_request;  // request -> (count, units)
  int mismatches = 0;
  for (const WriteRecord& rec : writes) {
    const double billed = TotalUnits(ChargesOf(rec, local));
    by_request[rec.request].first += 1;
    by_request[rec.request].second += rec.reported_units;
    if (billed != rec.reported_units && ++mismatches <= 5) {
      ADD_FAILURE() << rec.request << ": model bills " << billed << " WRU, DynamoDB Local reported "
                    << rec.reported_units;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << writes.size() << " requests";
  for (const auto& [request, stats] : by_request) {
    std::printf("%-20s %5d requests %8.0f WRU reported\n", request.c_str(), stats.first,
                stats.second);
  }
  EXPECT_EQ(by_request["TransactWriteItems"].first, 10);  // the keyed creates

  // 2. Per run and index: what the model predicts for the same workload on a memory table.
  std::map<std::string, double> units_by_key[3];
  for (size_t i = 0; i < plain_writes; ++i) {
    for (const Charge& c : ChargesOf(writes[i], local)) {
      units_by_key[static_cast<int>(c.index)][c.partition] += c.units;
    }
  }
  ModelOptions mo;
  mo.billing = local;
  mo.max_sample_runs = kRuns;
  auto model = ModelCapacity(w, {kGsi1Shards, kGsi2Shards}, mo);
  ASSERT_OK(model);
  ASSERT_EQ(model->sample_runs, kRuns);
  auto per_run = [&](int index) {
    double units = 0;
    for (const auto& [key, u] : units_by_key[index]) units += u;
    return units / kRuns;
  };
  EXPECT_DOUBLE_EQ(per_run(0), model->per_run.wru_table);
  EXPECT_DOUBLE_EQ(per_run(1), model->per_run.wru_gsi1);
  EXPECT_DOUBLE_EQ(per_run(2), model->per_run.wru_gsi2);
  EXPECT_EQ(model->per_run.wru_gsi1, 5);  // create 1, claim 1, renewal 1, finish 2
  std::printf("per run: table %.2f, GSI1 %.2f, GSI2 %.2f WRU (model: %.2f, %.2f, %.2f)\n",
              per_run(0), per_run(1), per_run(2), model->per_run.wru_table, model->per_run.wru_gsi1,
              model->per_run.wru_gsi2);

  // 3. GSI1: every shard used; the entries DynamoDB Local lists per shard add up to the runs;
  // each shard's units are the model's per-run units times its runs; the busiest shard within
  // the binomial bound.
  int listed = 0, busiest = 0;
  for (int i = 0; i < kGsi1Shards; ++i) {
    const std::string key = Shard("cap/WORKFLOW#orders", i);
    const int n = CountIn(table::Index::kGsi1, key);
    EXPECT_GT(n, 0) << key;
    EXPECT_DOUBLE_EQ(units_by_key[1][key], n * model->per_run.wru_gsi1) << key;
    listed += n;
    busiest = std::max(busiest, n);
    std::printf("%-24s %3d runs %6.0f WRU\n", key.c_str(), n, units_by_key[1][key]);
  }
  EXPECT_EQ(listed, kRuns);
  EXPECT_EQ(units_by_key[1].size(), static_cast<size_t>(kGsi1Shards));  // no other key written
  const double mean = static_cast<double>(kRuns) / kGsi1Shards;
  const double sigma = std::sqrt(mean * (1 - 1.0 / kGsi1Shards));
  EXPECT_LE(busiest, mean + 4 * sigma);

  // 4. GSI2: finished runs sit in every COMPLETED shard; nothing is left PENDING or RUNNING.
  int completed = 0;
  for (int i = 0; i < kGsi2Shards; ++i) {
    const int n = CountIn(table::Index::kGsi2, Shard("cap/STATUS#COMPLETED", i));
    EXPECT_GT(n, 0);
    completed += n;
    EXPECT_EQ(CountIn(table::Index::kGsi2, Shard("cap/STATUS#PENDING", i)), 0);
    EXPECT_EQ(CountIn(table::Index::kGsi2, Shard("cap/STATUS#RUNNING", i)), 0);
  }
  EXPECT_EQ(completed, kRuns + 10);
  EXPECT_EQ(units_by_key[2].size(), 3u * kGsi2Shards);  // PENDING, RUNNING, COMPLETED shards
}

}  // namespace
}  // namespace dynaflow::capacity
