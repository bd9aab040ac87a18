#include "dynaflow/model/duration_text.h"

#include <limits>

namespace dynaflow {

std::optional<std::chrono::milliseconds> ParseDurationUnits(std::string_view text,
                                                            std::span<const DurationUnit> units) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t next_unit = 0;  // units must come in the order of `units`, each once
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    int64_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      n = n * 10 + (text[pos] - '0');
      if (n > 1'000'000'000'000LL) return std::nullopt;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    const size_t unit_start = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    size_t u = next_unit;
    while (u < units.size() && units[u].name != unit) ++u;
    if (u == units.size()) return std::nullopt;
    next_unit = u + 1;
    if (n > (std::numeric_limits<int64_t>::max() - total) / units[u].ms) return std::nullopt;
    total += n * units[u].ms;
  }
  return std::chrono::milliseconds(total);
}

}  // namespace dynaflow
