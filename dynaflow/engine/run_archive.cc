#include "dynaflow/engine/run_archive.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "dynaflow/store/dynamodb/client/base64.h"

namespace dynaflow::engine {

namespace {

using rapidjson::SizeType;
using Value = rapidjson::Value;

// Keys whose value is a payload object P ({"json": ...}, {"text": ...} or {"base64": ...}).
bool IsPayloadKey(const std::string& key) {
  return key == "input" || key == "result" || key == "output" || key == "value" || key == "payload";
}

// Builds the document from SAX events, except that the value of a payload's "json" member is
// stored as a string: its compact text with every number exactly as written.
template <class Doc>
struct PayloadCapture : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PayloadCapture<Doc>> {
  explicit PayloadCapture(Doc& d) : doc(d) {}

  struct Frame {
    bool array = false;
    std::string key;      // the key this container is the value of ("" in an array)
    std::string pending;  // the last key read in this object
  };

  bool Capturing() const { return writer.has_value(); }
  void BeginValue() {
    if (!capture_next) return;
    capture_next = false;
    buffer.Clear();
    writer.emplace(buffer);
  }
  bool EndCaptured() {
    if (depth > 0) return true;
    writer.reset();
    return doc.String(buffer.GetString(), static_cast<SizeType>(buffer.GetSize()), true);
  }
  std::string KeyOfNextValue() const {
    if (frames.empty() || frames.back().array) return "";
    return frames.back().pending;
  }

  bool Null() {
    BeginValue();
    return Capturing() ? writer->Null() && EndCaptured() : doc.Null();
  }
  bool Bool(bool b) {
    BeginValue();
    return Capturing() ? writer->Bool(b) && EndCaptured() : doc.Bool(b);
  }
  bool String(const char* s, SizeType n, bool) {
    BeginValue();
    return Capturing() ? writer->String(s, n) && EndCaptured() : doc.String(s, n, true);
  }
  bool RawNumber(const char* s, SizeType n, bool) {
    BeginValue();
    if (Capturing()) return writer->RawValue(s, n, rapidjson::kNumberType) && EndCaptured();
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s, s + n, v);
    if (ec == std::errc() && end == s + n) return doc.Int64(v);
    return doc.Double(std::strtod(std::string(s, n).c_str(), nullptr));
  }
  bool StartObject() { return Start(false); }
  bool StartArray() { return Start(true); }
  bool Start(bool array) {
    BeginValue();
    if (Capturing()) {
      ++depth;
      return array ? writer->StartArray() : writer->StartObject();
    }
    frames.push_back({array, KeyOfNextValue(), ""});
    return array ? doc.StartArray() : doc.StartObject();
  }
  bool Key(const char* s, SizeType n, bool) {
    if (Capturing()) return writer->Key(s, n);
    frames.back().pending.assign(s, n);
    capture_next = frames.back().pending == "json" && IsPayloadKey(frames.back().key);
    return doc.Key(s, n, true);
  }
  bool EndObject(SizeType n) { return End(false, n); }
  bool EndArray(SizeType n) { return End(true, n); }
  bool End(bool array, SizeType n) {
    if (Capturing()) {
      --depth;
      return (array ? writer->EndArray() : writer->EndObject()) && EndCaptured();
    }
    frames.pop_back();
    return array ? doc.EndArray(n) : doc.EndObject(n);
  }

  Doc& doc;
  std::vector<Frame> frames;
  bool capture_next = false;
  int depth = 0;
  rapidjson::StringBuffer buffer;
  std::optional<rapidjson::Writer<rapidjson::StringBuffer>> writer;
};

struct Generator {
  std::string_view text;
  rapidjson::ParseResult result;
  template <class Doc>
  bool operator()(Doc& doc) {
    PayloadCapture<Doc> handler(doc);
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(text.data(), text.size());
    result = reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(ms, handler);
    return !result.IsError();
  }
};

// Reads the members of one object, naming `path` in its errors.
class Fields {
 public:
  Fields(const Value& object, std::string path) : object_(object), path_(std::move(path)) {}

  Status Error(const std::string& name, const std::string& what) const {
    return Status::InvalidArgument(path_ + name + ": " + what);
  }
  const Value* Find(const char* name) const {
    auto it = object_.FindMember(name);
    return it == object_.MemberEnd() ? nullptr : &it->value;
  }
  Result<const Value*> Need(const char* name) const {
    const Value* v = Find(name);
    if (v == nullptr) return Error(name, "missing");
    return v;
  }
  // Optional members keep *out as it is when absent.
  Status Str(const char* name, std::string* out, bool required = true) const {
    const Value* v = Find(name);
    if (v == nullptr) return required ? Error(name, "missing") : Status::OK();
    if (!v->IsString()) return Error(name, "not a string");
    out->assign(v->GetString(), v->GetStringLength());
    return Status::OK();
  }
  Status Int(const char* name, int64_t* out, bool required = true) const {
    const Value* v = Find(name);
    if (v == nullptr) return required ? Error(name, "missing") : Status::OK();
    if (!v->IsInt64()) return Error(name, "not an integer");
    *out = v->GetInt64();
    return Status::OK();
  }
  Status Bool(const char* name, bool* out) const {
    DYNAFLOW_ASSIGN_OR_RETURN(const Value* v, Need(name));
    if (!v->IsBool()) return Error(name, "not a boolean");
    *out = v->GetBool();
    return Status::OK();
  }
  Status Time(const char* name, TimePoint* out) const {
    std::string text;
    DYNAFLOW_RETURN_IF_ERROR(Str(name, &text));
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0, used = 0;
    if (text.size() != 24 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &s, &ms,
                    &used) != 7 ||
        used != 24) {
      return Error(name, "\"" + text + "\" is not a time like 2024-01-01T00:00:05.120Z");
    }
    const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(mo),
                                          std::chrono::day(d)};
    if (!day.ok() || h > 23 || mi > 59 || s > 59) {
      return Error(name, "\"" + text + "\" is not a valid time");
    }
    *out = TimePoint(std::chrono::sys_days(day) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                     std::chrono::seconds(s) + std::chrono::milliseconds(ms));
    return Status::OK();
  }
  Status OptionalTime(const char* name, std::optional<TimePoint>* out) const {
    if (Find(name) == nullptr) return Status::OK();
    TimePoint t;
    DYNAFLOW_RETURN_IF_ERROR(Time(name, &t));
    *out = t;
    return Status::OK();
  }
  // A payload object P.
  Status Payload(const char* name, std::string* out) const {
    DYNAFLOW_ASSIGN_OR_RETURN(const Value* v, Need(name));
    if (!v->IsObject() || v->MemberCount() != 1) {
      return Error(name, "not a payload ({\"json\": ...}, {\"text\": ...} or {\"base64\": ...})");
    }
    Fields p(*v, path_ + name + ".");
    if (p.Find("json") != nullptr) return p.Str("json", out);
    if (p.Find("text") != nullptr) return p.Str("text", out);
    std::string b64;
    DYNAFLOW_RETURN_IF_ERROR(p.Str("base64", &b64));
    if (!dynamodb::Base64Decode(b64, out)) return p.Error("base64", "not base64");
    return Status::OK();
  }
  // The array member `name`, each element an object.
  Status Objects(const char* name, const std::function<Status(const Fields&)>& each) const {
    DYNAFLOW_ASSIGN_OR_RETURN(const Value* v, Need(name));
    if (!v->IsArray()) return Error(name, "not an array");
    for (SizeType i = 0; i < v->Size(); ++i) {
      std::string at = path_ + name + "[" + std::to_string(i) + "]";
      if (!(*v)[i].IsObject()) return Status::InvalidArgument(at + ": not an object");
      DYNAFLOW_RETURN_IF_ERROR(each(Fields((*v)[i], at + ".")));
    }
    return Status::OK();
  }
  Result<Fields> Object(const char* name) const {
    DYNAFLOW_ASSIGN_OR_RETURN(const Value* v, Need(name));
    if (!v->IsObject()) return Error(name, "not an object");
    return Fields(*v, path_ + name + ".");
  }
  const Value& value() const { return object_; }

 private:
  const Value& object_;
  std::string path_;
};

Status ReadRun(const Fields& f, Run* r) {
  DYNAFLOW_RETURN_IF_ERROR(f.Str("run_id", &r->run_id));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("workflow_id", &r->workflow_id));
  int64_t version = 0;
  DYNAFLOW_RETURN_IF_ERROR(f.Int("workflow_version", &version));
  r->workflow_version = static_cast<int32_t>(version);
  std::string status;
  DYNAFLOW_RETURN_IF_ERROR(f.Str("status", &status));
  auto parsed = ParseRunStatus(status);
  if (!parsed.ok()) return f.Error("status", parsed.status().message());
  r->status = *parsed;
  DYNAFLOW_RETURN_IF_ERROR(f.Str("business_key", &r->business_key, false));
  DYNAFLOW_ASSIGN_OR_RETURN(Fields tags, f.Object("tags"));
  for (auto it = tags.value().MemberBegin(); it != tags.value().MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    DYNAFLOW_RETURN_IF_ERROR(tags.Str(key.c_str(), &r->tags[key]));
  }
  DYNAFLOW_RETURN_IF_ERROR(f.Time("created_at", &r->created_at));
  DYNAFLOW_RETURN_IF_ERROR(f.Time("updated_at", &r->updated_at));
  if (f.Find("due_at") != nullptr) DYNAFLOW_RETURN_IF_ERROR(f.Time("due_at", &r->due_at));
  DYNAFLOW_RETURN_IF_ERROR(f.OptionalTime("finished_at", &r->finished_at));
  DYNAFLOW_RETURN_IF_ERROR(f.OptionalTime("deadline", &r->deadline));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("error", &r->error, false));
  DYNAFLOW_RETURN_IF_ERROR(f.Bool("cancel_requested", &r->cancel_requested));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("waiting_for", &r->waiting_for, false));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("retried_by", &r->retried_by, false));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("lease_owner", &r->lease.owner, false));
  if (!r->lease.owner.empty()) {
    DYNAFLOW_RETURN_IF_ERROR(f.Time("lease_expires_at", &r->lease.expires_at));
  }
  return f.Int("version", &r->version);
}

Status ReadStep(const Fields& f, const std::string& run_id, StepExecution* s) {
  s->run_id = run_id;
  DYNAFLOW_RETURN_IF_ERROR(f.Str("step_id", &s->step_id));
  std::string status;
  DYNAFLOW_RETURN_IF_ERROR(f.Str("status", &status));
  auto parsed = ParseStepStatus(status);
  if (!parsed.ok()) return f.Error("status", parsed.status().message());
  s->status = *parsed;
  int64_t attempt = 0;
  DYNAFLOW_RETURN_IF_ERROR(f.Int("attempt", &attempt));
  s->attempt = static_cast<int32_t>(attempt);
  DYNAFLOW_RETURN_IF_ERROR(f.Time("started_at", &s->started_at));
  DYNAFLOW_RETURN_IF_ERROR(f.Time("finished_at", &s->finished_at));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("error", &s->error, false));
  DYNAFLOW_RETURN_IF_ERROR(f.Int("output_bytes", &s->output_bytes));
  DYNAFLOW_RETURN_IF_ERROR(f.Int("position", &s->position, false));
  DYNAFLOW_RETURN_IF_ERROR(f.Str("kind", &s->kind, false));
  if (s->kind == "step") s->kind.clear();  // written for a code workflow's plain step
  return Status::OK();
}

Status ReadArchivedRun(const Fields& top, store::ArchivedRun* a) {
  store::RunDetails& d = a->details;
  DYNAFLOW_ASSIGN_OR_RETURN(Fields run, top.Object("run"));
  DYNAFLOW_RETURN_IF_ERROR(ReadRun(run, &d.run));
  const std::string& id = d.run.run_id;
  DYNAFLOW_RETURN_IF_ERROR(top.Payload("input", &d.input));
  if (top.Find("result") != nullptr) {
    a->result.emplace();
    DYNAFLOW_RETURN_IF_ERROR(top.Payload("result", &*a->result));
    d.run.result = a->result;
  }
  DYNAFLOW_RETURN_IF_ERROR(top.Objects("steps", [&](const Fields& f) -> Status {
    DYNAFLOW_ASSIGN_OR_RETURN(Fields step, f.Object("step"));
    StepExecution s;
    DYNAFLOW_RETURN_IF_ERROR(ReadStep(step, id, &s));
    if (f.Find("output") != nullptr) {
      DYNAFLOW_RETURN_IF_ERROR(f.Payload("output", &d.outputs[s.step_id]));
    }
    d.steps.push_back(std::move(s));
    return Status::OK();
  }));
  DYNAFLOW_RETURN_IF_ERROR(top.Objects("state", [&](const Fields& f) -> Status {
    StateEntry e;
    DYNAFLOW_RETURN_IF_ERROR(f.Str("key", &e.key));
    DYNAFLOW_RETURN_IF_ERROR(f.Int("version", &e.version));
    DYNAFLOW_RETURN_IF_ERROR(f.Payload("value", &e.value));
    d.state.push_back(std::move(e));
    return Status::OK();
  }));
  DYNAFLOW_RETURN_IF_ERROR(top.Objects("children", [&](const Fields& f) -> Status {
    store::ChildRun c;
    DYNAFLOW_RETURN_IF_ERROR(f.Str("run_id", &c.run_id));
    DYNAFLOW_RETURN_IF_ERROR(f.Str("step", &c.step));
    DYNAFLOW_RETURN_IF_ERROR(f.Str("workflow_id", &c.workflow_id));
    d.children.push_back(std::move(c));
    return Status::OK();
  }));
  return top.Objects("events", [&](const Fields& f) -> Status {
    store::Event e;
    DYNAFLOW_RETURN_IF_ERROR(f.Str("event_id", &e.event_id));
    DYNAFLOW_RETURN_IF_ERROR(f.Str("name", &e.name));
    DYNAFLOW_RETURN_IF_ERROR(f.Time("sent_at", &e.sent_at));
    DYNAFLOW_RETURN_IF_ERROR(f.Payload("payload", &e.payload));
    a->events.push_back(std::move(e));
    return Status::OK();
  });
}

}  // namespace

Result<ArchiveLine> ParseArchiveLine(std::string_view line) {
  rapidjson::Document doc;
  Generator gen{line, {}};
  doc.Populate(gen);
  if (gen.result.IsError()) {
    return Status::InvalidArgument(std::string("not JSON: ") +
                                   rapidjson::GetParseError_En(gen.result.Code()) + " (column " +
                                   std::to_string(gen.result.Offset() + 1) + ")");
  }
  if (!doc.IsObject()) return Status::InvalidArgument("not a JSON object");
  Fields top(doc, "");
  ArchiveLine out;
  if (top.Find("format") == nullptr && top.Find("next_cursor") != nullptr) {
    out.next_cursor.emplace();
    DYNAFLOW_RETURN_IF_ERROR(top.Str("next_cursor", &*out.next_cursor));
    return out;
  }
  std::string format;
  DYNAFLOW_RETURN_IF_ERROR(top.Str("format", &format));
  if (format != kRunArchiveFormat) {
    return Status::InvalidArgument("format \"" + format + "\" is not " + kRunArchiveFormat);
  }
  out.run.emplace();
  DYNAFLOW_RETURN_IF_ERROR(ReadArchivedRun(top, &*out.run));
  return out;
}

}  // namespace dynaflow::engine
