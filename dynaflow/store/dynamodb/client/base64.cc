#include "dynaflow/store/dynamodb/client/base64.h"

#include <array>
#include <cstdint>

namespace dynaflow::dynamodb {
namespace {

constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using DecodeTable = std::array<uint8_t, 256>;

// Character -> 6-bit value; 0xFF for characters outside `alphabet` (including '=').
constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable t{};
  for (auto& v : t) v = 0xFF;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = i;
  return t;
}
constexpr DecodeTable kStandardDecode = MakeDecodeTable(kStandardAlphabet);
constexpr DecodeTable kUrlDecode = MakeDecodeTable(kUrlAlphabet);

// Appends the encoding of `raw` in `alphabet`; `pad` completes the last group with '='.
void EncodeAppend(std::string_view raw, const char* alphabet, bool pad, std::string* out) {
  const size_t n = raw.size();
  const size_t tail = n % 3;
  const size_t size = n / 3 * 4 + (tail == 0 ? 0 : (pad ? 4 : tail + 1));
  size_t start = out->size();
  out->resize(start + size);
  char* dst = out->data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(raw.data());
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{src[i]} << 16) | (uint32_t{src[i + 1]} << 8) | src[i + 2];
    *dst++ = alphabet[(v >> 18) & 63];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = alphabet[(v >> 6) & 63];
    *dst++ = alphabet[v & 63];
  }
  if (tail == 0) return;
  uint32_t v = uint32_t{src[i]} << 16;
  if (tail == 2) v |= uint32_t{src[i + 1]} << 8;
  *dst++ = alphabet[(v >> 18) & 63];
  *dst++ = alphabet[(v >> 12) & 63];
  if (tail == 2) *dst++ = alphabet[(v >> 6) & 63];
  if (pad) *dst++ = '=';
  if (pad && tail == 1) *dst++ = '=';
}

// Replaces `*out` with the decoding of `full` complete 4-character groups followed by
// `tail_chars` (0, 2 or 3) characters of a last, partial group. False when a character is not
// in `table` or the partial group's unused bits are not zero (not canonical).
bool DecodeGroups(const unsigned char* src, size_t full, size_t tail_chars,
                  const DecodeTable& table, std::string* out) {
  out->resize(full / 4 * 3 + (tail_chars == 0 ? 0 : tail_chars - 1));
  char* dst = out->data();
  for (size_t i = 0; i < full; i += 4) {
    uint32_t a = table[src[i]], b = table[src[i + 1]], c = table[src[i + 2]], d = table[src[i + 3]];
    if ((a | b | c | d) & 0x80) return false;
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *dst++ = static_cast<char>(v >> 16);
    *dst++ = static_cast<char>((v >> 8) & 0xFF);
    *dst++ = static_cast<char>(v & 0xFF);
  }
  if (tail_chars == 0) return true;
  const unsigned char* last = src + full;
  uint32_t a = table[last[0]], b = table[last[1]];
  if ((a | b) & 0x80) return false;
  if (tail_chars == 2) {
    if (b & 0x0F) return false;
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
    return true;
  }
  uint32_t c = table[last[2]];
  if (c & 0x80) return false;
  if (c & 0x03) return false;
  *dst++ = static_cast<char>((a << 2) | (b >> 4));
  *dst++ = static_cast<char>(((b & 0x0F) << 4) | (c >> 2));
  return true;
}

}  // namespace

void Base64EncodeAppend(std::string_view raw, std::string* out) {
  EncodeAppend(raw, kStandardAlphabet, /*pad=*/true, out);
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
  if (pad == 0) return DecodeGroups(src, n, 0, kStandardDecode, out);
  return DecodeGroups(src, n - 4, 4 - pad, kStandardDecode, out);
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  EncodeAppend(bytes, kUrlAlphabet, /*pad=*/false, &out);
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  const size_t tail = text.size() % 4;
  if (tail == 1) return std::nullopt;
  std::string out;
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  if (!DecodeGroups(src, text.size() - tail, tail, kUrlDecode, &out)) return std::nullopt;
  return out;
}

}  // namespace dynaflow::dynamodb
