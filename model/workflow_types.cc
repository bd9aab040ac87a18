#include "model/workflow_types.h"

namespace dynaflow {

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kPending:
      return "PENDING";
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kSleeping:
      return "SLEEPING";
    case RunStatus::kCompensating:
      return "COMPENSATING";
    case RunStatus::kCompleted:
      return "COMPLETED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kCompensated:
      return "COMPENSATED";
    case RunStatus::kCancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

std::string_view StepStatusName(StepStatus s) {
  switch (s) {
    case StepStatus::kPending:
      return "PENDING";
    case StepStatus::kRunning:
      return "RUNNING";
    case StepStatus::kCompleted:
      return "COMPLETED";
    case StepStatus::kFailed:
      return "FAILED";
    case StepStatus::kSkipped:
      return "SKIPPED";
    case StepStatus::kCompensated:
      return "COMPENSATED";
  }
  return "UNKNOWN";
}

Result<RunStatus> ParseRunStatus(std::string_view name) {
  for (RunStatus s : {RunStatus::kPending, RunStatus::kRunning, RunStatus::kSleeping,
                      RunStatus::kCompensating, RunStatus::kCompleted, RunStatus::kFailed,
                      RunStatus::kCompensated, RunStatus::kCancelled}) {
    if (RunStatusName(s) == name) return s;
  }
  return Status::InvalidArgument("unknown run status '" + std::string(name) + "'");
}

Result<StepStatus> ParseStepStatus(std::string_view name) {
  for (StepStatus s : {StepStatus::kPending, StepStatus::kRunning, StepStatus::kCompleted,
                       StepStatus::kFailed, StepStatus::kSkipped, StepStatus::kCompensated}) {
    if (StepStatusName(s) == name) return s;
  }
  return Status::InvalidArgument("unknown step status '" + std::string(name) + "'");
}

bool IsTerminal(RunStatus s) {
  return s == RunStatus::kCompleted || s == RunStatus::kFailed || s == RunStatus::kCompensated ||
         s == RunStatus::kCancelled;
}

}  // namespace dynaflow
