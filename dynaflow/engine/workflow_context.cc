// WorkflowContext: the recorded calls that are not templates (state, now, random, ids).
#include "dynaflow/engine/workflow_context.h"

#include <fmt/format.h>

#include <charconv>

#include "dynaflow/engine/internal/definition.h"

namespace dynaflow::engine {

namespace {

// A StateEntry as a record's output: "<version>\n<key>\n<value>".
erased::TypeCodec StateEntryCodec() {
  erased::TypeCodec c;
  c.type = typeid(StateEntry);
  c.type_name = "StateEntry";
  c.encode = [](const erased::Value& v) {
    const auto& e = std::any_cast<const StateEntry&>(v);
    return std::to_string(e.version) + "\n" + e.key + "\n" + e.value;
  };
  c.decode = [](std::string_view payload) -> Result<erased::Value> {
    size_t a = payload.find('\n');
    size_t b = a == std::string_view::npos ? a : payload.find('\n', a + 1);
    StateEntry e;
    if (b == std::string_view::npos ||
        std::from_chars(payload.data(), payload.data() + a, e.version).ec != std::errc()) {
      return Status::Serialization("a recorded state entry is malformed");
    }
    e.key = std::string(payload.substr(a + 1, b - a - 1));
    e.value = std::string(payload.substr(b + 1));
    return erased::Value(std::move(e));
  };
  return c;
}

// A recorded call of `kind` named `name` whose one attempt is `body`.
template <class T>
Result<T> Recorded(erased::CodeHost* host, std::string name, std::string kind,
                   erased::TypeCodec codec,
                   std::function<Result<erased::Value>(StepContext&)> body) {
  erased::CodeCall call;
  call.name = std::move(name);
  call.kind = std::move(kind);
  call.options.retry = RetryPolicy::None();
  call.out = std::move(codec);
  call.body = std::move(body);
  auto r = host->Call(std::move(call));
  if (!r.ok()) return std::move(r).error();
  return std::move(std::any_cast<T&>(*r));
}

template <class T>
Result<erased::Value> Erase(Result<T> r) {
  if (!r.ok()) return std::move(r).error();
  return erased::Value(std::move(r).value());
}

}  // namespace

Result<StateEntry> WorkflowContext::GetState(const std::string& key) {
  return Recorded<StateEntry>(host_, "state-get", "state", StateEntryCodec(),
                              [key](StepContext& s) { return Erase(s.GetState(key)); });
}

Result<int64_t> WorkflowContext::PutState(const std::string& key, const std::string& value) {
  return Recorded<int64_t>(host_, "state-put", "state", erased::MakeTypeCodec<int64_t>(),
                           [key, value](StepContext& s) { return Erase(s.PutState(key, value)); });
}

Result<int64_t> WorkflowContext::CompareAndSwapState(const std::string& key,
                                                     const std::string& value,
                                                     int64_t expected_version) {
  return Recorded<int64_t>(host_, "state-cas", "state", erased::MakeTypeCodec<int64_t>(),
                           [key, value, expected_version](StepContext& s) {
                             return Erase(s.CompareAndSwapState(key, value, expected_version));
                           });
}

TimePoint WorkflowContext::Now() {
  auto* host = host_;
  auto ms = Recorded<int64_t>(host_, "now", "value", erased::MakeTypeCodec<int64_t>(),
                              [host](StepContext&) -> Result<erased::Value> {
                                return erased::Value(ToUnixMillis(host->FreshNow()));
                              });
  return ms.ok() ? FromUnixMillis(*ms) : TimePoint{};
}

uint64_t WorkflowContext::Random() {
  auto* host = host_;
  auto v = Recorded<uint64_t>(
      host_, "random", "value", erased::MakeTypeCodec<uint64_t>(),
      [host](StepContext&) -> Result<erased::Value> { return erased::Value(host->FreshRandom()); });
  return v.ok() ? *v : 0;
}

std::string WorkflowContext::NewId() {
  auto* host = host_;
  auto v = Recorded<std::string>(host_, "id", "value", erased::MakeTypeCodec<std::string>(),
                                 [host](StepContext&) -> Result<erased::Value> {
                                   return erased::Value(fmt::format(
                                       "{:016x}{:016x}", host->FreshRandom(), host->FreshRandom()));
                                 });
  return v.ok() ? *v : std::string();
}

}  // namespace dynaflow::engine
