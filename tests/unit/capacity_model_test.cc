// The capacity model: billing rules on hand-built write records, and ModelCapacity /
// RecommendLayout on small workloads played through the real store (memory tables).
#include "dynaflow/store/capacity/capacity_model.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace dynaflow::capacity {
namespace {

using V = AttributeValue;

// A run-like item of about `bytes` bytes with both GSI keys.
Item RunItem(const std::string& gsi2pk, const std::string& gsi2sk, size_t bytes = 300) {
  Item item{{table::kPk, V::S("RUN#1")},          {table::kSk, V::S("RUN#1")},
            {table::kGsi1Pk, V::S("WORKFLOW#w")}, {table::kGsi1Sk, V::S("0001#1")},
            {table::kGsi2Pk, V::S(gsi2pk)},       {table::kGsi2Sk, V::S(gsi2sk)}};
  const size_t base = ItemSizeBytes(item) + 1;  // + the name "x"
  item["x"] = V::S(std::string(bytes > base ? bytes - base : 0, 'x'));
  return item;
}

double Units(const std::vector<Charge>& charges, table::Index index) {
  double u = 0;
  for (const Charge& c : charges) {
    if (c.index == index) u += c.units;
  }
  return u;
}

TEST(CapacityBillingTest, CreateClaimRenewFinishAndDelete) {
  const BillingRules ddb = BillingRules::DynamoDb();
  const BillingRules local = BillingRules::DynamoDbLocal();
  const Item pending = RunItem("STATUS#PENDING#03", "0001#1");
  const Item running = RunItem("STATUS#RUNNING#03", "0031#1");
  const Item renewed = RunItem("STATUS#RUNNING#03", "0041#1");

  // A create: the table and one put per index.
  WriteRecord create{"PutItem", false, {{std::nullopt, pending, false}}, 0};
  EXPECT_EQ(TotalUnits(ChargesOf(create, ddb)), 3);
  // A claim moves GSI2's partition key: a delete in the old shard and a put in the new one.
  WriteRecord claim{"UpdateItem", false, {{pending, running, false}}, 0};
  auto charges = ChargesOf(claim, ddb);
  EXPECT_EQ(TotalUnits(charges), 4);
  ASSERT_EQ(charges.size(), 4u);
  EXPECT_EQ(charges[2].partition, "STATUS#PENDING#03");
  EXPECT_EQ(charges[3].partition, "STATUS#RUNNING#03");
  // A renewal moves GSI2's sort key only: a delete plus a put too.
  WriteRecord renew{"UpdateItem", false, {{running, renewed, false}}, 0};
  EXPECT_EQ(TotalUnits(ChargesOf(renew, ddb)), 4);
  EXPECT_EQ(TotalUnits(ChargesOf(renew, local)), 4);
  // An unchanged key is one update of the entry; without the sort-key rule so is a renewal.
  WriteRecord same{"UpdateItem", false, {{renewed, renewed, false}}, 0};
  EXPECT_EQ(TotalUnits(ChargesOf(same, ddb)), 3);
  BillingRules lenient = ddb;
  lenient.sort_key_change_is_delete_put = false;
  EXPECT_EQ(TotalUnits(ChargesOf(renew, lenient)), 3);
  // A delete removes the entries: the item's size before, once per place.
  WriteRecord del{"DeleteItem", false, {{renewed, std::nullopt, false}}, 0};
  EXPECT_EQ(TotalUnits(ChargesOf(del, ddb)), 3);
}

TEST(CapacityBillingTest, SizesOverheadTransactionsAndChecks) {
  const BillingRules ddb = BillingRules::DynamoDb();
  const BillingRules local = BillingRules::DynamoDbLocal();
  // 1000 B: 1 KB in the table; the index entry (+100 B on DynamoDB) needs 2 units.
  const Item item = RunItem("STATUS#PENDING", "0001#1", 1000);
  ASSERT_EQ(ItemSizeBytes(item), 1000u);
  WriteRecord put{"PutItem", false, {{std::nullopt, item, false}}, 0};
  EXPECT_EQ(Units(ChargesOf(put, ddb), table::Index::kPrimary), 1);
  EXPECT_EQ(Units(ChargesOf(put, ddb), table::Index::kGsi1), 2);
  EXPECT_EQ(Units(ChargesOf(put, local), table::Index::kGsi1), 1);
  // An update is billed by the larger of the item before and after.
  const Item big = RunItem("STATUS#PENDING", "0001#1", 2500);
  WriteRecord shrink{"UpdateItem", false, {{big, item, false}}, 0};
  EXPECT_EQ(Units(ChargesOf(shrink, local), table::Index::kPrimary), 3);
  // Transactions: twice every write, condition checks billed on DynamoDB only.
  Item key_item{{table::kPk, V::S("BKEY#w#k")}, {table::kSk, V::S("BKEY#w#k")}};
  WriteRecord tx{"TransactWriteItems",
                 true,
                 {{std::nullopt, item, false}, {std::nullopt, key_item, false}},
                 0};
  EXPECT_EQ(TotalUnits(ChargesOf(tx, local)), 2 * (1 + 1 + 1) + 2);
  WriteRecord check{"TransactWriteItems", true, {{item, std::nullopt, true}}, 0};
  EXPECT_EQ(TotalUnits(ChargesOf(check, ddb)), 2);
  EXPECT_EQ(TotalUnits(ChargesOf(check, local)), 0);
  // Reads: 4 KB units, halved when eventually consistent, at least one unit.
  EXPECT_EQ(ReadUnits(0, false), 0.5);
  EXPECT_EQ(ReadUnits(4096, true), 1);
  EXPECT_EQ(ReadUnits(4097, false), 1);
}

Workload Small(bool handover) {
  Workload w;
  w.runs_per_second = 100;
  w.handover = handover;
  return w;
}

TEST(CapacityModelTest, PerRunUnitsAreTheMeasuredOnes) {
  // The figures of docs/cost.md, measured on DynamoDB Local: a 10-step run with 1 KB outputs costs
  // 28 WRU handed over and 32 when a remote worker claims it.
  ModelOptions o;
  o.billing = BillingRules::DynamoDbLocal();
  auto handed = ModelCapacity(Small(true), {}, o);
  ASSERT_OK(handed);
  EXPECT_EQ(handed->per_run.wru(), 28);
  EXPECT_EQ(handed->per_run.requests.at("PutItem"), 10);
  EXPECT_EQ(handed->per_run.requests.at("UpdateItem"), 1);
  auto polled = ModelCapacity(Small(false), {}, o);
  ASSERT_OK(polled);
  EXPECT_EQ(polled->per_run.wru(), 32);
  EXPECT_EQ(polled->per_run.wru_gsi1, 4);     // create, claim, finish (2: the 1 KB result)
  EXPECT_GT(polled->gsi2.rru_per_second, 0);  // the polls' Queries
  // A renewal adds a run-item write (table 1, GSI1 1, GSI2 delete + put).
  Workload slow = Small(false);
  slow.step_duration = std::chrono::milliseconds(2000);  // 20 s runs, 2 renewals
  auto renewing = ModelCapacity(slow, {}, o);
  ASSERT_OK(renewing);
  EXPECT_EQ(renewing->per_run.wru(), 32 + 2 * 4);
  EXPECT_EQ(renewing->table.hottest.wru_per_second, (22 + 2) / 20.0);  // one run over 20 s
}

TEST(CapacityModelTest, ShardsSpreadTheWorkflowKeyAndRatesScale) {
  Workload w = Small(true);
  w.runs_per_second = 1000;
  ModelOptions o;
  o.max_sample_runs = 400;  // a sample of 0.4 s, scaled to the rate
  auto one = ModelCapacity(w, {1, 1}, o);
  ASSERT_OK(one);
  EXPECT_EQ(one->gsi1.keys, 1);
  EXPECT_EQ(one->gsi1.hottest.key, "WORKFLOW#orders");
  EXPECT_DOUBLE_EQ(one->gsi1.wru_per_second, 1000 * one->per_run.wru_gsi1);
  EXPECT_GT(one->hottest.share, 1);  // one key takes every run-item write: over its limit
  ASSERT_EQ(one->sample_runs, 400);
  auto sharded = ModelCapacity(w, {16, 8}, o);
  ASSERT_OK(sharded);
  EXPECT_EQ(sharded->gsi1.keys, 16);
  EXPECT_EQ(sharded->gsi2.keys, 2 * 8);  // RUNNING and COMPLETED shards
  EXPECT_DOUBLE_EQ(sharded->gsi1.wru_per_second, one->gsi1.wru_per_second);
  EXPECT_GE(sharded->gsi1.hottest.wru_per_second, sharded->gsi1.mean_key_wru_per_second);
  EXPECT_LT(sharded->gsi1.hottest.share, one->gsi1.hottest.share / 8);
}

TEST(CapacityModelTest, RecommendationKeepsEveryPartitionUnderTheTarget) {
  Workload w = Small(false);
  w.runs_per_second = 300;  // GSI1 alone: 1,200 WRU/s on one key
  CapacityReport report;
  auto layout = RecommendLayout(w, 0.5, {}, &report);
  ASSERT_OK(layout);
  EXPECT_GT(layout->gsi1_shards, 2);
  EXPECT_LE(report.hottest.share, 0.5);
  EXPECT_EQ(report.layout.gsi1_shards, layout->gsi1_shards);
  EXPECT_EQ(ModelCapacity(w, {0, 1}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dynaflow::capacity
