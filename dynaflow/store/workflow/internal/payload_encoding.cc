#include "dynaflow/store/workflow/internal/payload_encoding.h"

#include <zstd.h>

namespace dynaflow::store::internal {

namespace {
constexpr int kZstdLevel = 3;
// A decoded payload larger than this is refused as corrupt (payloads are far smaller).
constexpr unsigned long long kMaxDecodedBytes = 1ULL << 32;
}  // namespace

EncodedPayload EncodePayload(std::string_view payload, size_t min_bytes) {
  EncodedPayload out;
  if (min_bytes == 0 || payload.size() < min_bytes) {
    out.bytes = std::string(payload);
    return out;
  }
  std::string compressed(ZSTD_compressBound(payload.size()), '\0');
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), payload.data(), payload.size(),
                           kZstdLevel);
  if (ZSTD_isError(n) || n >= payload.size()) {
    out.bytes = std::string(payload);
    return out;
  }
  compressed.resize(n);
  out.bytes = std::move(compressed);
  out.encoding = kEncodingZstd;
  return out;
}

Result<std::string> DecodePayload(std::string stored, std::string_view encoding,
                                  std::string_view what) {
  if (encoding.empty()) return stored;
  if (encoding != kEncodingZstd) {
    return Status::Serialization(std::string(what) + " has unknown encoding '" +
                                 std::string(encoding) + "'");
  }
  unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxDecodedBytes) {
    return Status::Serialization(std::string(what) + " is not a valid zstd frame");
  }
  std::string out(static_cast<size_t>(size), '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), stored.data(), stored.size());
  if (ZSTD_isError(n) || n != out.size()) {
    return Status::Serialization(std::string(what) + " does not decompress: " +
                                 (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch"));
  }
  return out;
}

}  // namespace dynaflow::store::internal
