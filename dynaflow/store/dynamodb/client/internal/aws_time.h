// ISO 8601 timestamps as AWS credential sources write them ("2024-01-01T00:00:00Z"), and
// UTC formatting for them and for SigV4 dates.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::dynamodb::internal {

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (also a lowercase 't'/'z', and
// "+HHMM"). Fractions are truncated to milliseconds. Returns kSerialization
// "expected an ISO 8601 time such as 2024-01-01T00:00:00Z, got \"<text>\"" otherwise (the text is
// quoted at most 40 characters long; timestamps are not secret).
Result<TimePoint> ParseIso8601(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ" in UTC (sub-second parts dropped).
std::string FormatIso8601(TimePoint t);

// `t` in UTC, whole seconds (rounded down), formatted by strftime `format` (output < 32 bytes).
std::string FormatUtc(TimePoint t, const char* format);

}  // namespace dynaflow::dynamodb::internal
