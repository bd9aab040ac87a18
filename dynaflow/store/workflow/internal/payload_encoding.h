// Transparent compression of payloads (run inputs, step outputs, results) before they are
// stored. The stored form names its encoding in an attribute beside the bytes, so items written
// without compression stay readable.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "dynaflow/model/result.h"

namespace dynaflow::store::internal {

// Encoding names as stored ("" = the raw bytes).
inline constexpr char kEncodingZstd[] = "zstd";

struct EncodedPayload {
  std::string bytes;
  std::string encoding;  // "" or kEncodingZstd
};

// Compresses `payload` with zstd (level 3) when it is at least `min_bytes` long and the
// compressed form is smaller; otherwise returns it unchanged with encoding "". min_bytes 0
// disables compression.
EncodedPayload EncodePayload(std::string_view payload, size_t min_bytes);

// The original bytes of a stored payload. kSerialization for an unknown encoding or a corrupt
// frame, naming `what` (e.g. "output of step charge").
Result<std::string> DecodePayload(std::string stored, std::string_view encoding,
                                  std::string_view what);

}  // namespace dynaflow::store::internal
