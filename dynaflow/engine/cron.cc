// CronExpr: parsing and the next tick (see cron.h for the rules).
#include "dynaflow/engine/cron.h"

#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <vector>

namespace dynaflow::engine {

namespace {

using std::chrono::days;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

struct FieldSpec {
  const char* name;
  int lo;
  int hi;
  const char* const* names;  // nullptr or names for lo.. (3 letters)
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
constexpr std::array<FieldSpec, 5> kFields = {{{"minute", 0, 59, nullptr},
                                               {"hour", 0, 23, nullptr},
                                               {"day-of-month", 1, 31, nullptr},
                                               {"month", 1, 12, kMonthNames},
                                               {"day-of-week", 0, 7, kDayNames}}};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

Status FieldError(const FieldSpec& f, std::string_view part, const std::string& why) {
  return Status::InvalidArgument(std::string("cron ") + f.name + " field: '" + std::string(part) +
                                 "' " + why);
}

Result<int> Value(const FieldSpec& f, std::string_view s) {
  if (f.names != nullptr && s.size() == 3 && std::isalpha(static_cast<unsigned char>(s[0]))) {
    for (int i = 0; i + f.lo <= f.hi && i < (f.lo == 0 ? 7 : 12); ++i) {
      bool eq = true;
      for (size_t k = 0; k < 3; ++k) {
        eq = eq && std::toupper(static_cast<unsigned char>(s[k])) == f.names[i][k];
      }
      if (eq) return i + f.lo;
    }
  }
  if (s.empty() || s.size() > 4) return FieldError(f, s, "is not a number");
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return FieldError(f, s, "is not a number");
    v = v * 10 + (c - '0');
  }
  if (v < f.lo || v > f.hi) {
    return FieldError(f, s, "is out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi));
  }
  return v;
}

// Sets the bits of one field; *star = the field starts with '*'.
Status ParseField(const FieldSpec& f, std::string_view text, std::vector<bool>* bits, bool* star) {
  bits->assign(static_cast<size_t>(f.hi + 1), false);
  *star = !text.empty() && text[0] == '*';
  for (std::string_view part : Split(text, ',')) {
    int step = 1;
    std::string_view range = part;
    if (size_t slash = part.find('/'); slash != std::string_view::npos) {
      auto s = Value(FieldSpec{f.name, 1, 1000, nullptr}, part.substr(slash + 1));
      if (!s.ok()) return FieldError(f, part, "has a bad step");
      step = *s;
      range = part.substr(0, slash);
    }
    int lo = f.lo, hi = f.hi;
    if (range == "*") {
      // the whole range
    } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
      DYNAFLOW_ASSIGN_OR_RETURN(lo, Value(f, range.substr(0, dash)));
      DYNAFLOW_ASSIGN_OR_RETURN(hi, Value(f, range.substr(dash + 1)));
      if (hi < lo) return FieldError(f, part, "is a descending range");
    } else {
      DYNAFLOW_ASSIGN_OR_RETURN(lo, Value(f, range));
      if (part.find('/') == std::string_view::npos) hi = lo;  // "a/s" runs to the end
    }
    for (int v = lo; v <= hi; v += step) (*bits)[static_cast<size_t>(v)] = true;
  }
  return Status::OK();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view Macro(std::string_view s) {
  if (s == "@yearly" || s == "@annually") return "0 0 1 1 *";
  if (s == "@monthly") return "0 0 1 * *";
  if (s == "@weekly") return "0 0 * * 0";
  if (s == "@daily" || s == "@midnight") return "0 0 * * *";
  if (s == "@hourly") return "0 * * * *";
  return {};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

// Sets in `out` the values `bits` marks, modulo N (the weekday field's 7 is Sunday, 0).
template <size_t N>
void SetBits(const std::vector<bool>& bits, std::bitset<N>& out) {
  for (size_t v = 0; v < bits.size(); ++v) {
    if (bits[v]) out.set(v % N);
  }
}

constexpr int kMaxDaysCounted[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

Result<CronExpr> CronExpr::Parse(std::string_view expression) {
  CronExpr c;
  std::string_view text = Trim(expression);
  c.text_ = std::string(text);
  if (!text.empty() && text[0] == '@') {
    text = Macro(text);
    if (text.empty()) return Status::InvalidArgument("unknown cron macro '" + c.text_ + "'");
  }
  std::vector<std::string_view> fields;
  for (std::string_view f : Split(text, ' ')) {
    f = Trim(f);
    if (!f.empty()) fields.push_back(f);
  }
  if (fields.size() != 5) {
    return Status::InvalidArgument("cron expression '" + c.text_ +
                                   "' must have 5 fields (minute hour day-of-month month "
                                   "day-of-week), has " +
                                   std::to_string(fields.size()));
  }
  std::array<std::vector<bool>, 5> bits;
  std::array<bool, 5> star{};
  for (size_t i = 0; i < 5; ++i) {
    DYNAFLOW_RETURN_IF_ERROR(ParseField(kFields[i], fields[i], &bits[i], &star[i]));
  }
  SetBits(bits[0], c.minutes_);
  SetBits(bits[1], c.hours_);
  SetBits(bits[2], c.days_);
  SetBits(bits[3], c.months_);
  SetBits(bits[4], c.weekdays_);  // 7 (Sunday again) sets 0
  c.days_star_ = star[2];
  c.weekdays_star_ = star[4];
  if (c.weekdays_star_ || c.days_star_) {
    // With the weekday unrestricted, some chosen day must exist in some chosen month.
    bool possible = c.weekdays_star_ ? false : true;
    for (int m = 1; m <= 12 && !possible; ++m) {
      for (int d = 1; d <= kMaxDaysCounted[m] && !possible; ++d) {
        possible = c.months_.test(static_cast<size_t>(m)) && c.days_.test(static_cast<size_t>(d));
      }
    }
    if (!possible) {
      return Status::InvalidArgument("cron expression '" + c.text_ + "' never fires");
    }
  }
  return c;
}

bool CronExpr::DayMatches(int64_t local_day) const {
  const sys_days day{days(local_day)};
  const std::chrono::year_month_day ymd(day);
  const unsigned wd = std::chrono::weekday(day).c_encoding();
  const bool dom = days_.test(static_cast<unsigned>(ymd.day()));
  const bool dow = weekdays_.test(wd);
  if (!months_.test(static_cast<unsigned>(ymd.month()))) return false;
  if (days_star_ || weekdays_star_) return dom && dow;
  return dom || dow;
}

Result<TimePoint> CronExpr::NextAfter(TimePoint after, const TimeZone& zone) const {
  const int64_t t = std::chrono::floor<seconds>(after).time_since_epoch().count();
  // Local wall-clock seconds, as if they were UTC; start at the next whole minute.
  int64_t local = FloorDiv(t + zone.OffsetAt(t), 60) * 60 + 60;
  const int64_t limit = local + int64_t{30} * 366 * 86400;
  while (local < limit) {
    const int64_t day = FloorDiv(local, 86400);
    const int64_t sod = local - day * 86400;
    if (!DayMatches(day)) {
      local = (day + 1) * 86400;
      continue;
    }
    const int hour = static_cast<int>(sod / 3600);
    const int minute = static_cast<int>(sod / 60 % 60);
    if (!hours_.test(static_cast<size_t>(hour))) {
      local = day * 86400 + (hour + 1) * 3600;
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(minute))) {
      local += 60;
      continue;
    }
    // A matching local time: its UTC instant(s). Offsets change at most once around it.
    const int32_t early = zone.OffsetAt(local - 86400 - 14 * 3600);
    const int32_t late = zone.OffsetAt(local + 86400 + 14 * 3600);
    const int64_t first = local - early;  // valid when the early offset still holds there
    const int64_t second = local - late;
    const bool first_ok = zone.OffsetAt(first) == early;
    const bool second_ok = zone.OffsetAt(second) == late;
    std::optional<int64_t> u;
    auto consider = [&](bool ok, int64_t c) {
      if (ok && c > t && (!u || c < *u)) u = c;
    };
    if (first_ok || second_ok) {  // exists once, or twice (an overlap: the first one after t)
      consider(first_ok, first);
      consider(second_ok, second);
    } else {
      // In a gap: fire at the transition instant, the first second with the late offset.
      int64_t lo = std::min(first, second), hi = std::max(first, second);
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (zone.OffsetAt(mid) == late) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      consider(true, lo);
    }
    if (u) return TimePoint(seconds(*u));
    local += 60;
  }
  return Status::NotFound("cron expression '" + text_ + "' has no tick within 30 years after " +
                          std::to_string(t) + " in " + zone.name());
}

}  // namespace dynaflow::engine
