// Placeholder until schedules land.
#include "engine/internal/engine_core.h"

namespace dynaflow::engine::internal {
void EngineCore::PokeSchedule(const std::string&) {}
}  // namespace dynaflow::engine::internal
