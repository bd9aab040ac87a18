// Compact binary encoding of attribute maps, used by the SQLite backend for the `attrs` column.
//
// Layout (all lengths and counts are unsigned LEB128 varints):
//   blob   := version(1 byte = kItemBlobVersion) map
//   map    := count (name value)*        names are byte strings: len bytes
//   value  := tag payload
//   tag    := 0 NULL | 1 BOOL false | 2 BOOL true | 3 S | 4 N | 5 B | 6 M | 7 L | 8 SS | 9 NS | 10
//   BS payload: S/N/B = len bytes (N keeps its decimal text exactly); M = map; L = count value*;
//            SS/NS/BS = count (len bytes)*; NULL/BOOL = nothing.
// The tags are part of the on-disk format: never renumber them; add new tags at the end and bump
// kItemBlobVersion for incompatible changes.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"

namespace dynaflow::table::internal {

inline constexpr uint8_t kItemBlobVersion = 1;
// Deepest nesting of M/L accepted by the decoder (DynamoDB allows 32 levels).
inline constexpr int kMaxDecodeDepth = 64;

// Encodes every attribute of `attributes`. Never fails.
std::string EncodeAttributes(const AttributeMap& attributes);

// Decodes a blob written by EncodeAttributes. Errors: kSerialization for an unknown version,
// truncated or trailing bytes, an unknown tag, an invalid number, a duplicate map name, or
// nesting deeper than kMaxDecodeDepth. Never crashes or allocates unboundedly on garbage
// (every count is checked against the bytes that remain).
Result<AttributeMap> DecodeAttributes(std::string_view blob);

}  // namespace dynaflow::table::internal
