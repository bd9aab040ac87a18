// Reading the run archive `dynaflow runs export` writes: format dynaflow.run.v1, one JSON object
// per line and run (the layout is in docs/cli.md, "runs export"), possibly ended by a
// {"next_cursor": "..."} line. Every payload comes back byte for byte.
//
// Thread-safety: functions only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dynaflow/model/result.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::engine {

inline constexpr char kRunArchiveFormat[] = "dynaflow.run.v1";

// One line of an archive: a run, or the cursor line that ends an export stopped early.
struct ArchiveLine {
  std::optional<store::ArchivedRun> run;
  std::optional<std::string> next_cursor;
};

// Parses one line (without its newline). Steps come back in the archive's order, outputs keyed
// by step id; the steps' duration_ms and compensation fields (derived) are not read.
// Errors: kInvalidArgument naming what is wrong: not JSON, another format or version
// ("format \"dynaflow.run.v2\" is not dynaflow.run.v1"), a missing or mistyped field
// ("run.created_at: missing"), a bad time, status or payload.
Result<ArchiveLine> ParseArchiveLine(std::string_view line);

}  // namespace dynaflow::engine
