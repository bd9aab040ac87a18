// List-page latency of `dynaflow runs list` (dynaflow/cli/run_listing.h) on the embedded SQLite
// store as the store grows: 10,000 runs, then 100,000, then 1,000,000 (--max-runs), all of one
// workflow (the largest GSI1 partition there can be) and all PENDING (the largest GSI2 partition).
//
//   build/release/bench/list_bench [--max-runs N] [--path FILE] [--pages N]
//
// Seeding writes runs through WorkflowStore::CreateRun (the store's own item building; one
// SQLite transaction per run). At each size it measures, newest first and limit 20: the first
// page by workflow, the 50th page by workflow (resumed from a cursor), and the first page by
// status, each the median of --pages calls (default 200). Prints one line per size. The file
// is deleted at the end.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dynaflow/cli/run_listing.h"
#include "dynaflow/store/table/sqlite_table.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using dynaflow::cli::ListRuns;
using dynaflow::cli::RunQuery;

double MedianMicros(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median latency (µs) of fetching the page after `cursor`.
double Measure(dynaflow::store::WorkflowStore& store, const RunQuery& q, const std::string& cursor,
               int pages) {
  std::vector<double> us;
  for (int i = 0; i < pages; ++i) {
    auto t0 = Clock::now();
    auto page = ListRuns(store, q, cursor);
    auto t1 = Clock::now();
    if (!page.ok() || page->runs.size() != static_cast<size_t>(q.limit)) {
      std::fprintf(stderr, "list failed: %s\n",
                   page.ok() ? "short page" : page.status().ToString().c_str());
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return MedianMicros(us);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t max_runs = 1000000;
  int pages = 200;
  std::string path = (std::filesystem::temp_directory_path() / "dynaflow-list-bench.db").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--max-runs")
      max_runs = std::atoll(argv[i + 1]);
    else if (k == "--path")
      path = argv[i + 1];
    else if (k == "--pages")
      pages = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: list_bench [--max-runs N] [--path FILE] [--pages N]\n");
      return 2;
    }
  }
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  auto table = dynaflow::table::OpenSqliteTable(path);
  if (!table.ok()) {
    std::fprintf(stderr, "%s\n", table.status().ToString().c_str());
    return 1;
  }
  auto store = dynaflow::store::WorkflowStore::Create(std::move(table).value());
  if (!store.ok()) return 1;

  RunQuery by_workflow;
  by_workflow.workflow_id = "bench";
  by_workflow.limit = 20;
  RunQuery by_status;
  by_status.statuses = {dynaflow::RunStatus::kPending};
  by_status.limit = 20;

  std::printf("%10s %12s %14s %16s %14s\n", "runs", "seed runs/s", "first page us", "50th page us",
              "by status us");
  int64_t seeded = 0;
  for (int64_t target = 10000; target <= max_runs; target *= 10) {
    auto t0 = Clock::now();
    for (; seeded < target; ++seeded) {
      dynaflow::store::NewRun nr;
      nr.workflow_id = "bench";
      nr.input = "{\"order\":" + std::to_string(seeded) + "}";
      auto r = (*store)->CreateRun(nr);
      if (!r.ok()) {
        std::fprintf(stderr, "seed: %s\n", r.status().ToString().c_str());
        return 1;
      }
    }
    double seed_s = std::chrono::duration<double>(Clock::now() - t0).count();
    // The cursor of the 50th page.
    std::string cursor;
    for (int p = 0; p < 49; ++p) cursor = ListRuns(**store, by_workflow, cursor)->next_cursor;
    double first = Measure(**store, by_workflow, "", pages);
    double deep = Measure(**store, by_workflow, cursor, pages);
    double status = Measure(**store, by_status, "", pages);
    std::printf("%10lld %12.0f %14.1f %16.1f %14.1f\n", static_cast<long long>(target),
                static_cast<double>(target - (target / 10 == 1000 ? 0 : target / 10)) / seed_s,
                first, deep, status);
    std::fflush(stdout);
  }
  store->reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);  // ~800 MB at 1M
  return 0;
}
