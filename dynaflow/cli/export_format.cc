#include "dynaflow/cli/export_format.h"

#include <algorithm>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/store/dynamodb/client/base64.h"

namespace dynaflow::cli {

namespace {

template <class W>
void WriteExactPayload(W& w, std::string_view payload) {
  w.StartObject();
  if (IsJson(payload) && RelayoutJson(JsonLayout::kCompact, payload) == payload) {
    w.Key("json");
    WritePayload(w, payload);
  } else if (IsValidUtf8(payload)) {
    WriteStringField(w, "text", payload);
  } else {
    WriteStringField(w, "base64", dynamodb::Base64Encode(payload));
  }
  w.EndObject();
}

}  // namespace

std::string ExportLine(const store::ArchivedRun& e) {
  const store::RunDetails& d = e.details;
  return RenderJson(JsonLayout::kCompact, [&](auto& w) {
    w.StartObject();
    WriteStringField(w, "format", engine::kRunArchiveFormat);
    w.Key("run");
    WriteRun(w, d.run);
    w.Key("input");
    WriteExactPayload(w, d.input);
    if (e.result) {
      w.Key("result");
      WriteExactPayload(w, *e.result);
    }
    w.Key("steps");
    w.StartArray();
    for (const StepExecution& s : StepsInOrder(d.steps)) {
      w.StartObject();
      w.Key("step");
      WriteStep(w, s);
      auto out = d.outputs.find(s.step_id);
      if (out != d.outputs.end()) {
        w.Key("output");
        WriteExactPayload(w, out->second);
      }
      w.EndObject();
    }
    w.EndArray();
    w.Key("state");
    w.StartArray();
    for (const StateEntry& s : d.state) {
      w.StartObject();
      WriteStringField(w, "key", s.key);
      w.Key("version");
      w.Int64(s.version);
      w.Key("value");
      WriteExactPayload(w, s.value);
      w.EndObject();
    }
    w.EndArray();
    w.Key("children");
    w.StartArray();
    for (const store::ChildRun& c : d.children) {
      w.StartObject();
      WriteStringField(w, "run_id", c.run_id);
      WriteStringField(w, "step", c.step);
      WriteStringField(w, "workflow_id", c.workflow_id);
      w.EndObject();
    }
    w.EndArray();
    w.Key("events");
    w.StartArray();
    for (const store::Event& ev : e.events) {
      w.StartObject();
      WriteStringField(w, "event_id", ev.event_id);
      WriteStringField(w, "name", ev.name);
      WriteTime(w, "sent_at", ev.sent_at);
      w.Key("payload");
      WriteExactPayload(w, ev.payload);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

Result<store::ArchivedRun> CollectRun(engine::Engine& engine, const std::string& run_id,
                                      const std::vector<std::string>& event_names) {
  store::ArchivedRun e;
  DYNAFLOW_ASSIGN_OR_RETURN(e.details, engine.GetRun(run_id, /*with_outputs=*/true));
  const Run& run = e.details.run;
  if (run.status == RunStatus::kCompleted) {
    auto result = engine.GetResultEncoded(run_id);
    if (result.ok()) e.result = *result;
  }
  std::vector<std::string> names = event_names;
  constexpr std::string_view kEventWait = "EVENT#";
  if (run.waiting_for.rfind(kEventWait, 0) == 0) {
    names.push_back(run.waiting_for.substr(kEventWait.size()));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& name : names) {
    DYNAFLOW_ASSIGN_OR_RETURN(auto events, engine.store().ListEvents(run_id, name));
    e.events.insert(e.events.end(), events.begin(), events.end());
  }
  return e;
}

}  // namespace dynaflow::cli
