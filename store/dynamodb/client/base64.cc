#include "store/dynamodb/client/internal/base64.h"

#include <array>
#include <cstdint>

namespace dynaflow::dynamodb::internal {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Character -> 6-bit value; 0xFF for characters outside the alphabet (including '=').
constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = i;
  return t;
}
constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

void Base64EncodeAppend(std::string_view raw, std::string* out) {
  size_t start = out->size();
  out->resize(start + Base64EncodedSize(raw.size()));
  char* dst = out->data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(raw.data());
  size_t n = raw.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{src[i]} << 16) | (uint32_t{src[i + 1]} << 8) | src[i + 2];
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{src[i]} << 16;
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = '=';
    *dst++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{src[i]} << 16) | (uint32_t{src[i + 1]} << 8);
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = '=';
  }
}

std::string Base64Encode(std::string_view raw) {
  std::string out;
  Base64EncodeAppend(raw, &out);
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  size_t n = text.size();
  if (n % 4 != 0) return false;
  out->clear();
  if (n == 0) return true;
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  size_t pad = 0;
  if (src[n - 1] == '=') pad = (src[n - 2] == '=') ? 2 : 1;
  out->resize(n / 4 * 3 - pad);
  char* dst = out->data();
  size_t full = (pad == 0) ? n : n - 4;  // groups without padding
  for (size_t i = 0; i < full; i += 4) {
    uint32_t a = kDecode[src[i]], b = kDecode[src[i + 1]], c = kDecode[src[i + 2]],
             d = kDecode[src[i + 3]];
    if ((a | b | c | d) & 0x80) return false;
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *dst++ = static_cast<char>(v >> 16);
    *dst++ = static_cast<char>((v >> 8) & 0xFF);
    *dst++ = static_cast<char>(v & 0xFF);
  }
  if (pad == 0) return true;
  const unsigned char* last = src + n - 4;
  uint32_t a = kDecode[last[0]], b = kDecode[last[1]];
  if ((a | b) & 0x80) return false;
  if (pad == 2) {
    if (b & 0x0F) return false;  // non-zero padding bits: not canonical
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
    return true;
  }
  uint32_t c = kDecode[last[2]];
  if (c & 0x80) return false;
  if (c & 0x03) return false;
  *dst++ = static_cast<char>((a << 2) | (b >> 4));
  *dst++ = static_cast<char>(((b & 0x0F) << 4) | (c >> 2));
  return true;
}

}  // namespace dynaflow::dynamodb::internal
