// The capacity model: what a workload costs each partition of the table and its indexes.
//
// It plays a sample of the workload's runs through the real WorkflowStore (so the real key
// functions, shard hash, item builders and ItemSizeBytes decide every key and size) over a
// RecordingTable on fresh memory tables, bills every recorded write and query as DynamoDB does
// (billing.h), and scales the sample to the workload's rate:
//   - GSI partition keys (WORKFLOW#<id>[#<nn>], STATUS#<status>[#<nn>]): units billed to the
//     key in the sample x runs per second / sample runs. The sample is one second of runs
//     (capped at ModelOptions::max_sample_runs), so the hottest shard includes the real
//     per-second imbalance of hashing that many runs (a smaller sample overstates it).
//   - table partitions (RUN#<id>, one per run; BKEY#...): a run's units over its duration
//     (at least one second). DynamoDB splits the table's partitions by key, so the table's
//     total only sets how many physical partitions it needs (total / 1,000 WRU/s).
// Limits: 1,000 WRU/s and 3,000 RRU/s per partition key value (a GSI partition key cannot be
// split further for writes). The share of a key is the larger of its WRU and RRU shares.
// Thread-safety: functions are independent; each call uses its own tables.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dynaflow/model/result.h"
#include "dynaflow/store/capacity/billing.h"
#include "dynaflow/store/capacity/workload.h"

namespace dynaflow::capacity {

struct Layout {
  int gsi1_shards = 1;  // WorkflowStoreOptions::gsi1_shards (1..100)
  int gsi2_shards = 1;  // WorkflowStoreOptions::gsi2_shards (1..100)
};

struct ModelOptions {
  BillingRules billing = BillingRules::DynamoDb();
  // Runs played: one second of the workload, at most this many (and at least 100).
  int max_sample_runs = 20000;
  double partition_wru_limit = 1000;
  double partition_rru_limit = 3000;
  uint32_t seed = 1;  // payload bytes; run ids are random (as in production)
};

struct KeyLoad {
  table::Index index = table::Index::kPrimary;
  std::string key;  // partition key value ("RUN#<id>" stands for every run's partition)
  double wru_per_second = 0;
  double rru_per_second = 0;
  double share = 0;  // max(WRU / WRU limit, RRU / RRU limit)
};

struct IndexLoad {
  table::Index index = table::Index::kPrimary;
  int keys = 0;  // partition key values written in the sample (table: per second)
  double wru_per_second = 0;
  double rru_per_second = 0;
  KeyLoad hottest;
  double mean_key_wru_per_second = 0;  // over the keys written
  // GSIs: the share of its limit a shard reaches in a bad second, from the binomial spread of
  // hashing one second of runs over the shards: for every sharded key (a workflow id, a
  // status) with per-run units u over N shards, (R u / N + 3 u sqrt(R / N (1 - 1 / N))) / limit,
  // R = runs per second; the largest over the keys. Independent of the sample's luck.
  double peak_share = 0;
};

// Requests and units of one run, averaged over the sample.
struct PerRun {
  std::map<std::string, double> requests;  // by DynamoDB request name, polls' Queries included
  double wru_table = 0;
  double wru_gsi1 = 0;
  double wru_gsi2 = 0;
  double rru = 0;
  double wru() const { return wru_table + wru_gsi1 + wru_gsi2; }
};

struct CapacityReport {
  Workload workload;
  Layout layout;
  BillingRules billing;
  int sample_runs = 0;
  PerRun per_run;
  IndexLoad table, gsi1, gsi2;
  std::vector<KeyLoad> gsi_keys;  // every GSI partition key of the sample, hottest first
  KeyLoad hottest;                // over the table and both indexes
};

// Errors: kInvalidArgument (workload, layout), or the store's.
Result<CapacityReport> ModelCapacity(const Workload& workload, const Layout& layout,
                                     const ModelOptions& options = {});

// The smallest shard counts (each index on its own, 1..100) whose hottest key -- in the sample
// and by IndexLoad::peak_share -- stays at or below `max_share` of its limits, found by
// modelling candidate layouts; *report receives the
// report of the layout returned. When even 100 shards do not get there, returns 100 for that
// index (the report shows by how much it is over).
Result<Layout> RecommendLayout(const Workload& workload, double max_share,
                               const ModelOptions& options, CapacityReport* report);

}  // namespace dynaflow::capacity
