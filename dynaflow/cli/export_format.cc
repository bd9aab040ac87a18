#include "dynaflow/cli/export_format.h"

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

std::string ExportLine(const ExportedRun& e) {
  const store::RunDetails& d = e.details;
  return RenderJson(JsonLayout::kCompact, [&](auto& w) {
    w.StartObject();
    WriteStringField(w, "format", kExportFormat);
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

}  // namespace dynaflow::cli
