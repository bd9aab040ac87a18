// What every `dynaflow` command shares: the global flags, output settings, lazily opened
// configuration / store / engine, and error reporting with the documented exit codes.
//
// Exit codes: kExitOk 0 (success), kExitFailure 1 (failure, not found, a run that did not
// complete when waited for, a table that does not match the layout), kExitUsage 2 (bad flags or
// arguments, malformed cursor / JSON / time / status, configuration error).
//
// Thread-safety: one Context per process, used from the main thread.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "dynaflow/app/open_store.h"
#include "dynaflow/config/config.h"
#include "dynaflow/config/config_cli.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/model/result.h"

namespace dynaflow::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

enum class OutputFormat { kTable, kJson, kJsonl };

struct GlobalFlags {
  config::CommandLine config;  // --config FILE, --store.<key>=V, --worker.<key>=V
  std::string output = "table";
  std::string now;  // hidden --now: the reference time of relative times (tests, goldens)
};

class Context {
 public:
  Context(std::FILE* out, std::FILE* err);
  ~Context();

  GlobalFlags flags;
  // Set by Prepare().
  OutputFormat format = OutputFormat::kTable;
  bool color = false;     // stdout is a terminal and NO_COLOR is unset or empty
  bool progress = false;  // stderr is a terminal: long operations report progress there
  TimePoint now{};
  std::FILE* const out;
  std::FILE* const err;
  // The exit code a command's callback leaves for main().
  int exit_code = kExitOk;

  // Checks the global flags (-o, --now) and fills the fields above. Errors: kInvalidArgument.
  Status Prepare();

  // The configuration (defaults < file < environment < flags). Errors: the loader's.
  Result<const config::Config*> Config();
  // The store, opened without creating anything (app::OpenStoreOptions::create_if_missing =
  // false): a missing SQLite file or DynamoDB table is an error, never a new empty store.
  Result<const app::OpenedStore*> Store();
  // An Engine over Store() (no worker: this process never executes runs).
  Result<engine::Engine*> Engine();
  // The commands' way to Engine(): the engine, or nullptr after Fail(kExitFailure, <why it could
  // not be opened>) (kExitUsage for a configuration error), which left the code in exit_code.
  engine::Engine* EngineOrFail();

  // Prints "dynaflow: <message>" on stderr (one line), sets exit_code and returns it.
  int Fail(int exit_code, const std::string& message);
  // Fail() with the status's message; the exit code is kExitUsage for configuration errors
  // (Config() failed), else `exit_code`.
  int Fail(int exit_code, const Status& status);
  // Writes `message` and a newline to stderr, after flushing stdout (so that output captured
  // into one stream stays in order).
  void Message(const std::string& message);
  // Writes `text` to stdout.
  void Print(const std::string& text);
  // Overwrites the progress line on stderr (only when `progress`); EndProgress clears it.
  void Progress(const std::string& line);
  void EndProgress();

 private:
  std::optional<config::Config> config_;
  std::optional<app::OpenedStore> store_;
  std::unique_ptr<engine::Engine> engine_;
  bool config_failed_ = false;
  bool progress_shown_ = false;
};

}  // namespace dynaflow::cli
