// TimeZone: UTC offsets of a named IANA time zone (read from the system's TZif files), of a
// fixed offset, or of UTC, for schedules (dynaflow/engine/cron.h). GCC 12's libstdc++ has no
// std::chrono::tzdb, so the zoneinfo files are read here: the 64-bit (v2+) transition table,
// and the POSIX TZ rule of the file's footer for times after the last transition.
//
//   auto berlin = TimeZone::Load("Europe/Berlin").value();
//   berlin.OffsetAt(utc_seconds);   // 3600 (CET) or 7200 (CEST)
//
// Thread-safety: immutable after construction; copies are cheap (shared data).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dynaflow/model/result.h"

namespace dynaflow::engine {

inline constexpr char kDefaultZoneinfoDir[] = "/usr/share/zoneinfo";

class TimeZone {
 public:
  // UTC (named "UTC").
  TimeZone();
  static TimeZone Utc() { return TimeZone(); }
  // A fixed offset east of UTC, -26 h..+26 h (named like "+05:30").
  // Errors: kInvalidArgument (out of range).
  static Result<TimeZone> Fixed(int32_t offset_seconds);
  // "UTC", "Etc/UTC", "Z" or "" (UTC); "+hh:mm", "-hh", "UTC+hh:mm" (fixed offsets); otherwise an
  // IANA name ("Europe/Berlin") read from <zoneinfo_dir>/<name>.
  // Errors: kInvalidArgument (a name with "..", a leading '/', or other characters than
  // letters, digits, '/', '_', '-', '+'), kNotFound (no such zone file: the message names the
  // zone and the path), kSerialization (not a TZif file).
  static Result<TimeZone> Load(std::string_view name,
                               const std::string& zoneinfo_dir = kDefaultZoneinfoDir);
  // Parses TZif bytes (for tests). Errors: kSerialization.
  static Result<TimeZone> FromTzif(std::string name, std::string_view bytes);

  // The name given to Load (or "UTC", "+05:30").
  const std::string& name() const;
  // Seconds east of UTC in effect at the UTC instant `utc_seconds` (since the Unix epoch).
  int32_t OffsetAt(int64_t utc_seconds) const;

  struct Data;

 private:
  explicit TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

}  // namespace dynaflow::engine
