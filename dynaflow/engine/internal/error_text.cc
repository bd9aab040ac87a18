#include "dynaflow/engine/internal/error_text.h"

#include <algorithm>

#include "dynaflow/model/utf8.h"

namespace dynaflow::engine::internal {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The longest prefix of valid UTF-8 `s` of at most `n` bytes that ends at a character boundary.
std::string_view HeadOf(std::string_view s, size_t n) {
  if (n >= s.size()) return s;
  while (n > 0 && IsContinuation(s[n])) --n;
  return s.substr(0, n);
}

// The longest suffix of valid UTF-8 `s` of at most `n` bytes that starts at a character boundary.
std::string_view TailOf(std::string_view s, size_t n) {
  if (n >= s.size()) return s;
  size_t start = s.size() - n;
  while (start < s.size() && IsContinuation(s[start])) ++start;
  return s.substr(start);
}

}  // namespace

std::string RecordableError(std::string_view text, size_t max_bytes) {
  max_bytes = std::max<size_t>(max_bytes, 64);
  std::string valid = SanitizeUtf8(text);
  if (valid.size() <= max_bytes) return valid;
  // The marker names the bytes cut from the sanitized text; it is at most 40 bytes long.
  constexpr size_t kMarkerRoom = 40;
  const size_t keep = max_bytes - kMarkerRoom;
  std::string_view head = HeadOf(valid, keep - keep / 4);
  std::string_view tail = TailOf(valid, keep / 4);
  const size_t cut = valid.size() - head.size() - tail.size();
  std::string out;
  out.reserve(max_bytes);
  out.append(head);
  out.append(" ... [" + std::to_string(cut) + " bytes cut] ... ");
  out.append(tail);
  return out;
}

}  // namespace dynaflow::engine::internal
