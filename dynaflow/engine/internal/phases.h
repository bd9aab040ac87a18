// Markers the engine keeps in Run::cursor_step (opaque to the store), and shared constants.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "dynaflow/engine/internal/definition.h"

namespace dynaflow::engine::internal {

// cursor_step while compensating: which terminal status the run ends with when every
// compensation succeeds (COMPENSATED after a failure, CANCELLED after a cancel).
inline constexpr char kPhaseCompensateFailure[] = "@compensate:failure";
inline constexpr char kPhaseCompensateCancel[] = "@compensate:cancel";
// cursor_step while Engine::RetryFailedRun copies records into a new run; a worker finding a
// run in this phase (the copier died) fails it rather than re-running copied steps.
inline constexpr char kPhaseCopying[] = "@copying";
// Tag naming the failed run a retry run continues.
inline constexpr char kRetryOfTag[] = "dynaflow.retry_of";

// The wake time recorded as a sleep node's output (decimal ms since the epoch), or nullopt.
std::optional<TimePoint> ParseWakeTime(const std::string& payload);

// cursor_step of a run parked at an await node or call: "<step>@<timeout ms>", so a resumed
// run keeps the timeout it computed when it first reached it.
std::string AwaitCursor(const std::string& step, TimePoint until);
std::optional<TimePoint> ParseAwaitCursor(const std::string& cursor, const std::string& step);

// A shared Unit (std::monostate) value.
const std::shared_ptr<const Value>& UnitValue();

}  // namespace dynaflow::engine::internal
