// capacity_model: what a workload costs each partition of the dynaflow table on DynamoDB, from
// the store's own keys, items and sizes (dynaflow/store/capacity/capacity_model.h), and which shard
// counts keep every partition under a share of its limit.
//
//   build/release/bench/capacity_model --runs-per-second 10000 --gsi1-shards 100 --gsi2-shards 32
//   build/release/bench/capacity_model --runs-per-second 10000 --recommend
//
// Exit status: 0 when the hottest partition, also at its 3-sigma peak, is at or below
// --max-share of its limit, 1 when it is above, 2 for bad flags or a failed model run.
#include "dynaflow/store/capacity/capacity_model.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "dynaflow/config/config_cli.h"

namespace {

using dynaflow::capacity::CapacityReport;
using dynaflow::capacity::IndexLoad;
using dynaflow::capacity::KeyLoad;

const char* IndexLabel(dynaflow::table::Index index) {
  switch (index) {
    case dynaflow::table::Index::kPrimary:
      return "table";
    case dynaflow::table::Index::kGsi1:
      return "GSI1";
    case dynaflow::table::Index::kGsi2:
      return "GSI2";
  }
  return "?";
}

void PrintIndex(const IndexLoad& l, const char* what) {
  std::printf("  %-5s %-26s %9.0f %7.0f %6d %9.0f  %-28s %7.0f %6.0f %5.1f%%\n",
              IndexLabel(l.index), what, l.wru_per_second, l.rru_per_second, l.keys,
              l.mean_key_wru_per_second, l.hottest.key.c_str(), l.hottest.wru_per_second,
              l.hottest.rru_per_second, 100 * l.hottest.share);
}

void Print(const CapacityReport& r, double max_share, bool all_keys) {
  const auto& w = r.workload;
  std::printf(
      "workload: %.0f runs/s of workflow \"%s\", %d steps of %zu B outputs (%lld ms each), %zu B "
      "input, heartbeat %lld ms (%d renewals per run), %s%s\n",
      w.runs_per_second, w.workflow_id.c_str(), w.steps_per_run, w.output_bytes,
      static_cast<long long>(w.step_duration.count()), w.input_bytes,
      static_cast<long long>(w.heartbeat.count()), dynaflow::capacity::RenewalsPerRun(w),
      w.handover ? "handed over to the starting worker (no poll, no claim)"
                 : ("polled and claimed by remote workers (" +
                    std::to_string(static_cast<long long>(w.polls_per_second)) + " polls/s, " +
                    std::to_string(dynaflow::capacity::RunsPerPoll(w)) + " runs per poll)")
                       .c_str(),
      w.business_key ? ", with business keys" : "");
  std::printf("layout:   gsi1-shards %d, gsi2-shards %d\n", r.layout.gsi1_shards,
              r.layout.gsi2_shards);
  const bool local = r.billing.index_entry_overhead_bytes == 0;
  std::printf(
      "billing:  %s: 1 WRU per KB per item written, x2 in transactions; each GSI entry "
      "written +%zu B; a changed GSI key = delete + put\n",
      local ? "as DynamoDB Local reports it" : "DynamoDB", r.billing.index_entry_overhead_bytes);
  std::printf("sample:   %d runs played through WorkflowStore over a recording memory table\n\n",
              r.sample_runs);
  std::printf(
      "per run:  %.1f WRU (table %.1f, GSI1 %.1f, GSI2 %.1f), %.2f RRU; requests:", r.per_run.wru(),
      r.per_run.wru_table, r.per_run.wru_gsi1, r.per_run.wru_gsi2, r.per_run.rru);
  for (const auto& [name, n] : r.per_run.requests) std::printf(" %s %.2f", name.c_str(), n);
  std::printf("\n\n");
  std::printf("  %-5s %-26s %9s %7s %6s %9s  %-28s %7s %6s %6s\n", "", "partition keys", "WRU/s",
              "RRU/s", "keys", "WRU/s/key", "hottest key", "WRU/s", "RRU/s", "limit");
  PrintIndex(r.table, "RUN#<id> (one per run)");
  PrintIndex(r.gsi1, "WORKFLOW#<id>[#nn]");
  PrintIndex(r.gsi2, "STATUS#<status>[#nn]");
  std::printf(
      "\n  a shard's peak in a bad second (mean + 3 sigma of hashing one second of runs): GSI1 "
      "%.1f%%, GSI2 %.1f%% of its limit\n",
      100 * r.gsi1.peak_share, 100 * r.gsi2.peak_share);
  if (all_keys) {
    std::printf("\n  every GSI partition key, hottest first:\n");
    for (const KeyLoad& k : r.gsi_keys) {
      std::printf("  %-5s %-40s %8.0f WRU/s %7.0f RRU/s %5.1f%%\n", IndexLabel(k.index),
                  k.key.c_str(), k.wru_per_second, k.rru_per_second, 100 * k.share);
    }
  }
  std::printf(
      "\ntable total: %.0f WRU/s needs at least %.0f physical partitions of 1,000 WRU/s "
      "(DynamoDB splits by key; one run's partition peaks at %.0f WRU/s)\n",
      r.table.wru_per_second, std::ceil(r.table.wru_per_second / 1000),
      r.table.hottest.wru_per_second);
  const double peak = std::max({r.hottest.share, r.gsi1.peak_share, r.gsi2.peak_share});
  std::printf(
      "hottest partition: %s %s at %.1f%% of its limit (3-sigma peak %.1f%%; target <= %.0f%%): "
      "%s\n",
      IndexLabel(r.hottest.index), r.hottest.key.c_str(), 100 * r.hottest.share, 100 * peak,
      100 * max_share, peak <= max_share ? "OK" : "OVER");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "dynaflow capacity model: WRU/s and RRU/s per partition of the table, GSI1 and GSI2 for "
      "a workload, from the store's real keys and item sizes"};
  dynaflow::capacity::Workload w;
  dynaflow::capacity::Layout layout;
  dynaflow::capacity::ModelOptions options;
  double step_ms = 100, heartbeat_s = 10, max_share = 0.5;
  bool recommend = false, all_keys = false, local_billing = false;
  dynaflow::config::AddBoundedOption(app, "--runs-per-second", w.runs_per_second,
                                     "runs started per second, one workflow id", 0.001, 1e7);
  app.add_option("--workflow-id", w.workflow_id, "the workflow id")->capture_default_str();
  dynaflow::config::AddBoundedOption(app, "--steps", w.steps_per_run, "steps per run", 1, 1000);
  app.add_option("--input-bytes", w.input_bytes, "input per run (incompressible)")
      ->capture_default_str();
  app.add_option("--output-bytes", w.output_bytes, "output per step (incompressible)")
      ->capture_default_str();
  dynaflow::config::AddBoundedOption(app, "--step-ms", step_ms, "duration of one step", 0.0,
                                     86400000.0);
  dynaflow::config::AddBoundedOption(app, "--heartbeat-s", heartbeat_s,
                                     "lease renewal interval (lease / 3)", 0.1, 3600.0);
  app.add_flag("--handover", w.handover,
               "runs are created leased to the starting worker (no poll, no claim)");
  app.add_flag("--business-key", w.business_key, "every run is started with a business key");
  app.add_option("--polls-per-second", w.polls_per_second,
                 "polls that find work, all workers together")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e6));
  dynaflow::config::AddBoundedOption(app, "--gsi1-shards", layout.gsi1_shards,
                                     "[store] gsi1-shards", 1, 100);
  dynaflow::config::AddBoundedOption(app, "--gsi2-shards", layout.gsi2_shards,
                                     "[store] gsi2-shards", 1, 100);
  app.add_flag("--recommend", recommend,
               "find the smallest shard counts keeping every partition at or under --max-share");
  dynaflow::config::AddBoundedOption(app, "--max-share", max_share,
                                     "target share of a partition's limit", 0.01, 1.0);
  app.add_option("--max-sample-runs", options.max_sample_runs,
                 "runs played at most (one second of the workload when smaller)")
      ->capture_default_str()
      ->check(CLI::Range(100, 1000000));
  app.add_flag("--all-keys", all_keys, "print every GSI partition key");
  app.add_flag("--dynamodb-local-billing", local_billing,
               "bill as DynamoDB Local reports (no index entry overhead, no condition checks)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  w.step_duration = std::chrono::milliseconds(static_cast<int64_t>(step_ms));
  w.heartbeat = std::chrono::milliseconds(static_cast<int64_t>(heartbeat_s * 1000));
  if (local_billing) options.billing = dynaflow::capacity::BillingRules::DynamoDbLocal();

  CapacityReport report;
  if (recommend) {
    auto found = dynaflow::capacity::RecommendLayout(w, max_share, options, &report);
    if (!found.ok()) {
      std::fprintf(stderr, "capacity_model: %s\n", found.status().ToString().c_str());
      return 2;
    }
    const bool fits = std::max({report.hottest.share, report.gsi1.peak_share,
                                report.gsi2.peak_share}) <= max_share;
    std::printf(
        "recommended: gsi1-shards = %d, gsi2-shards = %d  (every partition <= %.0f%%, also at "
        "its 3-sigma peak%s)\n\n",
        found->gsi1_shards, found->gsi2_shards, 100 * max_share,
        fits ? "" : ": NOT reachable with 100 shards");
  } else {
    auto modelled = dynaflow::capacity::ModelCapacity(w, layout, options);
    if (!modelled.ok()) {
      std::fprintf(stderr, "capacity_model: %s\n", modelled.status().ToString().c_str());
      return 2;
    }
    report = std::move(modelled).value();
  }
  Print(report, max_share, all_keys);
  return std::max({report.hottest.share, report.gsi1.peak_share, report.gsi2.peak_share}) <=
                 max_share
             ? 0
             : 1;
}
