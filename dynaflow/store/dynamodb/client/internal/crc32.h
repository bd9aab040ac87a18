// CRC-32 as DynamoDB uses it in the x-amz-crc32 response header: the zlib / IEEE 802.3 CRC
// (reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF), computed over the
// raw response body bytes. Table-driven (slicing-by-8); no zlib dependency.
//
// Thread-safety: pure functions (the tables are compile-time constants).
#pragma once

#include <cstdint>
#include <string_view>

namespace dynaflow::dynamodb::internal {

// CRC-32 of `data`; Crc32("123456789") == 0xCBF43926, Crc32("") == 0.
uint32_t Crc32(std::string_view data);

// Continues a CRC: Crc32Extend(Crc32(a), b) == Crc32(a + b). Crc32Extend(0, x) == Crc32(x).
uint32_t Crc32Extend(uint32_t crc, std::string_view data);

}  // namespace dynaflow::dynamodb::internal
