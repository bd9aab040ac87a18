// The archive format of `dynaflow runs export`: one JSON object per line and run, version 1
// (docs/cli.md, "runs export"). Lossless: every payload is kept byte for byte.
//
//   {"format": "dynaflow.run.v1",
//    "run": {run, as in -o json (json_out.h)},
//    "input": P, "result": P (finished runs that have one),
//    "steps": [{"step": {step, as in -o json}, "output": P (completed steps)}...] (the order ran),
//    "state": [{"key", "version", "value": P}...],
//    "children": [{"run_id", "step", "workflow_id"}...],
//    "events": [{"event_id", "name", "sent_at", "payload": P}...]}
//   P = {"json": <the payload>} when it is compact JSON (the payload's bytes are that value
//       written compactly, numbers exactly as they appear), {"text": "..."} when it is other
//       UTF-8 (JSON with blanks included), {"base64": "..."} otherwise.
//
// dynaflow/engine/run_archive.h reads it back.
// Thread-safety: functions only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/engine/engine.h"
#include "dynaflow/engine/run_archive.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::cli {

// One line of the archive (no newline).
std::string ExportLine(const store::ArchivedRun& run);

// Everything of one run as the archive holds it: its details with outputs, its result (when
// COMPLETED), and its events of `event_names` and of the event it waits for. Errors: the store's.
Result<store::ArchivedRun> CollectRun(engine::Engine& engine, const std::string& run_id,
                                      const std::vector<std::string>& event_names);

}  // namespace dynaflow::cli
