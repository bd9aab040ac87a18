// The fan-out pipeline: load a batch -> score it in K parallel shards (really concurrent, one
// recorded step each) -> merge the K partial results (fan-in) -> alert (a conditional step,
// recorded SKIPPED when the batch has no outlier) -> publish.
//
//   fanout_pipeline [--runs 50] [--branches 4] [--branch-ms 20] [--threads 4] [--config ...]
//
// Batch i holds 64 values below 1000, plus one outlier of 5000 when i % --outlier-every == 0;
// only those batches raise an alert. Each shard records when it started and finished, so the
// merge step can count how many shards of the run were executing at the same moment. After the
// runs, every run is checked: COMPLETED, every step recorded with the expected status (alert
// SKIPPED exactly for batches without outlier), the published total equal to the total computed
// here, and (with K >= 2) at least two shards of every run overlapping in time.
// Exit status: 0 when every run is as expected, 1 otherwise, 2 for bad flags or a store that
// cannot be opened.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dynaflow/engine/engine.h"
#include "examples/common/example_app.h"

namespace dynaflow::examples {
namespace {

struct Batch {
  int64_t id = 0;
  std::vector<int64_t> values;
};
struct Partial {
  int32_t shard = 0;
  int64_t count = 0;
  int64_t sum = 0;
  int64_t max = 0;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
};
struct Totals {
  int64_t id = 0;
  int64_t count = 0;
  int64_t sum = 0;
  int64_t max = 0;
  int32_t concurrent_shards = 0;  // most shards executing at one moment
  bool alerted = false;
};

}  // namespace
}  // namespace dynaflow::examples

namespace dynaflow::engine {
using examples::Batch;
using examples::Partial;
using examples::Totals;

template <>
struct JsonFields<Batch> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("id", &Batch::id), JsonField("values", &Batch::values));
};
template <>
struct JsonFields<Partial> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("shard", &Partial::shard), JsonField("count", &Partial::count),
                      JsonField("sum", &Partial::sum), JsonField("max", &Partial::max),
                      JsonField("started_ms", &Partial::started_ms),
                      JsonField("finished_ms", &Partial::finished_ms));
};
template <>
struct JsonFields<Totals> {
  static constexpr auto kFields =
      std::make_tuple(JsonField("id", &Totals::id), JsonField("count", &Totals::count),
                      JsonField("sum", &Totals::sum), JsonField("max", &Totals::max),
                      JsonField("concurrent_shards", &Totals::concurrent_shards),
                      JsonField("alerted", &Totals::alerted));
};
}  // namespace dynaflow::engine

namespace dynaflow::examples {
namespace {

using engine::MakeStep;
using engine::StepContext;

constexpr int64_t kAlertAbove = 1000;
constexpr int kValuesPerBatch = 64;

struct PipelineFlags {
  int branches = 4;
  int branch_ms = 20;
  int outlier_every = 4;
};

Batch MakeBatch(int64_t id, const PipelineFlags& f) {
  Batch b;
  b.id = id;
  for (int i = 0; i < kValuesPerBatch; ++i) b.values.push_back((id * 7919 + i * 104729) % 1000);
  if (id % f.outlier_every == 0) b.values[static_cast<size_t>(id % kValuesPerBatch)] = 5000;
  return b;
}

// Most intervals [started, finished) that contain one moment.
int32_t MostOverlapping(const std::vector<Partial>& parts) {
  std::vector<std::pair<int64_t, int>> edges;
  for (const Partial& p : parts) {
    edges.emplace_back(p.started_ms, +1);
    edges.emplace_back(p.finished_ms, -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal times the end (-1) sorts first
  int32_t now = 0, most = 0;
  for (const auto& e : edges) most = std::max(most, now += e.second);
  return most;
}

// Shard k of K: sums the values at indexes k, k + K, k + 2K, ... and records when it ran.
engine::StepSpec<Batch, Partial> Shard(int k, PipelineFlags f) {
  return MakeStep<Batch, Partial>(
      "shard-" + std::to_string(k), [f, k](StepContext& ctx, const Batch& batch) {
        Partial p;
        p.shard = k;
        p.started_ms = ToUnixMillis(ctx.now());
        for (size_t i = static_cast<size_t>(k); i < batch.values.size();
             i += static_cast<size_t>(f.branches)) {
          ++p.count;
          p.sum += batch.values[i];
          p.max = std::max(p.max, batch.values[i]);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(f.branch_ms));  // the "work"
        p.finished_ms = ToUnixMillis(ctx.now());
        return p;
      });
}

// Parallel() takes its branches as arguments, so the group is instantiated per branch count.
template <size_t... K>
void AddShards(engine::WorkflowBuilder& b, const PipelineFlags& f, std::index_sequence<K...>) {
  b.Parallel("score", Shard(static_cast<int>(K), f)...);
}
template <size_t N>
void AddShardGroup(engine::WorkflowBuilder& b, const PipelineFlags& f) {
  AddShards(b, f, std::make_index_sequence<N>{});
}
using AddShardGroupFn = void (*)(engine::WorkflowBuilder&, const PipelineFlags&);
constexpr AddShardGroupFn kAddShardGroup[] = {AddShardGroup<1>, AddShardGroup<2>, AddShardGroup<3>,
                                              AddShardGroup<4>, AddShardGroup<5>, AddShardGroup<6>,
                                              AddShardGroup<7>, AddShardGroup<8>};
constexpr int kMaxBranches = 8;

Result<engine::Workflow> BuildPipeline(const PipelineFlags& f) {
  if (f.branches < 1 || f.branches > kMaxBranches) {
    return Status::InvalidArgument("--branches must be 1..8");
  }
  engine::WorkflowBuilder b("fanout-pipeline", 1);
  b.Step(MakeStep<int64_t, Batch>(
      "load", [f](StepContext&, const int64_t& id) { return MakeBatch(id, f); }));
  kAddShardGroup[f.branches - 1](b, f);
  b.Step(MakeStep<std::vector<Partial>, Totals>(
      "merge", [](StepContext& ctx, const std::vector<Partial>& parts) -> Result<Totals> {
        auto batch = ctx.Output<Batch>("load");  // any earlier step's output, by name
        if (!batch.ok()) return batch.error();
        Totals t;
        t.id = batch->id;
        for (const Partial& p : parts) {
          t.count += p.count;
          t.sum += p.sum;
          t.max = std::max(t.max, p.max);
        }
        t.concurrent_shards = MostOverlapping(parts);
        return t;
      }));
  b.Step(MakeStep<Totals, Totals>("alert", [](StepContext& ctx, const Totals& t) {
           ctx.logger().info("batch {}: value {} above {}", t.id, t.max, kAlertAbove);
           Totals alerted = t;
           alerted.alerted = true;
           return alerted;
         }).When([](StepContext&, const Totals& t) { return t.max > kAlertAbove; }));
  b.Step(MakeStep<Totals, Totals>("publish", [](StepContext&, const Totals& t) { return t; }));
  return b.Build();
}

int Main(int argc, char** argv) {
  CLI::App app{"dynaflow example: a fan-out / fan-in pipeline with a conditional step"};
  CommonFlags flags;
  PipelineFlags pipe;
  AddCommonFlags(app, &flags, /*default_runs=*/50);
  AddBoundedOption(app, "--branches", pipe.branches, "parallel shards per run (1..8)", 1,
                   kMaxBranches);
  AddBoundedOption(app, "--branch-ms", pipe.branch_ms, "simulated work per shard, ms", 0, 60000);
  AddBoundedOption(app, "--outlier-every", pipe.outlier_every,
                   "every n-th batch has an outlier and raises an alert", 1, 1000000);
  ParsedExample parsed = ParseAndSetUp(app, argc, argv, flags, "fanout-pipeline");
  if (!parsed.env) return parsed.exit_code;
  ExampleEnv env = std::move(*parsed.env);
  engine::Engine& engine = *env.engine;
  auto wf = BuildPipeline(pipe);
  if (!wf.ok() || !engine.Register(*wf).ok()) {
    std::fprintf(stderr, "fanout_pipeline: bad workflow definition: %s\n",
                 wf.ok() ? "register failed" : wf.error().ToString().c_str());
    return 2;
  }
  engine::WorkerOptions wo = app::WorkerOptionsFor(env.config.worker);
  wo.max_branch_threads = std::max(wo.max_branch_threads, pipe.branches);
  // The worker and, with [worker] metrics-listen, Prometheus metrics of this process at /metrics.
  std::optional<RunningWorker> running = StartExampleWorker(env, wo, "fanout_pipeline");
  if (!running) return 2;
  std::printf("fan-out pipeline: %d batches x %d shards on %s, 1 worker x %d threads\n", flags.runs,
              pipe.branches, env.store.description.c_str(), wo.threads);
  std::fflush(stdout);

  const auto start = std::chrono::steady_clock::now();
  std::vector<ExpectedRun> runs;
  std::map<std::string, int64_t> batch_of;  // run id -> batch id
  ProgressReporter progress(
      engine, flags.runs,
      std::chrono::milliseconds(static_cast<int64_t>(flags.progress_seconds * 1000)), stdout);
  for (int64_t i = 1; i <= flags.runs; ++i) {
    auto started = engine.Start(*wf, i);
    if (!started.ok()) {
      std::fprintf(stderr, "fanout_pipeline: starting batch %lld: %s\n", static_cast<long long>(i),
                   started.error().ToString().c_str());
      continue;
    }
    runs.push_back({started->run_id, RunStatus::kCompleted, "batch " + std::to_string(i)});
    batch_of[started->run_id] = i;
  }
  bool all_finished = WaitForFinishedRuns(engine, static_cast<int64_t>(runs.size()),
                                          std::chrono::seconds(flags.timeout_seconds));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.Stop();
  engine::EngineMetrics metrics = engine.metrics();
  running->worker->Stop();

  int64_t alerts = 0, skipped = 0;
  int32_t least_overlap = pipe.branches;
  RunCheck check = CheckRuns(engine, runs, [&](const ExpectedRun& r, const store::RunDetails& d) {
    Batch batch = MakeBatch(batch_of[r.run_id], pipe);
    int64_t sum = 0, max = 0;
    for (int64_t v : batch.values) {
      sum += v;
      max = std::max(max, v);
    }
    const bool alert = max > kAlertAbove;
    std::map<std::string, StepStatus> want = {{"load", StepStatus::kCompleted},
                                              {"merge", StepStatus::kCompleted},
                                              {"publish", StepStatus::kCompleted}};
    for (int k = 0; k < pipe.branches; ++k)
      want["shard-" + std::to_string(k)] = StepStatus::kCompleted;
    want["alert"] = alert ? StepStatus::kCompleted : StepStatus::kSkipped;
    std::map<std::string, StepStatus> got;
    for (const StepExecution& s : d.steps) got[s.step_id] = s.status;
    if (got != want) return std::string("unexpected step records");
    (alert ? alerts : skipped)++;
    auto result = engine.GetResult<Totals>(r.run_id);
    if (!result.ok()) return "no result: " + result.error().ToString();
    if (result->sum != sum || result->count != kValuesPerBatch || result->max != max ||
        result->alerted != alert) {
      return std::string("published totals differ from the batch's");
    }
    least_overlap = std::min(least_overlap, result->concurrent_shards);
    if (pipe.branches >= 2 && result->concurrent_shards < 2) {
      return std::string("its shards did not run concurrently");
    }
    return std::string();
  });
  if (!all_finished) {
    check.problems.insert(
        check.problems.begin(),
        "timed out after " + std::to_string(flags.timeout_seconds) + " s waiting for the runs");
  }

  SummaryInput summary;
  summary.program = "fan-out pipeline";
  summary.store = env.store.description;
  summary.threads = wo.threads;
  summary.runs = static_cast<int64_t>(runs.size());
  summary.elapsed_seconds = elapsed;
  summary.metrics = metrics;
  summary.check = &check;
  summary.notes.push_back("alert step      ran for " + std::to_string(alerts) +
                          " batches with an outlier, SKIPPED for " + std::to_string(skipped));
  summary.notes.push_back("concurrency     every run had at least " +
                          std::to_string(least_overlap) + " of its " +
                          std::to_string(pipe.branches) + " shards executing at the same moment");
  PrintSummary(stdout, summary);

  running->worker.reset();
  env.engine.reset();
  env.store.table.reset();
  RemoveTemporaryStore(env, flags.keep_store);
  return check.problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace dynaflow::examples

int main(int argc, char** argv) { return dynaflow::examples::Main(argc, argv); }
