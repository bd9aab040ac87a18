// Durations as text: whole numbers each followed by a unit, largest unit first ("1h30m", "90s",
// "500ms"), the form of configuration values and of command-line durations.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace dynaflow {

inline constexpr int64_t kSecondMs = 1000;
inline constexpr int64_t kMinuteMs = 60 * kSecondMs;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;

struct DurationUnit {
  std::string_view name;  // lowercase letters, e.g. "ms"
  int64_t ms;             // its length in milliseconds
};

// Parses `text` as one or more "<digits><unit>" with units of `units` (given largest first),
// each unit at most once and in the order of `units`: with units d, h, m, s, ms "1d12h" parses
// and "30m1h" or "1h1h" do not. nullopt for empty text, a missing number or unit, an unknown
// unit, a number above 10^12 or a total beyond int64 milliseconds.
std::optional<std::chrono::milliseconds> ParseDurationUnits(std::string_view text,
                                                            std::span<const DurationUnit> units);

}  // namespace dynaflow
