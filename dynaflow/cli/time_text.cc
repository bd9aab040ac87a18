#include "dynaflow/cli/time_text.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "dynaflow/model/duration_text.h"

namespace dynaflow::cli {

namespace {

using std::chrono::milliseconds;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Reads exactly `n` digits at text[*pos]; false when they are not there.
bool Digits(std::string_view text, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > text.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool ParseRfc3339(std::string_view text, TimePoint* out) {
  size_t p = 0;
  int64_t y, mo, d, h = 0, mi = 0, s = 0, frac_ms = 0, offset_min = 0;
  if (!Digits(text, &p, 4, &y) || !Expect(text, &p, '-') || !Digits(text, &p, 2, &mo) ||
      !Expect(text, &p, '-') || !Digits(text, &p, 2, &d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  if (p < text.size()) {
    if (text[p] != 'T' && text[p] != 't' && text[p] != ' ') return false;
    ++p;
    if (!Digits(text, &p, 2, &h) || !Expect(text, &p, ':') || !Digits(text, &p, 2, &mi) ||
        !Expect(text, &p, ':') || !Digits(text, &p, 2, &s)) {
      return false;
    }
    if (h > 23 || mi > 59 || s > 60) return false;
    if (p < text.size() && text[p] == '.') {
      ++p;
      size_t start = p;
      int64_t scale = 100;
      while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
        frac_ms += (text[p] - '0') * scale;
        scale /= 10;
        ++p;
      }
      if (p == start) return false;
    }
    if (p >= text.size()) return false;  // a time needs its offset
    if (text[p] == 'Z' || text[p] == 'z') {
      ++p;
    } else if (text[p] == '+' || text[p] == '-') {
      const int sign = text[p] == '-' ? -1 : 1;
      ++p;
      int64_t oh, om;
      if (!Digits(text, &p, 2, &oh) || !Expect(text, &p, ':') || !Digits(text, &p, 2, &om)) {
        return false;
      }
      offset_min = sign * (oh * 60 + om);
    } else {
      return false;
    }
  }
  if (p != text.size()) return false;
  const int64_t ms = DaysFromCivil(y, mo, d) * kDayMs + h * kHourMs + mi * kMinuteMs +
                     s * kSecondMs + frac_ms - offset_min * kMinuteMs;
  *out = FromUnixMillis(ms);
  return true;
}

std::string Unit(int64_t n, const char* unit) { return std::to_string(n) + unit; }

}  // namespace

std::string FormatTimestamp(TimePoint t) {
  const int64_t ms = ToUnixMillis(t);
  int64_t secs = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem));
  return buf;
}

std::string FormatRelative(TimePoint t, TimePoint now) {
  int64_t d = ToUnixMillis(now) - ToUnixMillis(t);
  const bool future = d < 0;
  if (future) d = -d;
  if (d < kSecondMs) return "just now";
  std::string amount = d < kMinuteMs ? Unit(d / kSecondMs, "s")
                       : d < kHourMs ? Unit(d / kMinuteMs, "m")
                       : d < kDayMs  ? Unit(d / kHourMs, "h")
                                     : Unit(d / kDayMs, "d");
  return future ? "in " + amount : amount + " ago";
}

std::string FormatElapsed(milliseconds d) {
  int64_t ms = d.count();
  if (ms < 0) return "-" + FormatElapsed(milliseconds(-ms));
  char buf[32];
  if (ms < kSecondMs) {
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ms));
  } else if (ms < 10 * kSecondMs) {
    std::snprintf(buf, sizeof(buf), "%lld.%02llds", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000 / 10));
  } else if (ms < kMinuteMs) {
    std::snprintf(buf, sizeof(buf), "%lld.%llds", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000 / 100));
  } else if (ms < kHourMs) {
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(ms / kMinuteMs),
                  static_cast<long long>(ms % kMinuteMs / kSecondMs));
  } else if (ms < kDayMs) {
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(ms / kHourMs),
                  static_cast<long long>(ms % kHourMs / kMinuteMs));
  } else {
    std::snprintf(buf, sizeof(buf), "%lldd%02lldh", static_cast<long long>(ms / kDayMs),
                  static_cast<long long>(ms % kDayMs / kHourMs));
  }
  return buf;
}

Result<milliseconds> ParseDurationText(std::string_view text) {
  static constexpr DurationUnit kUnits[] = {
      {"d", kDayMs}, {"h", kHourMs}, {"m", kMinuteMs}, {"s", kSecondMs}, {"ms", 1}};
  const std::optional<milliseconds> parsed = ParseDurationUnits(text, kUnits);
  if (!parsed) {
    return Status::InvalidArgument("malformed duration \"" + std::string(text) +
                                   "\": expected whole numbers with units d, h, m, s or ms, "
                                   "largest first, such as \"2h\", \"30m\" or \"1d12h\"");
  }
  return *parsed;
}

Result<TimePoint> ParseTimeBound(std::string_view text, TimePoint now) {
  TimePoint t;
  if (ParseRfc3339(text, &t)) return t;
  if (!text.empty() && text[0] >= '0' && text[0] <= '9' && text.find('-') == std::string::npos &&
      text.find(':') == std::string::npos) {
    auto d = ParseDurationText(text);
    if (d.ok()) return now - *d;
  }
  return Status::InvalidArgument(
      "malformed time \"" + std::string(text) +
      "\": expected RFC 3339 (2024-01-31T10:00:00Z, 2024-01-31T10:00:00+02:00, 2024-01-31) or "
      "a time ago such as 2h, 30m or 1d12h");
}

}  // namespace dynaflow::cli
