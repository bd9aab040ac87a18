// TimeZone: TZif (RFC 8536) reader and POSIX TZ rules (the file's footer).
#include "dynaflow/engine/time_zone.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace dynaflow::engine {

namespace {

// A POSIX TZ rule date "Mm.w.d/time": the d-th weekday (0 = Sunday) of week w (1..5, 5 = the
// last) of month m, at `time` seconds of local time (may be negative or above 24 h).
struct RuleDate {
  int month = 0;
  int week = 0;
  int weekday = 0;
  int32_t time = 7200;
};

// "STDoffset[DST[offset][,start[/time],end[/time]]]"; only M dates (the form every zone uses).
struct PosixRule {
  int32_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  RuleDate start, end;
};

}  // namespace

struct TimeZone::Data {
  std::string name;
  std::vector<int64_t> transitions;  // UTC seconds, ascending
  std::vector<int32_t> offsets;      // offset from transitions[i] on
  int32_t initial_offset = 0;        // before the first transition
  std::optional<PosixRule> rule;     // after the last transition
};

namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool Done() const { return pos_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[pos_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // A zone abbreviation: letters, or <...> quoted.
  bool Name() {
    if (Eat('<')) {
      while (!Done() && Peek() != '>') ++pos_;
      return Eat('>');
    }
    size_t start = pos_;
    while (!Done() && std::isalpha(static_cast<unsigned char>(Peek()))) ++pos_;
    return pos_ - start >= 3;
  }
  bool Int(int* out) {
    size_t start = pos_;
    int v = 0;
    while (!Done() && std::isdigit(static_cast<unsigned char>(Peek()))) {
      v = v * 10 + (Peek() - '0');
      if (v > 1000) return false;
      ++pos_;
    }
    *out = v;
    return pos_ > start;
  }
  // [+-]hh[:mm[:ss]] as seconds.
  bool Time(int32_t* out) {
    int sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    int h = 0, m = 0, sec = 0;
    if (!Int(&h)) return false;
    if (Eat(':')) {
      if (!Int(&m)) return false;
      if (Eat(':') && !Int(&sec)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool ParseRuleDate(Reader& r, RuleDate* d) {
  if (!r.Eat('M')) return false;  // Jn and n dates are used by no zone in the database
  if (!r.Int(&d->month) || !r.Eat('.') || !r.Int(&d->week) || !r.Eat('.') || !r.Int(&d->weekday)) {
    return false;
  }
  if (d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5 || d->weekday > 6) return false;
  d->time = 7200;
  if (r.Eat('/') && !r.Time(&d->time)) return false;
  return true;
}

std::optional<PosixRule> ParsePosixRule(std::string_view s) {
  Reader r(s);
  PosixRule rule;
  int32_t off = 0;
  if (!r.Name() || !r.Time(&off)) return std::nullopt;
  rule.std_offset = -off;  // POSIX offsets count west of UTC
  if (r.Done()) return rule;
  if (!r.Name()) return std::nullopt;
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (r.Peek() != ',') {
    if (!r.Time(&off)) return std::nullopt;
    rule.dst_offset = -off;
  }
  if (!r.Eat(',') || !ParseRuleDate(r, &rule.start) || !r.Eat(',') ||
      !ParseRuleDate(r, &rule.end) || !r.Done()) {
    return std::nullopt;
  }
  return rule;
}

// Local seconds (as if UTC) of a rule date in `year`.
int64_t LocalSecondsOf(int year, const RuleDate& d) {
  using namespace std::chrono;
  const auto y = std::chrono::year(year);
  const auto m = std::chrono::month(static_cast<unsigned>(d.month));
  const auto wd = weekday(static_cast<unsigned>(d.weekday));
  sys_days day = d.week == 5 ? sys_days(year_month_weekday_last(y, m, weekday_last(wd)))
                             : sys_days(year_month_weekday(y, m, weekday_indexed(wd, d.week)));
  return duration_cast<seconds>(day.time_since_epoch()).count() + d.time;
}

int32_t RuleOffsetAt(const PosixRule& rule, int64_t utc) {
  if (!rule.has_dst) return rule.std_offset;
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(sys_seconds(seconds(utc)));
  const int year = static_cast<int>(year_month_day(days).year());
  // DST starts at a local standard time and ends at a local daylight time.
  const int64_t start = LocalSecondsOf(year, rule.start) - rule.std_offset;
  const int64_t end = LocalSecondsOf(year, rule.end) - rule.dst_offset;
  const bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
  return dst ? rule.dst_offset : rule.std_offset;
}

uint32_t Be32(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3]));
}
int64_t Be64(std::string_view b, size_t at) {
  return static_cast<int64_t>((static_cast<uint64_t>(Be32(b, at)) << 32) | Be32(b, at + 4));
}

struct Header {
  uint32_t isut, isstd, leap, time, type, chars;
};

Result<Header> ReadHeader(std::string_view b, size_t at) {
  if (b.size() < at + 44 || b.substr(at, 4) != "TZif") {
    return Status::Serialization("not a TZif file");
  }
  Header h{Be32(b, at + 20), Be32(b, at + 24), Be32(b, at + 28),
           Be32(b, at + 32), Be32(b, at + 36), Be32(b, at + 40)};
  if (h.type == 0 || h.type > 256 || h.time > 100000 || h.chars > 100000 || h.leap > 100000) {
    return Status::Serialization("TZif header out of range");
  }
  return h;
}

size_t BlockBytes(const Header& h, size_t time_bytes) {
  return h.time * time_bytes + h.time + h.type * 6 + h.chars + h.leap * (time_bytes + 4) + h.isstd +
         h.isut;
}

bool FixedOffset(std::string_view s, int32_t* out) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  Reader r(s);
  int32_t v = 0;
  if (!r.Time(&v) || !r.Done()) return false;
  *out = v;
  return true;
}

std::string OffsetName(int32_t offset) {
  char buf[16];
  const int32_t a = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof(buf), "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

}  // namespace

TimeZone::TimeZone() : data_(std::make_shared<Data>(Data{"UTC", {}, {}, 0, std::nullopt})) {}

Result<TimeZone> TimeZone::Fixed(int32_t offset_seconds) {
  if (offset_seconds < -26 * 3600 || offset_seconds > 26 * 3600) {
    return Status::InvalidArgument(
        "time zone offset out of range: " + std::to_string(offset_seconds) + " s");
  }
  auto d = std::make_shared<Data>();
  d->name = OffsetName(offset_seconds);
  d->initial_offset = offset_seconds;
  return TimeZone(std::move(d));
}

Result<TimeZone> TimeZone::FromTzif(std::string name, std::string_view b) {
  DYNAFLOW_ASSIGN_OR_RETURN(Header h1, ReadHeader(b, 0));
  const char version = b[4];
  auto d = std::make_shared<Data>();
  d->name = std::move(name);
  size_t at = 44;
  Header h = h1;
  size_t tbytes = 4;
  if (version >= '2') {  // skip the v1 block; read the 64-bit one
    at += BlockBytes(h1, 4);
    DYNAFLOW_ASSIGN_OR_RETURN(h, ReadHeader(b, at));
    at += 44;
    tbytes = 8;
  }
  if (b.size() < at + BlockBytes(h, tbytes)) return Status::Serialization("truncated TZif file");
  const size_t types_at = at + h.time * tbytes + h.time;
  auto type_offset = [&](size_t i) { return static_cast<int32_t>(Be32(b, types_at + 6 * i)); };
  for (uint32_t i = 0; i < h.time; ++i) {
    int64_t t = tbytes == 8 ? Be64(b, at + i * 8) : static_cast<int32_t>(Be32(b, at + i * 4));
    auto type = static_cast<unsigned char>(b[at + h.time * tbytes + i]);
    if (type >= h.type) return Status::Serialization("TZif transition names an unknown type");
    if (!d->transitions.empty() && t <= d->transitions.back()) {
      return Status::Serialization("TZif transitions out of order");
    }
    d->transitions.push_back(t);
    d->offsets.push_back(type_offset(type));
  }
  d->initial_offset = type_offset(0);
  if (version >= '2') {
    size_t footer = at + BlockBytes(h, 8);
    if (footer < b.size() && b[footer] == '\n') {
      size_t end = b.find('\n', footer + 1);
      if (end != std::string_view::npos && end > footer + 1) {
        // An unsupported rule leaves the last transition's offset in effect.
        d->rule = ParsePosixRule(b.substr(footer + 1, end - footer - 1));
      }
    }
  }
  return TimeZone(std::move(d));
}

Result<TimeZone> TimeZone::Load(std::string_view name, const std::string& zoneinfo_dir) {
  if (name.empty() || name == "UTC" || name == "Etc/UTC" || name == "Z") return Utc();
  std::string_view fixed = name.substr(0, 3) == "UTC" ? name.substr(3) : name;
  int32_t offset = 0;
  if (FixedOffset(fixed, &offset)) return Fixed(offset);
  const std::string n(name);
  bool ok = name.front() != '/' && name.find("..") == std::string_view::npos;
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
                c == '+');
  }
  if (!ok) return Status::InvalidArgument("invalid time zone name '" + n + "'");
  const std::string path = zoneinfo_dir + "/" + n;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("time zone '" + n + "' not found: cannot read " + path +
                            " (is the tzdata package installed?)");
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto tz = FromTzif(n, bytes.str());
  if (!tz.ok()) {
    return Status::Serialization("time zone '" + n + "' (" + path + "): " + tz.error().message());
  }
  return tz;
}

const std::string& TimeZone::name() const { return data_->name; }

int32_t TimeZone::OffsetAt(int64_t utc) const {
  const Data& d = *data_;
  if (d.transitions.empty() || utc < d.transitions.front()) {
    return d.transitions.empty() && d.rule ? RuleOffsetAt(*d.rule, utc) : d.initial_offset;
  }
  if (utc >= d.transitions.back() && d.rule) return RuleOffsetAt(*d.rule, utc);
  auto it = std::upper_bound(d.transitions.begin(), d.transitions.end(), utc);
  return d.offsets[static_cast<size_t>(it - d.transitions.begin()) - 1];
}

}  // namespace dynaflow::engine
