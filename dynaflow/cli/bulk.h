// What `runs cancel` and `runs retry` share when they act on the runs a filter selects instead
// of named run ids: the flags, the selection (counted before anything changes), the plan of
// --dry-run, the confirmation and the result lines.
//
//   dynaflow runs cancel --workflow W [--status S ...] [--since T] [--until T] [--tag K=V ...]
//                        [--dry-run] [--yes]
//
// Thread-safety: used from the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "dynaflow/cli/context.h"
#include "dynaflow/cli/run_filter.h"

namespace dynaflow::cli {

struct BulkFlags {
  RunFilterFlags filter;
  bool dry_run = false;
  bool yes = false;

  // Declares the filter flags, --dry-run and --yes; `past` ("cancelled") names the action in
  // their help.
  void Declare(CLI::App& cmd, const std::string& past);
};

// What to do with one selected run: act on it, or skip it and say why.
struct BulkPlan {
  Run run;
  std::string skip;  // empty: act; else the reason ("already CANCELLED")
};

// The outcome for one run.
struct BulkResult {
  std::string run_id;
  enum class Kind { kDone, kSkipped, kFailed } kind = Kind::kDone;
  std::string text;        // "CANCELLED", "retried as 01J...", the reason or the error
  std::string new_run_id;  // runs retry: the retry's id
};

struct BulkAction {
  std::string command;  // "runs cancel"
  std::string verb;     // "cancel"
  std::string past;     // "cancelled"
  // Statuses listed when the filter names none.
  std::vector<RunStatus> default_statuses;
  // Why a selected run is skipped ("" to act on it).
  std::function<std::string(const Run&)> skip;
  // Acts on one run.
  std::function<BulkResult(const Run&)> act;
  // The key of the JSON document's result array ("cancelled", "retried").
  std::string json_key;
};

// The usage error of a command that takes run ids or a filter (and --dry-run only with the
// filter); "" when `have_ids` and `flags` agree. E.g. "runs cancel: give run ids or a filter,
// not both".
std::string IdsOrFilterError(const std::string& command, bool have_ids, const BulkFlags& flags);

// One result of -o jsonl: a JSON object {"run_id", "ok", "outcome" ("done", "skipped",
// "failed"), "result" or "error", "new_run_id" (a retry)} and '\n'.
std::string BulkResultLine(const BulkResult& r);
// The results after the last run: the RUN ID / RESULT table (-o table) or the document
// {json_key: [result...]} (-o json); nothing for -o jsonl, whose lines print as runs are done.
void PrintBulkResults(Context& ctx, const std::vector<BulkResult>& results,
                      const std::string& json_key);

// Selects the runs (paging through the listings, progress on stderr), reports the count on
// stderr, prints the plan and stops with --dry-run, asks for confirmation on stderr unless
// --yes (reading stdin: "y" or "yes"), acts on each run (progress on stderr) and prints one
// result line per run, then a summary on stderr. Returns the exit code: 0 when nothing failed
// (skipped runs do not fail: a rerun is safe), 1 when a run failed or the confirmation was
// refused, 2 for a bad filter.
int RunBulk(Context& ctx, const BulkFlags& flags, const BulkAction& action);

}  // namespace dynaflow::cli
