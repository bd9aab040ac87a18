#include "dynaflow/model/workflow_types.h"

#include <ostream>

#include "dynaflow/model/enum_names.h"

namespace dynaflow {

namespace {
constexpr EnumName<RunStatus> kRunStatusNames[] = {
    {RunStatus::kPending, "PENDING"},         {RunStatus::kRunning, "RUNNING"},
    {RunStatus::kSleeping, "SLEEPING"},       {RunStatus::kCompensating, "COMPENSATING"},
    {RunStatus::kCompleted, "COMPLETED"},     {RunStatus::kFailed, "FAILED"},
    {RunStatus::kCompensated, "COMPENSATED"}, {RunStatus::kCancelled, "CANCELLED"}};
}  // namespace

std::ostream& operator<<(std::ostream& os, RunStatus s) { return os << RunStatusName(s); }
std::ostream& operator<<(std::ostream& os, StepStatus s) { return os << StepStatusName(s); }

std::string_view RunStatusName(RunStatus s) { return NameOf(kRunStatusNames, s, "UNKNOWN"); }

namespace {
constexpr EnumName<StepStatus> kStepStatusNames[] = {
    {StepStatus::kPending, "PENDING"},     {StepStatus::kRunning, "RUNNING"},
    {StepStatus::kCompleted, "COMPLETED"}, {StepStatus::kFailed, "FAILED"},
    {StepStatus::kSkipped, "SKIPPED"},     {StepStatus::kCompensated, "COMPENSATED"}};
}  // namespace

std::string_view StepStatusName(StepStatus s) { return NameOf(kStepStatusNames, s, "UNKNOWN"); }

Result<RunStatus> ParseRunStatus(std::string_view name) {
  if (auto s = ValueOf(kRunStatusNames, name)) return *s;
  return Status::InvalidArgument("unknown run status '" + std::string(name) + "'");
}

Result<StepStatus> ParseStepStatus(std::string_view name) {
  if (auto s = ValueOf(kStepStatusNames, name)) return *s;
  return Status::InvalidArgument("unknown step status '" + std::string(name) + "'");
}

bool IsTerminal(RunStatus s) {
  return s == RunStatus::kCompleted || s == RunStatus::kFailed || s == RunStatus::kCompensated ||
         s == RunStatus::kCancelled;
}

}  // namespace dynaflow
