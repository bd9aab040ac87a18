// Firing due schedules (EngineCore::FireDueSchedules): the tick rules of dynaflow/engine/schedule.h
// over store::ScheduleStore. Thread-safe.
#pragma once

#include <string>

#include "dynaflow/engine/time_zone.h"
#include "dynaflow/model/result.h"

namespace dynaflow::engine::internal {

// TimeZone::Load, cached per name for the life of the process (zone files are read once).
Result<TimeZone> ZoneNamed(const std::string& name);

// Most ticks one schedule handles per FireDueSchedules call (fired, dropped or held); a
// schedule with more left stays due and gets the rest on the next call.
inline constexpr int kMaxTicksPerPass = 16;

}  // namespace dynaflow::engine::internal
