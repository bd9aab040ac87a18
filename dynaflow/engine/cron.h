// CronExpr: a 5-field cron expression and its next tick in a time zone.
//
//   minute hour day-of-month month day-of-week
//   0-59   0-23 1-31         1-12  0-7 (0 and 7: Sunday)
//
// Each field: `*`, a value, a range `a-b`, a step `*/s`, `a-b/s` or `a/s` (a to the field's
// end), or a comma list of these. Months and weekdays also take names (JAN..DEC, SUN..SAT, any
// case). Macros: @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly. As in
// Vixie cron, when both day fields are restricted (neither starts with `*`) a day matches when
// EITHER matches; otherwise both must.
//
// Ticks are local wall-clock times of the zone, resolved to UTC instants like this:
//   - a local time that does not exist (the spring-forward gap, e.g. 02:30 on 2026-03-29 in
//     Europe/Berlin) fires at the end of the gap, the transition instant (03:00 local): all
//     ticks inside one gap fire once there, together with a tick at the gap's end;
//   - a local time that exists twice (the fall-back overlap, e.g. 02:30 on 2026-10-25) fires
//     once, at its first occurrence; the repeated hour fires nothing more (a schedule created
//     during the second occurrence fires the times still ahead in it).
// So NextAfter never returns the same instant twice in a row and never goes back.
//
// Thread-safety: immutable value type.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "dynaflow/engine/time_zone.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"

namespace dynaflow::engine {

class CronExpr {
 public:
  // Errors: kInvalidArgument naming the field and the bad part (e.g. "cron hour field: 24 is
  // out of range 0-23"), also for a day-of-month / month combination that never occurs
  // ("0 0 30 2 *").
  static Result<CronExpr> Parse(std::string_view expression);

  // The first tick strictly after `after` (whole minutes; seconds of `after` are ignored when
  // rounding up), as a UTC instant, in `zone` (see the gap/overlap rules above). Searches up to
  // 30 years ahead; kNotFound beyond (a weekday-restricted Feb 29, for instance, may not occur).
  Result<TimePoint> NextAfter(TimePoint after, const TimeZone& zone) const;

  // The expression as given (trimmed).
  const std::string& text() const { return text_; }

 private:
  bool DayMatches(int64_t local_day) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0..6, Sunday = 0
  bool days_star_ = false;
  bool weekdays_star_ = false;
};

}  // namespace dynaflow::engine
