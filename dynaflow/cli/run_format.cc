#include "dynaflow/cli/run_format.h"

#include <algorithm>
#include <cctype>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/time_text.h"
#include "dynaflow/model/enum_names.h"

namespace dynaflow::cli {

namespace {

constexpr size_t kErrorColumnChars = 60;

// The first `n` code points of `text` plus "…" when it is longer; newlines become spaces.
std::string Shorten(std::string_view text, size_t n) {
  std::string out;
  size_t points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (points == n) return out + "…";
      ++points;
    }
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : static_cast<char>(c));
  }
  return out;
}

std::string Millis(int64_t ms) { return FormatElapsed(std::chrono::milliseconds(ms)); }

}  // namespace

// Statuses without an entry print uncoloured.
constexpr EnumName<RunStatus> kRunStatusColors[] = {
    {RunStatus::kCompleted, kGreen},    {RunStatus::kFailed, kRed},
    {RunStatus::kCompensated, kYellow}, {RunStatus::kCompensating, kYellow},
    {RunStatus::kCancelled, kDim},      {RunStatus::kRunning, kCyan}};
constexpr EnumName<StepStatus> kStepStatusColors[] = {{StepStatus::kCompleted, kGreen},
                                                      {StepStatus::kFailed, kRed},
                                                      {StepStatus::kCompensated, kYellow},
                                                      {StepStatus::kSkipped, kDim}};

std::string StatusColor(RunStatus s) { return std::string(NameOf(kRunStatusColors, s, kNoColor)); }

std::string StepStatusColor(StepStatus s) {
  return std::string(NameOf(kStepStatusColors, s, kNoColor));
}

Result<std::vector<RunStatus>> ParseStatuses(const std::vector<std::string>& names) {
  std::vector<RunStatus> out;
  for (const std::string& name : names) {
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto s = ParseRunStatus(upper);
    if (!s.ok()) {
      return Status::InvalidArgument("unknown status \"" + name +
                                     "\": expected PENDING, RUNNING, SLEEPING, COMPENSATING, "
                                     "COMPLETED, FAILED, COMPENSATED or CANCELLED");
    }
    out.push_back(*s);
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseTags(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("malformed tag \"" + p + "\": expected KEY=VALUE");
    }
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

std::string RunElapsed(const Run& run, TimePoint now) {
  TimePoint end = run.finished_at ? *run.finished_at : now;
  return Millis(ToUnixMillis(end) - ToUnixMillis(run.created_at));
}

TextTable RunsTable(const std::vector<Run>& runs, TimePoint now) {
  TextTable t({"RUN ID", "WORKFLOW", "STATUS", "CREATED", "DURATION", "BUSINESS KEY", "ERROR"});
  for (const Run& r : runs) {
    std::string status(RunStatusName(r.status));
    if (r.cancel_requested && !IsTerminal(r.status)) status += " (cancelling)";
    t.AddRow({r.run_id, r.workflow_id + " v" + std::to_string(r.workflow_version),
              Cell(status, StatusColor(r.status)), FormatRelative(r.created_at, now),
              RunElapsed(r, now), r.business_key, Shorten(r.error, kErrorColumnChars)});
  }
  return t;
}

std::string RunsJsonLines(const std::vector<Run>& runs) {
  std::string out;
  for (const Run& r : runs) {
    out += RenderJson(JsonLayout::kCompact, [&](auto& w) { WriteRun(w, r); });
    out.push_back('\n');
  }
  return out;
}

std::string RunsJsonDocument(const std::vector<Run>& runs, const std::string& next_cursor) {
  return RenderJson(JsonLayout::kPretty, [&](auto& w) { WriteRunsPage(w, runs, next_cursor); }) +
         "\n";
}

std::vector<StepExecution> StepsInOrder(std::vector<StepExecution> steps) {
  // By start time; within one millisecond: completed / skipped steps, then a failed one (it
  // ends the forward path), then compensations; then by id.
  auto rank = [](const StepExecution& s) {
    return IsCompensation(s.step_id) ? 2 : s.status == StepStatus::kFailed ? 1 : 0;
  };
  std::stable_sort(steps.begin(), steps.end(), [&](const auto& a, const auto& b) {
    // A code workflow's calls carry their position in the run's history: those first, in it.
    if ((a.position > 0) != (b.position > 0)) return a.position > 0;
    if (a.position > 0) return a.position < b.position;
    if (a.started_at != b.started_at) return a.started_at < b.started_at;
    if (a.finished_at != b.finished_at) return a.finished_at < b.finished_at;
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return a.step_id < b.step_id;
  });
  return steps;
}

std::string Timeline(const Run& run, const std::vector<StepExecution>& steps, int width) {
  const int64_t t0 = ToUnixMillis(run.created_at);
  int64_t t1 = run.finished_at ? ToUnixMillis(*run.finished_at) : t0;
  size_t name_width = 4;
  for (const auto& s : steps) {
    t1 = std::max(t1, ToUnixMillis(s.finished_at));
    name_width = std::max(name_width, DisplayWidth(s.step_id));
  }
  const int64_t span = std::max<int64_t>(1, t1 - t0);
  auto column = [&](int64_t t) {
    return static_cast<int>(std::clamp<int64_t>((t - t0) * width / span, 0, width));
  };
  std::string out = "timeline: " + Millis(t1 - t0) +
                    " from creation; # ran, ! failed, ~ compensation, . skipped\n";
  for (const auto& s : steps) {
    const int64_t start = ToUnixMillis(s.started_at), end = ToUnixMillis(s.finished_at);
    int from = column(start), to = std::max(column(end), from + 1);
    if (to > width) {
      to = width;
      from = std::min(from, width - 1);
    }
    char mark = IsCompensation(s.step_id)          ? '~'
                : s.status == StepStatus::kFailed  ? '!'
                : s.status == StepStatus::kSkipped ? '.'
                                                   : '#';
    std::string bar(static_cast<size_t>(width), ' ');
    for (int i = from; i < to; ++i) bar[static_cast<size_t>(i)] = mark;
    out += s.step_id + std::string(name_width - DisplayWidth(s.step_id), ' ') + "  |" + bar +
           "|  +" + Millis(start - t0) + "  " + Millis(end - start) + "\n";
  }
  return out;
}

std::string ShowText(const store::RunDetails& d, TimePoint now, bool timeline, bool payloads,
                     bool color) {
  const Run& r = d.run;
  std::string out;
  auto field = [&](const char* key, const std::string& value) {
    std::string k = key;
    out += Colored(k, kBold, color) + std::string(14 - k.size(), ' ') + value + "\n";
  };
  field("run", r.run_id);
  field("workflow", r.workflow_id + " (version " + std::to_string(r.workflow_version) + ")");
  std::string status = Colored(RunStatusName(r.status), StatusColor(r.status), color);
  if (r.cancel_requested && !IsTerminal(r.status)) status += " (cancel requested)";
  field("status", status);
  if (!r.business_key.empty()) field("business key", r.business_key);
  if (!r.tags.empty()) {
    std::string tags;
    for (const auto& [k, v] : r.tags) tags += (tags.empty() ? "" : ", ") + k + "=" + v;
    field("tags", tags);
  }
  field("created", FormatTimestamp(r.created_at) + " (" + FormatRelative(r.created_at, now) + ")");
  if (r.finished_at) {
    field("finished", FormatTimestamp(*r.finished_at) + " (" + FormatRelative(*r.finished_at, now) +
                          "), took " + RunElapsed(r, now));
  } else {
    field("running for", RunElapsed(r, now));
    if (!r.lease.owner.empty()) {
      field("held by", r.lease.owner + " until " + FormatTimestamp(r.lease.expires_at));
    }
  }
  if (r.deadline) field("deadline", FormatTimestamp(*r.deadline));
  if (!r.error.empty()) field("error", r.error);

  const std::vector<StepExecution> steps = StepsInOrder(d.steps);
  size_t compensations = 0;
  TextTable t({"STEP", "STATUS", "ATTEMPT", "START", "DURATION", "ERROR"});
  for (const auto& s : steps) {
    compensations += IsCompensation(s.step_id) ? 1 : 0;
    t.AddRow({s.step_id, Cell(std::string(StepStatusName(s.status)), StepStatusColor(s.status)),
              std::to_string(s.attempt),
              "+" + Millis(ToUnixMillis(s.started_at) - ToUnixMillis(r.created_at)),
              Millis(ToUnixMillis(s.finished_at) - ToUnixMillis(s.started_at)),
              Shorten(s.error, kErrorColumnChars)});
  }
  field("steps", std::to_string(steps.size()) + " recorded" +
                     (compensations ? ", " + std::to_string(compensations) + " compensation" +
                                          (compensations > 1 ? "s" : "")
                                    : std::string()));
  if (!steps.empty()) out += "\n" + t.Render(color);
  if (timeline && !steps.empty()) out += "\n" + Timeline(r, steps, 40);
  if (payloads) {
    out += "\n" + Colored("input", kBold, color) + "\n" + PrettyPayload(d.input) + "\n";
    for (const auto& s : steps) {
      auto it = d.outputs.find(s.step_id);
      if (it == d.outputs.end()) continue;
      out += "\n" + Colored("output of " + s.step_id, kBold, color) + "\n" +
             PrettyPayload(it->second) + "\n";
    }
    if (r.result) {
      out += "\n" + Colored("result", kBold, color) + "\n" + PrettyPayload(*r.result) + "\n";
    }
  }
  return out;
}

std::string ShowJson(const store::RunDetails& d, bool payloads) {
  return RenderJson(JsonLayout::kPretty,
                    [&](auto& w) {
                      w.StartObject();
                      w.Key("run");
                      WriteRun(w, d.run);
                      w.Key("steps");
                      w.StartArray();
                      for (const auto& s : StepsInOrder(d.steps)) WriteStep(w, s);
                      w.EndArray();
                      if (payloads) {
                        w.Key("input");
                        WritePayload(w, d.input);
                        w.Key("outputs");
                        w.StartObject();
                        for (const auto& [step, payload] : d.outputs) {
                          WriteString(w, step);
                          WritePayload(w, payload);
                        }
                        w.EndObject();
                        if (d.run.result) {
                          w.Key("result");
                          WritePayload(w, *d.run.result);
                        }
                      }
                      w.EndObject();
                    }) +
         "\n";
}

}  // namespace dynaflow::cli
