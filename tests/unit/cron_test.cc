// CronExpr and TimeZone: parsing, next ticks in UTC and named zones, the TZif reader against
// known transitions (Europe/Berlin, America/New_York, Australia/Sydney; years past 2037 come
// from the file's POSIX rule), DST gaps and overlaps, errors.
#include "dynaflow/engine/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "dynaflow/engine/time_zone.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine {
namespace {

using namespace std::chrono;

// "YYYY-MM-DD HH:MM" UTC.
TimePoint Utc(const char* s) {
  int y, mo, d, h, mi;
  EXPECT_EQ(std::sscanf(s, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi), 5) << s;
  sys_days day = year(y) / month(static_cast<unsigned>(mo)) / static_cast<unsigned>(d);
  return time_point_cast<TimePoint::duration>(day + hours(h) + minutes(mi));
}

int64_t Secs(const char* s) { return duration_cast<seconds>(Utc(s).time_since_epoch()).count(); }

TimeZone Zone(const char* name) {
  auto z = TimeZone::Load(name);
  EXPECT_OK(z);
  return z.ok() ? *z : TimeZone::Utc();
}

CronExpr Cron(const char* text) {
  auto c = CronExpr::Parse(text);
  EXPECT_OK(c) << text;
  return c.ok() ? *c : CronExpr::Parse("* * * * *").value();
}

// Next tick as "YYYY-MM-DD HH:MM" UTC.
std::string Next(const CronExpr& c, const char* after, const TimeZone& z = TimeZone::Utc()) {
  auto n = c.NextAfter(Utc(after), z);
  if (!n.ok()) return n.error().ToString();
  auto day = floor<days>(*n);
  year_month_day ymd(day);
  auto tod = hh_mm_ss(duration_cast<seconds>(*n - day));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()));
  return buf;
}

TEST(TimeZoneTest, BerlinTransitionsOf2026) {
  TimeZone b = Zone("Europe/Berlin");
  EXPECT_EQ(b.name(), "Europe/Berlin");
  EXPECT_EQ(b.OffsetAt(Secs("2026-03-29 01:00") - 1), 3600);
  EXPECT_EQ(b.OffsetAt(Secs("2026-03-29 01:00")), 7200);
  EXPECT_EQ(b.OffsetAt(Secs("2026-10-25 01:00") - 1), 7200);
  EXPECT_EQ(b.OffsetAt(Secs("2026-10-25 01:00")), 3600);
  EXPECT_EQ(b.OffsetAt(Secs("1890-01-01 00:00")), 3208);  // local mean time before 1893
}

TEST(TimeZoneTest, NewYorkTransitionsOf2026) {
  TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(ny.OffsetAt(Secs("2026-03-08 07:00") - 1), -5 * 3600);
  EXPECT_EQ(ny.OffsetAt(Secs("2026-03-08 07:00")), -4 * 3600);
  EXPECT_EQ(ny.OffsetAt(Secs("2026-11-01 06:00") - 1), -4 * 3600);
  EXPECT_EQ(ny.OffsetAt(Secs("2026-11-01 06:00")), -5 * 3600);
}

TEST(TimeZoneTest, YearsAfterTheTableFollowTheFootersRule) {
  TimeZone b = Zone("Europe/Berlin");
  EXPECT_EQ(b.OffsetAt(Secs("2040-03-25 00:30")), 3600);
  EXPECT_EQ(b.OffsetAt(Secs("2040-03-25 01:30")), 7200);
  EXPECT_EQ(b.OffsetAt(Secs("2045-10-29 00:30")), 7200);
  EXPECT_EQ(b.OffsetAt(Secs("2045-10-29 01:30")), 3600);
  EXPECT_EQ(b.OffsetAt(Secs("2060-07-01 00:30")), 7200);
  EXPECT_EQ(b.OffsetAt(Secs("2060-12-01 00:30")), 3600);
  TimeZone syd = Zone("Australia/Sydney");  // southern hemisphere: DST across the new year
  EXPECT_EQ(syd.OffsetAt(Secs("2050-01-01 00:00")), 11 * 3600);
  EXPECT_EQ(syd.OffsetAt(Secs("2050-07-01 00:00")), 10 * 3600);
}

TEST(TimeZoneTest, UtcAndFixedOffsets) {
  for (const char* utc : {"", "UTC", "Etc/UTC", "Z"}) {
    auto z = TimeZone::Load(utc);
    ASSERT_OK(z) << utc;
    EXPECT_EQ(z->OffsetAt(Secs("2026-06-01 00:00")), 0);
  }
  auto ist = TimeZone::Load("+05:30").value();
  EXPECT_EQ(ist.OffsetAt(0), 5 * 3600 + 1800);
  EXPECT_EQ(ist.name(), "+05:30");
  EXPECT_EQ(TimeZone::Load("UTC-08").value().OffsetAt(0), -8 * 3600);
  EXPECT_EQ(TimeZone::Load("-08:00").value().name(), "-08:00");
  EXPECT_TRUE(TimeZone::Fixed(27 * 3600).error().Is(StatusCode::kInvalidArgument));
}

TEST(TimeZoneTest, ErrorsNameTheZone) {
  auto missing = TimeZone::Load("Mars/Olympus_Mons");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().Is(StatusCode::kNotFound));
  EXPECT_NE(missing.error().message().find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_NE(missing.error().message().find("/usr/share/zoneinfo/Mars/Olympus_Mons"),
            std::string::npos);
  EXPECT_TRUE(TimeZone::Load("../etc/passwd").error().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(TimeZone::Load("/etc/localtime").error().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(TimeZone::FromTzif("x", "not a tzif file at all, really not one")
                  .error()
                  .Is(StatusCode::kSerialization));
}

TEST(CronParseTest, RejectsBadExpressionsNamingTheField) {
  struct Case {
    const char* expr;
    const char* needle;
  };
  for (const Case& c : {Case{"* * * *", "5 fields"}, Case{"60 * * * *", "minute"},
                        Case{"* 24 * * *", "hour field: '24' is out of range 0-23"},
                        Case{"* * 0 * *", "day-of-month"}, Case{"* * * 13 *", "month"},
                        Case{"* * * * 8", "day-of-week"}, Case{"5-1 * * * *", "descending"},
                        Case{"*/0 * * * *", "step"}, Case{"x * * * *", "not a number"},
                        Case{"0 0 30 2 *", "never fires"}, Case{"@every5m", "macro"}}) {
    auto r = CronExpr::Parse(c.expr);
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_TRUE(r.error().Is(StatusCode::kInvalidArgument)) << c.expr;
    EXPECT_NE(r.error().message().find(c.needle), std::string::npos)
        << c.expr << ": " << r.error().message();
  }
}

TEST(CronNextTest, FieldsListsRangesStepsAndNames) {
  EXPECT_EQ(Next(Cron("*/5 * * * *"), "2026-01-02 10:02"), "2026-01-02 10:05");
  EXPECT_EQ(Next(Cron("*/5 * * * *"), "2026-01-02 10:05"), "2026-01-02 10:10");  // strictly after
  EXPECT_EQ(Next(Cron("0 * * * *"), "2026-01-02 23:30"), "2026-01-03 00:00");
  EXPECT_EQ(Next(Cron("15,45 9-10 * * *"), "2026-01-02 10:45"), "2026-01-03 09:15");
  EXPECT_EQ(Next(Cron("10-40/15 * * * *"), "2026-01-02 10:26"), "2026-01-02 10:40");
  EXPECT_EQ(Next(Cron("50/5 * * * *"), "2026-01-02 10:56"), "2026-01-02 11:50");
  // 2026-01-02 is a Friday.
  EXPECT_EQ(Next(Cron("0 9 * * MON-FRI"), "2026-01-02 10:00"), "2026-01-05 09:00");
  EXPECT_EQ(Next(Cron("0 9 * * 7"), "2026-01-02 10:00"), "2026-01-04 09:00");  // 7 = Sunday
  EXPECT_EQ(Next(Cron("0 0 1 jan,Jul *"), "2026-01-02 10:00"), "2026-07-01 00:00");
  EXPECT_EQ(Next(Cron("@monthly"), "2026-01-31 10:00"), "2026-02-01 00:00");
  EXPECT_EQ(Next(Cron("@weekly"), "2026-01-02 10:00"), "2026-01-04 00:00");
  EXPECT_EQ(Next(Cron("0 0 31 * *"), "2026-02-01 00:00"), "2026-03-31 00:00");
  EXPECT_EQ(Next(Cron("0 0 29 2 *"), "2026-01-01 00:00"), "2028-02-29 00:00");
  // Both day fields restricted: either matches (the 13th, or a Friday).
  EXPECT_EQ(Next(Cron("0 0 13 * FRI"), "2026-01-03 00:00"), "2026-01-09 00:00");
  EXPECT_EQ(Next(Cron("0 0 13 * FRI"), "2026-01-10 00:00"), "2026-01-13 00:00");
  // One restricted, one '*'-stepped: both must match (a Friday the 13th).
  EXPECT_EQ(Next(Cron("0 0 13 * */5"), "2026-01-01 00:00"), "2026-02-13 00:00");
  // Seconds of `after` round up to the next minute.
  auto n = Cron("* * * * *").NextAfter(Utc("2026-01-02 10:00") + seconds(59), TimeZone::Utc());
  EXPECT_EQ(*n, Utc("2026-01-02 10:01"));
}

TEST(CronNextTest, NamedZoneTicksAreLocalWallClockTimes) {
  TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(Next(Cron("0 9 * * *"), "2026-01-02 00:00", ny), "2026-01-02 14:00");  // EST
  EXPECT_EQ(Next(Cron("0 9 * * *"), "2026-07-02 00:00", ny), "2026-07-02 13:00");  // EDT
  auto ist = TimeZone::Load("+05:30").value();
  EXPECT_EQ(Next(Cron("0 0 * * *"), "2026-01-02 00:00", ist), "2026-01-02 18:30");
}

TEST(CronNextTest, SpringForwardGapFiresAtTheEndOfTheGapOnce) {
  TimeZone b = Zone("Europe/Berlin");
  CronExpr daily = Cron("30 2 * * *");
  // 02:30 does not exist on 2026-03-29: it fires at 03:00 CEST = 01:00 UTC.
  EXPECT_EQ(Next(daily, "2026-03-28 12:00", b), "2026-03-29 01:00");
  EXPECT_EQ(Next(daily, "2026-03-29 01:00", b), "2026-03-30 00:30");
  // Every tick inside the gap (02:00..02:45) and 03:00 itself fire once, at 03:00.
  CronExpr quarter = Cron("*/15 * * * *");
  EXPECT_EQ(Next(quarter, "2026-03-29 00:45", b), "2026-03-29 01:00");
  EXPECT_EQ(Next(quarter, "2026-03-29 01:00", b), "2026-03-29 01:15");
  TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(Next(Cron("0 2 * * *"), "2026-03-07 12:00", ny), "2026-03-08 07:00");
}

TEST(CronNextTest, FallBackOverlapFiresOnce) {
  TimeZone b = Zone("Europe/Berlin");
  CronExpr daily = Cron("30 2 * * *");
  // 02:30 happens twice on 2026-10-25 (00:30 and 01:30 UTC): it fires at the first.
  EXPECT_EQ(Next(daily, "2026-10-24 12:00", b), "2026-10-25 00:30");
  EXPECT_EQ(Next(daily, "2026-10-25 00:30", b), "2026-10-26 01:30");
  // Half-hourly: 02:00 and 02:30 CEST fire, the repeated 02:00 and 02:30 CET do not.
  CronExpr half = Cron("*/30 * * * *");
  EXPECT_EQ(Next(half, "2026-10-25 00:15", b), "2026-10-25 00:30");
  EXPECT_EQ(Next(half, "2026-10-25 00:30", b), "2026-10-25 02:00");
  // Created during the second 02:xx hour, it fires what is still ahead in it.
  EXPECT_EQ(Next(half, "2026-10-25 01:10", b), "2026-10-25 01:30");
}

TEST(CronNextTest, NeverGoesBackOrRepeatsAcrossAYearOfBerlinTicks) {
  TimeZone b = Zone("Europe/Berlin");
  CronExpr c = Cron("*/30 * * * *");
  TimePoint t = Utc("2026-01-01 00:00");
  int ticks = 0;
  while (t < Utc("2027-01-01 00:00")) {
    ASSERT_OK_AND_ASSIGN(auto n, c.NextAfter(t, b));
    ASSERT_GT(n, t);
    ASSERT_LE(n - t, minutes(90));  // the repeated hour: 00:30 -> 02:00 UTC
    t = n;
    ++ticks;
  }
  // Every UTC half hour of the year but the repeated 02:00 and 02:30 (CET) of the fall-back
  // night; the spring gap's 02:00 and 02:30 fire together with 03:00, so lose no instant.
  EXPECT_EQ(ticks, 365 * 48 - 2);
}

}  // namespace
}  // namespace dynaflow::engine
