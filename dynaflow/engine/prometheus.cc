#include "dynaflow/engine/prometheus.h"

#include <cstdio>
#include <cstring>

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
  // One counter sample; opens its family (HELP, TYPE) unless `family_open` is that family
  // already. An empty family is not exported; an empty outcome means no outcome label.
  void CounterRow(const char* family, const char* outcome, const char* help, int64_t v,
                  const char*& family_open) {
    if (*family == '\0') return;
    if (std::strcmp(family, family_open) != 0) {
      Family(family, "counter", help);
      family_open = family;
    }
    Sample(family, *outcome == '\0' ? Labels{} : Labels{{"outcome", outcome}}, std::to_string(v));
  }
  void Counter(const char* name, const char* help, int64_t v) {
    Family(name, "counter", help);
    Sample(name, {}, std::to_string(v));
  }
  // Every exported row of DYNAFLOW_ENGINE_COUNTERS, in its order.
  void EngineCounters(const EngineMetrics& m) {
    const char* family_open = "";
#define DYNAFLOW_ENGINE_COUNTER_SAMPLE(field, family, outcome, help) \
  CounterRow(family, outcome, help, m.field, family_open);
    DYNAFLOW_ENGINE_COUNTERS(DYNAFLOW_ENGINE_COUNTER_SAMPLE)
#undef DYNAFLOW_ENGINE_COUNTER_SAMPLE
  }
  std::string Take() { return std::move(out_); }

 private:
  const Labels& common_;
  std::string out_;
};

}  // namespace

std::string RenderPrometheus(const EngineMetrics& m, const Labels& labels) {
  Writer w(labels);
  w.EngineCounters(m);

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
