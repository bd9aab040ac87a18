// JSON output of the `dynaflow` command (-o json, -o jsonl), on rapidjson's SAX writers so
// the same code writes one pretty document (PrettyWriter) or one compact line (Writer).
//
// Shapes (times are RFC 3339 UTC strings with milliseconds; absent optional fields omitted):
//   run   {"run_id", "workflow_id", "workflow_version", "status", "business_key", "tags": {},
//          "created_at", "updated_at", "due_at", "finished_at", "deadline", "error",
//          "cancel_requested", "waiting_for" ("EVENT#<name>" or "CHILD#<run id>" while SLEEPING on
//          one), "retried_by" (the retry of a FAILED run), "lease_owner", "lease_expires_at",
//          "version"}
//   step  {"step_id", "status", "attempt", "started_at", "finished_at", "duration_ms", "error",
//          "output_bytes", "compensation" (true for "compensate:<step>" records)}
// A payload (input, output, result) is embedded as JSON when it is JSON (numbers kept exactly
// as stored), else as a string when it is valid UTF-8, else as {"bytes": N}.
// Thread-safety: functions only.
#pragma once

#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dynaflow/cli/time_text.h"
#include "dynaflow/model/utf8.h"
#include "dynaflow/model/workflow_types.h"

namespace dynaflow::cli {

// True when `text` is one complete JSON value.
bool IsJson(std::string_view text);

// `payload` re-indented with two spaces when it is JSON; else as-is when valid UTF-8; else
// "<N bytes, not UTF-8>".
std::string PrettyPayload(std::string_view payload);

// The compensation record prefix written by the engine ("compensate:<step>").
inline constexpr std::string_view kCompensationPrefix = "compensate:";
inline bool IsCompensation(std::string_view step_id) {
  return step_id.substr(0, kCompensationPrefix.size()) == kCompensationPrefix;
}

template <class W>
void WriteString(W& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// "key": "value".
template <class W>
void WriteStringField(W& w, const char* key, std::string_view value) {
  w.Key(key);
  WriteString(w, value);
}

template <class W>
void WriteTime(W& w, const char* key, TimePoint t) {
  WriteStringField(w, key, FormatTimestamp(t));
}

// Forwards SAX events to a writer, numbers as their original text. (rapidjson 1.1.0's
// Writer::RawNumber quotes the number, so numbers go through RawValue instead.)
template <class W>
struct ExactNumbers : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ExactNumbers<W>> {
  explicit ExactNumbers(W& writer) : w(writer) {}
  bool Null() { return w.Null(); }
  bool Bool(bool b) { return w.Bool(b); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return w.RawValue(s, n, rapidjson::kNumberType);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return w.String(s, n); }
  bool StartObject() { return w.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return w.Key(s, n); }
  bool EndObject(rapidjson::SizeType n) { return w.EndObject(n); }
  bool StartArray() { return w.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return w.EndArray(n); }
  W& w;
};

template <class W>
void WritePayload(W& w, std::string_view payload) {
  if (IsJson(payload)) {
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(payload.data(), payload.size());
    ExactNumbers<W> handler(w);
    reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag>(
        ms, handler);
  } else if (IsValidUtf8(payload)) {
    WriteString(w, payload);
  } else {
    w.StartObject();
    w.Key("bytes");
    w.Uint64(payload.size());
    w.EndObject();
  }
}

template <class W>
void WriteRun(W& w, const Run& r) {
  w.StartObject();
  WriteStringField(w, "run_id", r.run_id);
  WriteStringField(w, "workflow_id", r.workflow_id);
  w.Key("workflow_version");
  w.Int(r.workflow_version);
  WriteStringField(w, "status", RunStatusName(r.status));
  if (!r.business_key.empty()) {
    WriteStringField(w, "business_key", r.business_key);
  }
  w.Key("tags");
  w.StartObject();
  for (const auto& [k, v] : r.tags) {
    WriteString(w, k);
    WriteString(w, v);
  }
  w.EndObject();
  WriteTime(w, "created_at", r.created_at);
  WriteTime(w, "updated_at", r.updated_at);
  if (!IsTerminal(r.status)) WriteTime(w, "due_at", r.due_at);
  if (r.finished_at) WriteTime(w, "finished_at", *r.finished_at);
  if (r.deadline) WriteTime(w, "deadline", *r.deadline);
  if (!r.error.empty()) {
    WriteStringField(w, "error", r.error);
  }
  w.Key("cancel_requested");
  w.Bool(r.cancel_requested);
  if (!r.waiting_for.empty()) WriteStringField(w, "waiting_for", r.waiting_for);
  if (!r.retried_by.empty()) WriteStringField(w, "retried_by", r.retried_by);
  if (!r.lease.owner.empty()) {
    WriteStringField(w, "lease_owner", r.lease.owner);
    WriteTime(w, "lease_expires_at", r.lease.expires_at);
  }
  w.Key("version");
  w.Int64(r.version);
  w.EndObject();
}

template <class W>
void WriteStep(W& w, const StepExecution& s) {
  w.StartObject();
  WriteStringField(w, "step_id", s.step_id);
  WriteStringField(w, "status", StepStatusName(s.status));
  w.Key("attempt");
  w.Int(s.attempt);
  WriteTime(w, "started_at", s.started_at);
  WriteTime(w, "finished_at", s.finished_at);
  w.Key("duration_ms");
  w.Int64(ToUnixMillis(s.finished_at) - ToUnixMillis(s.started_at));
  if (!s.error.empty()) {
    WriteStringField(w, "error", s.error);
  }
  w.Key("output_bytes");
  w.Int64(s.output_bytes);
  w.Key("compensation");
  w.Bool(IsCompensation(s.step_id));
  if (s.position > 0) {  // a code workflow's call: its place in the history and its kind
    w.Key("position");
    w.Int64(s.position);
    WriteStringField(w, "kind", s.kind.empty() ? std::string("step") : s.kind);
  }
  w.EndObject();
}

// {"runs": [...], "next_cursor": "..."}: one page of a run listing.
template <class W>
void WriteRunsPage(W& w, const std::vector<Run>& runs, const std::string& next_cursor) {
  w.StartObject();
  w.Key("runs");
  w.StartArray();
  for (const Run& r : runs) WriteRun(w, r);
  w.EndArray();
  WriteStringField(w, "next_cursor", next_cursor);
  w.EndObject();
}

// One member of a flat JSON object: a string, an integer or a boolean, typed as such.
struct JsonField {
  static JsonField Text(std::string key, std::string value) {
    return {std::move(key), std::move(value)};
  }
  static JsonField Number(std::string key, int64_t value) { return {std::move(key), value}; }
  static JsonField Flag(std::string key, bool value) { return {std::move(key), value}; }

  std::string key;
  std::variant<std::string, int64_t, bool> value;
};

template <class W>
void WriteField(W& w, const JsonField& f) {
  WriteString(w, f.key);
  if (const auto* s = std::get_if<std::string>(&f.value)) {
    WriteString(w, *s);
  } else if (const auto* n = std::get_if<int64_t>(&f.value)) {
    w.Int64(*n);
  } else {
    w.Bool(std::get<bool>(f.value));
  }
}

// {"k1": v1, ...} on one line, ending in '\n'.
std::string JsonFields(const std::vector<JsonField>& fields);

// A pretty writer with two-space indentation into `buffer`.
using PrettyJson = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
using CompactJson = rapidjson::Writer<rapidjson::StringBuffer>;
inline void TwoSpaces(PrettyJson& w) { w.SetIndent(' ', 2); }

enum class JsonLayout { kPretty, kCompact };

// What `write(w)` writes with a JSON writer `w`: indented by two spaces (kPretty) or on one line
// (kCompact). No trailing newline.
template <class WriteFn>
std::string RenderJson(JsonLayout layout, WriteFn&& write) {
  rapidjson::StringBuffer buffer;
  if (layout == JsonLayout::kPretty) {
    PrettyJson w(buffer);
    TwoSpaces(w);
    write(w);
  } else {
    CompactJson w(buffer);
    write(w);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The JSON document `json` again in `layout` (numbers kept exactly as written).
inline std::string RelayoutJson(JsonLayout layout, std::string_view json) {
  return RenderJson(layout, [&](auto& w) { WritePayload(w, json); });
}

}  // namespace dynaflow::cli
