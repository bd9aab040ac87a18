#include "dynaflow/cli/context.h"

#include <unistd.h>

#include <cstdlib>

#include "dynaflow/cli/time_text.h"
#include "dynaflow/model/enum_names.h"

namespace dynaflow::cli {

namespace {

constexpr EnumName<OutputFormat> kOutputFormatNames[] = {{OutputFormat::kTable, "table"},
                                                         {OutputFormat::kJson, "json"},
                                                         {OutputFormat::kJsonl, "jsonl"}};

}  // namespace

Context::Context(std::FILE* out_stream, std::FILE* err_stream) : out(out_stream), err(err_stream) {}
Context::~Context() = default;

Status Context::Prepare() {
  const std::optional<OutputFormat> output = ValueOf(kOutputFormatNames, flags.output);
  if (!output) {
    return Status::InvalidArgument("unknown output format \"" + flags.output +
                                   "\" (-o): expected table, json or jsonl");
  }
  format = *output;
  const char* no_color = std::getenv("NO_COLOR");
  color = ::isatty(::fileno(out)) && (no_color == nullptr || *no_color == '\0');
  progress = ::isatty(::fileno(err));
  now = Clock::Real()->Now();
  if (!flags.now.empty()) {
    auto t = ParseTimeBound(flags.now, now);
    if (!t.ok()) return t.status().WithContext("--now");
    now = *t;
  }
  return Status::OK();
}

Result<const config::Config*> Context::Config() {
  if (!config_) {
    auto loaded = config::LoadConfig(flags.config.ToLoadOptions());
    if (!loaded.ok()) {
      config_failed_ = true;
      return loaded.status();
    }
    config_ = std::move(loaded).value();
  }
  return &*config_;
}

Result<const app::OpenedStore*> Context::Store() {
  if (!store_) {
    DYNAFLOW_ASSIGN_OR_RETURN(const config::Config* c, Config());
    auto opened = app::OpenStore(c->store, {.create_if_missing = false});
    if (!opened.ok()) return opened.status();
    store_ = std::move(opened).value();
  }
  return &*store_;
}

Result<engine::Engine*> Context::Engine() {
  if (!engine_) {
    DYNAFLOW_ASSIGN_OR_RETURN(const app::OpenedStore* s, Store());
    auto opened = app::OpenEngine(config_->store, *s);
    if (!opened.ok()) return opened.status();
    engine_ = std::move(opened).value();
  }
  return engine_.get();
}

engine::Engine* Context::EngineOrFail() {
  auto opened = Engine();
  if (!opened.ok()) {
    Fail(kExitFailure, opened.status());
    return nullptr;
  }
  return *opened;
}

void Context::Message(const std::string& message) {
  EndProgress();
  std::fflush(out);
  std::fprintf(err, "%s\n", message.c_str());
}

int Context::Fail(int code, const std::string& message) {
  Message("dynaflow: " + message);
  exit_code = code;
  return code;
}

int Context::Fail(int code, const Status& status) {
  return Fail(config_failed_ ? kExitUsage : code, status.message());
}

void Context::Print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), out); }

void Context::Progress(const std::string& line) {
  if (!progress) return;
  std::fprintf(err, "\r\x1b[2K%s", line.c_str());
  std::fflush(err);
  progress_shown_ = true;
}

void Context::EndProgress() {
  if (!progress_shown_) return;
  std::fprintf(err, "\r\x1b[2K");
  std::fflush(err);
  progress_shown_ = false;
}

}  // namespace dynaflow::cli
