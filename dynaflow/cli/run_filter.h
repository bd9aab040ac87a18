// The run filter flags of `runs list`, `runs cancel`, `runs retry` and `runs export`:
// --workflow, --status, --since, --until, --tag, turned into a RunQuery
// (dynaflow/cli/run_listing.h). Thread-safety: plain data.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "dynaflow/cli/run_listing.h"
#include "dynaflow/model/result.h"

namespace dynaflow::cli {

struct RunFilterFlags {
  std::string workflow;
  std::vector<std::string> statuses;
  std::string since, until;
  std::vector<std::string> tags;

  // Declares the five flags on `cmd`.
  void Declare(CLI::App& cmd);
  // True when no filter flag was given.
  bool empty() const;
  // The query (limit 20, newest first). Errors: kInvalidArgument naming the flag (an unknown
  // status, a malformed tag or time, since not before until).
  Result<RunQuery> Query(TimePoint now) const;
};

}  // namespace dynaflow::cli
