// Small cryptographic helpers over OpenSSL: SHA-256, HMAC-SHA256, constant-time comparison and
// hex encoding. The one implementation of each for the client, the table cursors and the
// workflow store's listing cursors.
//
// All functions are pure and thread-safe. Byte strings are carried in std::string (binary safe).
// None of them log anything, so they may be given secrets.
#pragma once

#include <string>
#include <string_view>

namespace dynaflow::dynamodb {

// The 32-byte binary SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// The lowercase hex SHA-256 digest of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// The 32-byte binary HMAC-SHA256 of `data` under `key` (any key length).
std::string HmacSha256(std::string_view key, std::string_view data);

// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths (for
// comparing MACs without leaking where they differ).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Lowercase hex encoding of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

// Overwrites the bytes of `s` with zeros in a way the optimiser cannot elide, then clears it.
// Use on buffers that held secrets or keys derived from them.
void SecureWipe(std::string& s);

}  // namespace dynaflow::dynamodb
