#include "dynaflow/cli/ui/api.h"

#include <cctype>
#include <charconv>
#include <set>
#include <vector>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/run_listing.h"
#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli::ui {

namespace {

constexpr int kMaxLimit = 200;

constexpr RunStatus kAllStatuses[] = {
    RunStatus::kPending,   RunStatus::kRunning, RunStatus::kSleeping,    RunStatus::kCompensating,
    RunStatus::kCompleted, RunStatus::kFailed,  RunStatus::kCompensated, RunStatus::kCancelled};

HttpReply Reply(const rapidjson::StringBuffer& buffer) {
  HttpReply r;
  r.body.assign(buffer.GetString(), buffer.GetSize());
  return r;
}

HttpReply ErrorOf(const Status& s) { return JsonError(HttpStatusOf(s), s.message()); }

// Rejects parameters not in `known` and repeats of a parameter not in `repeatable`.
Status CheckParams(const Params& params, const std::set<std::string_view>& known,
                   const std::set<std::string_view>& repeatable = {}) {
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (!known.count(it->first)) return Status::InvalidArgument("unknown parameter: " + it->first);
    if (!repeatable.count(it->first) && params.count(it->first) > 1) {
      return Status::InvalidArgument("parameter given twice: " + it->first);
    }
  }
  return Status::OK();
}

std::string Get(const Params& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

// The comma-separated and repeated values of `key`, empty items dropped.
std::vector<std::string> List(const Params& params, const std::string& key) {
  std::vector<std::string> out;
  auto [from, to] = params.equal_range(key);
  for (auto it = from; it != to; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

// The since= and until= bounds into `q`. Errors: kInvalidArgument naming the parameter.
Status ParseBounds(const Params& params, TimePoint now, RunQuery* q) {
  for (const char* key : {"since", "until"}) {
    std::string text = Get(params, key);
    if (text.empty()) continue;
    auto t = ParseTimeBound(text, now);
    if (!t.ok()) return t.status().WithContext(key);
    (std::string_view(key) == "since" ? q->since : q->until) = *t;
  }
  return Status::OK();
}

Result<RunQuery> QueryOf(const Params& params, TimePoint now) {
  DYNAFLOW_RETURN_IF_ERROR(CheckParams(
      params,
      {"workflow", "status", "since", "until", "tag", "business_key", "limit", "cursor", "order"},
      {"status", "tag"}));
  RunQuery q;
  q.workflow_id = Get(params, "workflow");
  DYNAFLOW_ASSIGN_OR_RETURN(q.statuses, ParseStatuses(List(params, "status")));
  if (q.workflow_id.empty() && q.statuses.empty()) {
    q.statuses.assign(std::begin(kAllStatuses), std::end(kAllStatuses));
  }
  DYNAFLOW_RETURN_IF_ERROR(ParseBounds(params, now, &q));
  std::string limit = Get(params, "limit");
  if (!limit.empty()) {
    int n = 0;
    auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec != std::errc() || end != limit.data() + limit.size() || n < 1 || n > kMaxLimit) {
      return Status::InvalidArgument("limit: expected an integer from 1 to " +
                                     std::to_string(kMaxLimit) + ", got \"" + limit + "\"");
    }
    q.limit = n;
  }
  std::string order = Get(params, "order");
  if (!order.empty() && order != "newest" && order != "oldest") {
    return Status::InvalidArgument("order: expected newest or oldest, got \"" + order + "\"");
  }
  q.newest_first = order != "oldest";
  std::vector<std::string> tags;
  auto [from, to] = params.equal_range("tag");
  for (auto it = from; it != to; ++it) tags.push_back(it->second);
  DYNAFLOW_ASSIGN_OR_RETURN(q.tags, ParseTags(tags));
  return q;
}

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

// {"bytes", "json", "truncated", "text", "href"}: the payload pretty-printed (as text, so the
// page shows it with textContent), cut to the preview size.
template <class W>
void WritePayloadPreview(W& w, std::string_view payload, const std::string& href, size_t preview) {
  const std::string pretty = PrettyPayload(payload);
  const std::string_view shown = CutUtf8(pretty, preview);
  w.StartObject();
  w.Key("bytes");
  w.Uint64(payload.size());
  w.Key("json");
  w.Bool(IsJson(payload));
  w.Key("truncated");
  w.Bool(shown.size() < pretty.size());
  WriteStringField(w, "text", shown);
  WriteStringField(w, "href", href);
  w.EndObject();
}

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

HttpReply JsonError(int status, std::string_view message) {
  rapidjson::StringBuffer buffer;
  CompactJson w(buffer);
  w.StartObject();
  WriteStringField(w, "error", message);
  w.EndObject();
  HttpReply r = Reply(buffer);
  r.status = status;
  return r;
}

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConditionFailed:
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kUnavailable:
    case StatusCode::kThrottled:
    case StatusCode::kTimeout:
      return 503;
    default:
      return 500;
  }
}

Api::Api(engine::Engine& engine, ApiOptions options) : engine_(engine), options_(options) {
  if (options_.clock == nullptr) options_.clock = Clock::Real();
}

HttpReply Api::Runs(const Params& params) {
  auto query = QueryOf(params, options_.clock->Now());
  if (!query.ok()) return ErrorOf(query.status());
  const std::string key = Get(params, "business_key");
  if (!key.empty()) {  // the one run holding the key (one GetItem + one GetItem)
    if (query->workflow_id.empty()) {
      return JsonError(400, "business_key: needs workflow (keys are unique per workflow)");
    }
    std::vector<Run> runs;
    auto run = engine_.store().FindRunByBusinessKey(query->workflow_id, key);
    if (run.ok()) {
      runs.push_back(*run);
    } else if (!run.status().Is(StatusCode::kNotFound)) {
      return ErrorOf(run.status());
    }
    rapidjson::StringBuffer buffer;
    CompactJson w(buffer);
    WriteRunsPage(w, runs, "");
    return Reply(buffer);
  }
  auto page = ListRuns(engine_.store(), *query, Get(params, "cursor"));
  if (!page.ok()) return ErrorOf(page.status());
  rapidjson::StringBuffer buffer;
  CompactJson w(buffer);
  WriteRunsPage(w, page->runs, page->next_cursor);
  return Reply(buffer);
}

HttpReply Api::Counts(const Params& params) {
  Status s = CheckParams(params, {"workflow", "since", "until"});
  if (!s.ok()) return ErrorOf(s);
  const std::string workflow = Get(params, "workflow");
  RunQuery bounds;
  s = ParseBounds(params, options_.clock->Now(), &bounds);
  if (!s.ok()) return ErrorOf(s);
  rapidjson::StringBuffer buffer;
  CompactJson w(buffer);
  w.StartObject();
  w.Key("counts");
  w.StartObject();
  int64_t total = 0;
  for (RunStatus status : kAllStatuses) {
    RunQuery q = bounds;
    q.workflow_id = workflow;
    q.statuses = {status};
    Result<int64_t> n = CountRuns(engine_.store(), q);
    if (!n.ok()) return ErrorOf(n.status());
    WriteString(w, RunStatusName(status));
    w.Int64(*n);
    total += *n;
  }
  w.EndObject();
  w.Key("total");
  w.Int64(total);
  w.EndObject();
  return Reply(buffer);
}

HttpReply Api::RunPage(const std::string& run_id) {
  auto details = engine_.GetRun(run_id, true);
  if (!details.ok()) return ErrorOf(details.status());
  const Run& run = details->run;
  const std::string base = "/api/runs/" + UrlEncode(run_id) + "/payload?kind=";
  const size_t preview = options_.payload_preview_bytes;
  rapidjson::StringBuffer buffer;
  CompactJson w(buffer);
  w.StartObject();
  w.Key("run");
  WriteRun(w, run);
  w.Key("lease_epoch");
  w.Int64(run.lease.epoch);
  w.Key("steps");
  w.StartArray();
  for (const StepExecution& s : StepsInOrder(details->steps)) WriteStep(w, s);
  w.EndArray();
  w.Key("input");
  WritePayloadPreview(w, details->input, base + "input", preview);
  w.Key("outputs");
  w.StartObject();
  for (const auto& [step, payload] : details->outputs) {
    WriteString(w, step);
    WritePayloadPreview(w, payload, base + "output&step=" + UrlEncode(step), preview);
  }
  w.EndObject();
  if (run.result) {
    w.Key("result");
    WritePayloadPreview(w, *run.result, base + "result", preview);
  }
  // Events are stored under their name: those of the event the run waits for and of its step
  // ids (an AwaitEvent node is recorded under its event's name unless renamed).
  std::set<std::string> names;
  constexpr std::string_view kEventWait = "EVENT#";
  if (run.waiting_for.rfind(kEventWait, 0) == 0) {
    names.insert(run.waiting_for.substr(kEventWait.size()));
  }
  for (const StepExecution& s : details->steps) {
    if (!IsCompensation(s.step_id)) names.insert(s.step_id);
  }
  w.Key("events");
  w.StartArray();
  for (const std::string& name : names) {
    auto events = engine_.store().ListEvents(run_id, name);
    if (!events.ok()) continue;  // a step id that cannot be an event name
    for (const store::Event& e : *events) {
      w.StartObject();
      WriteStringField(w, "event_id", e.event_id);
      WriteStringField(w, "name", e.name);
      WriteTime(w, "sent_at", e.sent_at);
      w.Key("payload");
      WritePayloadPreview(w, e.payload, "", preview);
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return Reply(buffer);
}

HttpReply Api::Payload(const std::string& run_id, const Params& params) {
  Status s = CheckParams(params, {"kind", "step"});
  if (!s.ok()) return ErrorOf(s);
  const std::string kind = Get(params, "kind");
  const std::string step = Get(params, "step");
  if (kind != "input" && kind != "output" && kind != "result") {
    return JsonError(400, "kind: expected input, output or result, got \"" + kind + "\"");
  }
  if ((kind == "output") == step.empty()) {
    return JsonError(400, "step: give it with kind=output, and only then");
  }
  auto details = engine_.GetRun(run_id, kind == "output");
  if (!details.ok()) return ErrorOf(details.status());
  std::string payload;
  if (kind == "input") {
    payload = details->input;
  } else if (kind == "result") {
    if (!details->run.result) return JsonError(404, "run " + run_id + " has no result");
    payload = *details->run.result;
  } else {
    auto it = details->outputs.find(step);
    if (it == details->outputs.end()) {
      return JsonError(404, "run " + run_id + " has no output of step " + step);
    }
    payload = it->second;
  }
  HttpReply r;
  r.content_type = IsJson(payload)        ? "application/json"
                   : IsValidUtf8(payload) ? "text/plain; charset=utf-8"
                                          : "application/octet-stream";
  r.body = std::move(payload);
  return r;
}

HttpReply Api::Cancel(const std::string& run_id) {
  Status s = engine_.Cancel(run_id);
  if (!s.ok()) return ErrorOf(s);
  auto run = engine_.store().GetRun(run_id);
  const std::string result = run.ok() && IsTerminal(run->status)
                                 ? std::string(RunStatusName(run->status))
                                 : "cancel requested";
  HttpReply r;
  r.body = JsonFields({JsonField::Text("run_id", run_id), JsonField::Text("result", result)});
  return r;
}

HttpReply Api::Retry(const std::string& run_id) {
  auto started = engine_.RetryFailedRun(run_id);
  if (!started.ok()) return ErrorOf(started.status());
  HttpReply r;
  r.body =
      JsonFields({JsonField::Text("run_id", started->run_id), JsonField::Text("retry_of", run_id)});
  return r;
}

}  // namespace dynaflow::cli::ui
