// How runs look in the `dynaflow` command's output, and parsing of run-related arguments.
// Thread-safety: functions only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dynaflow/cli/text_table.h"
#include "dynaflow/model/result.h"
#include "dynaflow/model/workflow_types.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::cli {

// Colours of statuses in human output (COMPLETED green, FAILED red, COMPENSATED / COMPENSATING
// yellow, CANCELLED dim, RUNNING cyan, others none).
std::string StatusColor(RunStatus s);
std::string StepStatusColor(StepStatus s);

// "PENDING", "failed", ... (case-insensitive). Errors: kInvalidArgument naming the value and
// the valid statuses.
Result<std::vector<RunStatus>> ParseStatuses(const std::vector<std::string>& names);
// "k=v" pairs (--tag). Errors: kInvalidArgument for a pair without '=' or with an empty key.
Result<std::map<std::string, std::string>> ParseTags(const std::vector<std::string>& pairs);

// How long a run took (finished - created) or has taken so far (now - created): "1.25s".
std::string RunElapsed(const Run& run, TimePoint now);

// The runs table of `runs list`: RUN ID, WORKFLOW, STATUS, CREATED (relative to now),
// DURATION, BUSINESS KEY, ERROR (first 60 characters).
TextTable RunsTable(const std::vector<Run>& runs, TimePoint now);

// One compact JSON object per run, each ending in '\n' (-o jsonl).
std::string RunsJsonLines(const std::vector<Run>& runs);
// {"runs": [...], "next_cursor": "..."} pretty-printed, ending in '\n' (-o json).
std::string RunsJsonDocument(const std::vector<Run>& runs, const std::string& next_cursor);

// The steps of a run in the order they ran: by start time, then finish time; records of the
// same millisecond put completed and skipped steps first, then a failed step, then
// compensations, then go by id (the store does not record the order itself).
std::vector<StepExecution> StepsInOrder(std::vector<StepExecution> steps);

// `runs show` in human form: the run's fields, then its steps (STEP, STATUS, ATTEMPT, START
// (offset from the run's creation), DURATION, ERROR), then with `timeline` a text Gantt chart
// of the steps, then with `payloads` the input, each output and the result pretty-printed.
std::string ShowText(const store::RunDetails& details, TimePoint now, bool timeline, bool payloads,
                     bool color);
// The same as one JSON document: {"run": {...}, "steps": [...]} plus, with `payloads`,
// "input", "outputs" {step: payload} and "result".
std::string ShowJson(const store::RunDetails& details, bool payloads);

// The text Gantt chart of `runs show --timeline`, `width` characters for the time axis.
std::string Timeline(const Run& run, const std::vector<StepExecution>& steps, int width);

}  // namespace dynaflow::cli
