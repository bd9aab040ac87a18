#include "dynaflow/model/utf8.h"

#include <cstdint>
#include <cstring>

namespace dynaflow {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

// The sequence starting at p[0] (n >= 1 bytes available), by the Unicode Standard's Table 3-7.
// Returns its length (1..4) when well-formed. Otherwise returns 0 and sets *bad to the length
// of the maximal subpart there (1..3): the bytes that begin a well-formed sequence before it
// breaks off.
size_t SequenceAt(const unsigned char* p, size_t n, size_t* bad) {
  const unsigned char lead = p[0];
  if (lead < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80;  // allowed range of the second byte
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (lead == 0xED) hi = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong below U+10000
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *bad = 1;  // a continuation byte, C0, C1 or F5..FF: never starts a sequence
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (k >= n || p[k] < lo || p[k] > hi) {
      *bad = k;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return len;
}

// Advances *i over valid bytes; stops at the first ill-formed sequence (returns its maximal
// subpart length) or at the end (returns 0).
size_t SkipValid(const unsigned char* p, size_t n, size_t* i) {
  while (*i < n) {
    if (n - *i >= 8) {
      uint64_t word;
      std::memcpy(&word, p + *i, 8);
      if ((word & kHighBits) == 0) {  // eight ASCII bytes
        *i += 8;
        continue;
      }
    }
    if (p[*i] < 0x80) {
      ++*i;
      continue;
    }
    size_t bad = 0;
    size_t len = SequenceAt(p + *i, n - *i, &bad);
    if (len == 0) return bad;
    *i += len;
  }
  return 0;
}

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  return SkipValid(p, s.size(), &i) == 0 ? std::string_view::npos : i;
}

std::string SanitizeUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  size_t bad = SkipValid(p, n, &i);
  if (bad == 0) return std::string(s);
  std::string out;
  out.reserve(n + 8);
  size_t start = 0;  // first byte not yet copied
  while (bad != 0) {
    out.append(s.data() + start, i - start);
    out.append(kUtf8ReplacementCharacter);
    i += bad;
    start = i;
    bad = SkipValid(p, n, &i);
  }
  out.append(s.data() + start, n - start);
  return out;
}

}  // namespace dynaflow
