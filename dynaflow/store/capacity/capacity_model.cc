#include "dynaflow/store/capacity/capacity_model.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "dynaflow/store/table/memory_table.h"

namespace dynaflow::capacity {

namespace {

constexpr int kMaxShards = 100;

// Time for the played runs: real time at the start, then 1 ms later at every reading, so
// every write of a run happens later than the one before (a renewal moves the lease expiry,
// as it does after a real heartbeat interval) without waiting.
class SteppingClock final : public Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += std::chrono::milliseconds(1);
    return now_;
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::time_point(Now().time_since_epoch());
  }
  void SleepFor(std::chrono::nanoseconds d) override {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += std::chrono::duration_cast<std::chrono::milliseconds>(d);
  }

 private:
  mutable std::mutex mu_;
  mutable TimePoint now_ = Clock::Real()->Now();
};

struct Tally {
  // Units per index and partition key over the whole sample.
  std::unordered_map<std::string, double> wru[3];
  std::unordered_map<std::string, double> rru[3];
  std::map<std::string, double> requests;
  int runs = 0;
};

int Slot(table::Index index) { return static_cast<int>(index); }

Status Play(const Workload& w, const Layout& layout, const ModelOptions& o, int runs,
            Tally* tally) {
  RecordingSinks sinks;
  sinks.on_write = [&](const WriteRecord& write) {
    tally->requests[write.request] += 1;
    for (const Charge& c : ChargesOf(write, o.billing)) {
      tally->wru[Slot(c.index)][c.partition] += c.units;
    }
  };
  sinks.on_query = [&](const ReadRecord& read) {
    tally->requests["Query"] += 1;
    tally->rru[Slot(read.index)][read.partition] += ReadUnits(read.bytes, read.consistent);
  };
  // A fresh memory table per batch of runs keeps memory flat; keys do not depend on it.
  const int batch = std::max(100, w.handover ? 100 : RunsPerPoll(w));
  SteppingClock clock;
  for (int done = 0; done < runs; done += batch) {
    auto recording = std::make_shared<RecordingTable>(
        std::shared_ptr<table::Table>(table::NewMemoryTable()), sinks);
    store::WorkflowStoreOptions so;
    so.gsi1_shards = layout.gsi1_shards;
    so.gsi2_shards = layout.gsi2_shards;
    so.clock = &clock;
    DYNAFLOW_ASSIGN_OR_RETURN(auto store, store::WorkflowStore::Create(recording, so));
    DYNAFLOW_RETURN_IF_ERROR(
        DriveRuns(*store, w, std::min(batch, runs - done), o.seed + static_cast<uint32_t>(done)));
  }
  tally->runs = runs;
  return Status::OK();
}

KeyLoad Load(table::Index index, std::string key, double wru, double rru, const ModelOptions& o) {
  KeyLoad k{index, std::move(key), wru, rru, 0};
  k.share = std::max(wru / o.partition_wru_limit, rru / o.partition_rru_limit);
  return k;
}

}  // namespace

Result<CapacityReport> ModelCapacity(const Workload& w, const Layout& layout,
                                     const ModelOptions& o) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateWorkload(w));
  for (int shards : {layout.gsi1_shards, layout.gsi2_shards}) {
    if (shards < 1 || shards > kMaxShards) {
      return Status::InvalidArgument("shard counts must be 1..100");
    }
  }
  const int runs =
      std::clamp(static_cast<int>(std::ceil(w.runs_per_second)), 100, o.max_sample_runs);
  Tally t;
  DYNAFLOW_RETURN_IF_ERROR(Play(w, layout, o, runs, &t));

  CapacityReport r;
  r.workload = w;
  r.layout = layout;
  r.billing = o.billing;
  r.sample_runs = runs;
  const double per_run = 1.0 / runs;
  const double scale = w.runs_per_second / runs;  // sample units -> units per second
  for (const auto& [name, n] : t.requests) r.per_run.requests[name] = n * per_run;
  auto sum = [](const std::unordered_map<std::string, double>& m) {
    double s = 0;
    for (const auto& [k, v] : m) s += v;
    return s;
  };
  r.per_run.wru_table = sum(t.wru[0]) * per_run;
  r.per_run.wru_gsi1 = sum(t.wru[1]) * per_run;
  r.per_run.wru_gsi2 = sum(t.wru[2]) * per_run;
  r.per_run.rru = (sum(t.rru[0]) + sum(t.rru[1]) + sum(t.rru[2])) * per_run;

  // The table: every key is one run's partition (or a business key's), written over the run.
  const double window_s = std::max(1.0, RunDuration(w).count() / 1000.0);
  r.table.index = table::Index::kPrimary;
  r.table.wru_per_second = sum(t.wru[0]) * scale;
  r.table.rru_per_second = sum(t.rru[0]) * scale;
  r.table.keys = static_cast<int>(std::lround(t.wru[0].size() * scale));
  r.table.mean_key_wru_per_second =
      t.wru[0].empty() ? 0 : sum(t.wru[0]) / t.wru[0].size() / window_s;
  for (const auto& [key, units] : t.wru[0]) {
    KeyLoad k = Load(table::Index::kPrimary, key, units / window_s, 0, o);
    if (k.share > r.table.hottest.share) r.table.hottest = k;
  }

  // The indexes: keys shared by many runs, scaled to the workload's rate.
  for (table::Index index : {table::Index::kGsi1, table::Index::kGsi2}) {
    IndexLoad& load = index == table::Index::kGsi1 ? r.gsi1 : r.gsi2;
    load.index = index;
    std::map<std::string, std::pair<double, double>> keys;
    for (const auto& [key, units] : t.wru[Slot(index)]) keys[key].first += units * scale;
    for (const auto& [key, units] : t.rru[Slot(index)]) keys[key].second += units * scale;
    for (const auto& [key, units] : keys) {
      KeyLoad k = Load(index, key, units.first, units.second, o);
      load.wru_per_second += k.wru_per_second;
      load.rru_per_second += k.rru_per_second;
      if (k.wru_per_second > 0) ++load.keys;
      if (k.share > load.hottest.share) load.hottest = k;
      r.gsi_keys.push_back(std::move(k));
    }
    load.mean_key_wru_per_second = load.keys ? load.wru_per_second / load.keys : 0;
    // Group the shards of one key: "<base>#<nn>" (two digits) when the index is sharded.
    const int shards = index == table::Index::kGsi1 ? layout.gsi1_shards : layout.gsi2_shards;
    std::map<std::string, double> base_wru;
    for (const auto& [key, units] : keys) {
      base_wru[shards > 1 ? key.substr(0, key.size() - 3) : key] += units.first;
    }
    const double n = shards;
    for (const auto& [base, total] : base_wru) {
      const double u = total / w.runs_per_second;  // units per run on this key
      const double runs_per_shard = w.runs_per_second / n;
      const double peak = total / n + 3 * u * std::sqrt(runs_per_shard * (1 - 1 / n));
      load.peak_share = std::max(load.peak_share, peak / o.partition_wru_limit);
    }
  }
  std::stable_sort(r.gsi_keys.begin(), r.gsi_keys.end(),
                   [](const KeyLoad& a, const KeyLoad& b) { return a.share > b.share; });
  r.hottest = r.table.hottest;
  for (const IndexLoad* l : {&r.gsi1, &r.gsi2}) {
    if (l->hottest.share > r.hottest.share) r.hottest = l->hottest;
  }
  return r;
}

Result<Layout> RecommendLayout(const Workload& w, double max_share, const ModelOptions& o,
                               CapacityReport* report) {
  if (!(max_share > 0)) return Status::InvalidArgument("max share must be > 0");
  Layout layout;
  DYNAFLOW_ASSIGN_OR_RETURN(CapacityReport r, ModelCapacity(w, layout, o));
  // First guess: the unsharded key's load spread evenly; then grow each index whose hottest
  // shard is still over, in proportion to the excess, until both fit (or hit 100).
  auto guess = [&](double share, int current) {
    int n = static_cast<int>(std::ceil(current * share / max_share));
    return std::clamp(std::max(n, current + 1), 1, kMaxShards);
  };
  auto worst = [](const IndexLoad& l) { return std::max(l.hottest.share, l.peak_share); };
  for (int round = 0; round < 12; ++round) {
    const bool over1 = worst(r.gsi1) > max_share && layout.gsi1_shards < kMaxShards;
    const bool over2 = worst(r.gsi2) > max_share && layout.gsi2_shards < kMaxShards;
    if (!over1 && !over2) break;
    if (over1) layout.gsi1_shards = guess(worst(r.gsi1), layout.gsi1_shards);
    if (over2) layout.gsi2_shards = guess(worst(r.gsi2), layout.gsi2_shards);
    DYNAFLOW_ASSIGN_OR_RETURN(r, ModelCapacity(w, layout, o));
  }
  if (report) *report = std::move(r);
  return layout;
}

}  // namespace dynaflow::capacity
