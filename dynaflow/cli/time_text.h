// Times as the `dynaflow` command reads and prints them. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::cli {

// "2024-01-01T00:00:05.120Z": RFC 3339 in UTC with milliseconds.
std::string FormatTimestamp(TimePoint t);

// `t` relative to `now`, rounded down to one unit: "just now" (under 1 s), "42s ago", "5m ago",
// "3h ago", "12d ago"; times after `now`: "in 42s", "in 5m", ...
std::string FormatRelative(TimePoint t, TimePoint now);

// A duration for humans: "0ms", "850ms", "1.25s" (under 10 s: two decimals), "42.5s" (under a
// minute: one decimal), "3m07s", "2h05m", "3d04h". Negative durations print as "-" + that.
std::string FormatElapsed(std::chrono::milliseconds d);

// A time bound given on the command line (--since, --until, --now):
//   RFC 3339: "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.250+02:00", "2024-01-01" (midnight UTC)
//   relative to `now`, in the past: whole numbers with units d, h, m, s, ms from the largest
//   down: "2h", "30m", "1d12h", "90s", "500ms".
// Errors: kInvalidArgument naming the text and the accepted forms.
Result<TimePoint> ParseTimeBound(std::string_view text, TimePoint now);

// A positive duration: as the relative form above ("30s", "2m", "1h30m"). Errors:
// kInvalidArgument naming the text.
Result<std::chrono::milliseconds> ParseDurationText(std::string_view text);

}  // namespace dynaflow::cli
