// Value types of persisted workflow runs: runs, step executions, outputs, state entries.
// No I/O. Timestamps have millisecond precision (TimePoint values are truncated to ms when
// stored).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow {

enum class RunStatus {
  kPending,       // created, waiting for a worker (possibly with a delayed start)
  kRunning,       // a worker holds (or held) its lease and executes steps
  kSleeping,      // durable sleep until wake_at; any worker resumes it afterwards
  kCompensating,  // a step failed for good; compensations run in reverse order
  kCompleted,     // every step done (terminal)
  kFailed,        // failed for good, or a compensation failed (terminal)
  kCompensated,   // all compensations done after a failure (terminal)
  kCancelled,     // cancelled by a caller (terminal)
};

enum class StepStatus { kPending, kRunning, kCompleted, kFailed, kSkipped, kCompensated };

std::string_view RunStatusName(RunStatus s);    // "PENDING", "RUNNING", ...
std::string_view StepStatusName(StepStatus s);  // "PENDING", ...
Result<RunStatus> ParseRunStatus(std::string_view name);
Result<StepStatus> ParseStepStatus(std::string_view name);
bool IsTerminal(RunStatus s);
// Streams the name (RunStatusName / StepStatusName), so test failures and logs print
// "COMPLETED", not a number.
std::ostream& operator<<(std::ostream& os, RunStatus s);
std::ostream& operator<<(std::ostream& os, StepStatus s);

// Ownership of a run by one worker. `epoch` increases on every claim by a different owner
// (and on every claim after expiry); it fences writes of earlier owners.
struct Lease {
  std::string owner;  // worker id; empty when unowned
  TimePoint expires_at{};
  int64_t epoch = 0;
};

struct Run {
  std::string run_id;
  std::string workflow_id;
  int32_t workflow_version = 1;
  RunStatus status = RunStatus::kPending;
  std::string business_key;  // optional idempotency / correlation key
  std::map<std::string, std::string> tags;
  TimePoint created_at{};
  TimePoint updated_at{};
  TimePoint due_at{};  // PENDING: start time; SLEEPING: wake time; RUNNING: lease expiry
  std::optional<TimePoint> deadline;
  std::optional<TimePoint> finished_at;
  Lease lease;
  int64_t version = 0;      // optimistic concurrency version of the run item
  std::string error;        // terminal failure description (may hold two errors for sagas)
  std::string cursor_step;  // engine progress marker (next step / phase); opaque to the store
  std::optional<std::string> result;  // terminal result payload (small; large ones: output item)
  int64_t retention_seconds = 0;      // after finish: items expire after this long (0: never)
  // An operator asked to cancel the run (WorkflowStore::RequestCancel) while a worker held it;
  // the owner sees it on the Run returned by its next write.
  bool cancel_requested = false;
  // The input payload when the run item holds it inline (WorkflowStoreOptions::
  // inline_input_max_bytes), as returned by the store's reads and writes of the run item (a
  // claim included), so a worker starting a fresh run needs no second read. nullopt: not
  // known here (e.g. the input lives in its own item): read it with LoadRun.
  std::optional<std::string> inline_input;
  // What a SLEEPING run waits for besides its due time ("EVENT#<name>" or "CHILD#<runId>", see
  // store::EventWaitKey / ChildWaitKey); empty when it waits for nothing but time.
  std::string waiting_for;
  // A child run names its parent run and the parent's step that started it (empty otherwise).
  std::string parent_run_id;
  std::string parent_step;
  // A FAILED run that was retried names its retry (Engine::RetryFailedRun); empty otherwise.
  std::string retried_by;
};

struct StepExecution {
  std::string run_id;
  std::string step_id;  // stable step name (+ suffix for compensation steps)
  StepStatus status = StepStatus::kPending;
  int32_t attempt = 0;
  TimePoint started_at{};
  TimePoint finished_at{};
  std::string error;
  int64_t output_bytes = 0;  // size of the recorded output
  int64_t fence_epoch = 0;   // lease epoch of the writer
  std::string event_id;      // an await-event node's record: the event it consumed
  // A code workflow's record: its place in the run's history (1, 2, ...) and the kind of call
  // ("" a step; "sleep", "event", "child", "map", "value", "state", "patch"). 0 and "" for
  // builder records and compensations.
  int64_t position = 0;
  std::string kind;
};

struct StateEntry {
  std::string key;
  std::string value;
  int64_t version = 0;
};

}  // namespace dynaflow
