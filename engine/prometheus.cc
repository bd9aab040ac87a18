#include "engine/prometheus.h"

#include <cstdio>

namespace dynaflow::engine {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A label value with \, " and newline escaped.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

class Writer {
 public:
  explicit Writer(const Labels& common) : common_(common) {}

  void Family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Sample(const std::string& name, const Labels& extra, const std::string& value) {
    out_ += name;
    Labels all = common_;
    all.insert(all.end(), extra.begin(), extra.end());
    if (!all.empty()) {
      out_ += '{';
      for (size_t i = 0; i < all.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += all[i].first + "=\"" + Escape(all[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + value + '\n';
  }
  void Counter(const char* name, const char* help, int64_t v) {
    Family(name, "counter", help);
    Sample(name, {}, std::to_string(v));
  }
  std::string Take() { return std::move(out_); }

 private:
  const Labels& common_;
  std::string out_;
};

}  // namespace

std::string RenderPrometheus(const EngineMetrics& m, const Labels& labels) {
  Writer w(labels);
  w.Counter("dynaflow_runs_started_total", "Runs created by this process.", m.runs_started);
  w.Counter("dynaflow_runs_handed_over_total",
            "Runs created already leased to a local worker (no claim).", m.runs_handed_over);
  w.Counter("dynaflow_runs_claimed_total", "Runs claimed by workers from the table.",
            m.runs_claimed);
  w.Family("dynaflow_runs_finished_total", "counter",
           "Terminal run transitions written by this process's workers, by outcome.");
  w.Sample("dynaflow_runs_finished_total", {{"outcome", "completed"}},
           std::to_string(m.runs_completed));
  w.Sample("dynaflow_runs_finished_total", {{"outcome", "failed"}}, std::to_string(m.runs_failed));
  w.Sample("dynaflow_runs_finished_total", {{"outcome", "compensated"}},
           std::to_string(m.runs_compensated));
  w.Sample("dynaflow_runs_finished_total", {{"outcome", "cancelled"}},
           std::to_string(m.runs_cancelled));
  w.Counter("dynaflow_runs_released_total", "Runs handed back by stopping workers.",
            m.runs_released);
  w.Counter("dynaflow_runs_slept_total", "Runs put to durable sleep.", m.runs_slept);
  w.Counter("dynaflow_runs_abandoned_total",
            "Runs handed back while a step attempt was still running after the shutdown grace.",
            m.runs_abandoned);
  w.Counter("dynaflow_lease_losses_total",
            "Runs a worker stopped because another owner took its lease over.", m.leases_lost);
  w.Counter("dynaflow_step_attempts_total",
            "Step attempts started (steps and compensations, retries included).", m.step_attempts);
  w.Family("dynaflow_steps_total", "counter", "Steps recorded, by outcome.");
  w.Sample("dynaflow_steps_total", {{"outcome", "completed"}}, std::to_string(m.steps_completed));
  w.Sample("dynaflow_steps_total", {{"outcome", "skipped"}}, std::to_string(m.steps_skipped));
  w.Sample("dynaflow_steps_total", {{"outcome", "failed"}}, std::to_string(m.steps_failed));
  w.Counter("dynaflow_retries_total", "Step attempts after the first one.", m.retries);
  w.Counter("dynaflow_compensations_total", "Compensations recorded COMPENSATED.", m.compensations);
  w.Counter("dynaflow_heartbeats_total", "Lease extensions sent.", m.heartbeats);
  w.Counter("dynaflow_polls_total", "Polls for due runs.", m.polls);

  const char* hist = "dynaflow_step_duration_seconds";
  w.Family(hist, "histogram", "Duration of step attempts (steps and compensations).");
  for (size_t i = 0; i < kLatencyBucketBounds.size(); ++i) {
    w.Sample(std::string(hist) + "_bucket", {{"le", Number(kLatencyBucketBounds[i])}},
             std::to_string(m.step_latency.le_counts[i]));
  }
  w.Sample(std::string(hist) + "_bucket", {{"le", "+Inf"}}, std::to_string(m.step_latency.count));
  w.Sample(std::string(hist) + "_sum", {}, Number(m.step_latency.sum_ms / 1000.0));
  w.Sample(std::string(hist) + "_count", {}, std::to_string(m.step_latency.count));

  w.Family("dynaflow_store_requests_total", "counter",
           "Table operations of this process, by operation (query: pages fetched).");
  w.Sample("dynaflow_store_requests_total", {{"operation", "read"}}, std::to_string(m.store.reads));
  w.Sample("dynaflow_store_requests_total", {{"operation", "write"}},
           std::to_string(m.store.writes));
  w.Sample("dynaflow_store_requests_total", {{"operation", "query"}},
           std::to_string(m.store.queries));
  w.Counter("dynaflow_store_backend_requests_total",
            "Backend requests in total (DynamoDB: HTTP requests, retries included).",
            m.store.requests);
  w.Family("dynaflow_store_capacity_units_total", "counter",
           "Capacity units DynamoDB reported consumed (0 on the embedded backends).");
  w.Sample("dynaflow_store_capacity_units_total", {{"kind", "write"}}, Number(m.store.write_units));
  w.Sample("dynaflow_store_capacity_units_total", {{"kind", "read"}}, Number(m.store.read_units));
  return w.Take();
}

}  // namespace dynaflow::engine
