// KilobyteOf: 1000 bytes of pseudo-random base64-alphabet text, a function of `seed` alone --
// what zstd cannot shrink much (a 1 KB JSON string output), so WRU figures measure 1 KB items.
// Header-only: the DynamoDB cost tests and bench/dynamodb_local_bench (which does not link the
// test support library) write the same payloads.
#pragma once

#include <cstdint>
#include <string>

namespace dynaflow::test {

inline std::string KilobyteOf(uint32_t seed) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out(1000, ' ');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = kAlphabet[x & 63];
  }
  return out;
}

}  // namespace dynaflow::test
