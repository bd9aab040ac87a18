// Base64 (RFC 4648): the standard alphabet with '=' padding (section 4), as DynamoDB uses for B
// and BS values on the wire, and base64url without padding (section 5), for opaque URL-safe
// tokens such as query and listing cursors. One encoder and one decoder serve both.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dynaflow::dynamodb {

// Length of the base64 encoding of `raw_size` bytes.
constexpr size_t Base64EncodedSize(size_t raw_size) { return (raw_size + 2) / 3 * 4; }

// Appends the padded base64 encoding of `raw` (any bytes) to `*out`.
void Base64EncodeAppend(std::string_view raw, std::string* out);

// Returns the padded base64 encoding of `raw`.
std::string Base64Encode(std::string_view raw);

// Decodes strict, canonical base64: length a multiple of 4, only alphabet characters, '='
// padding only at the end (at most two), zero padding bits, no whitespace. The empty string
// decodes to no bytes.
// Returns true and replaces `*out` with the bytes; returns false (leaving `*out` unspecified)
// when `text` is not valid base64.
bool Base64Decode(std::string_view text, std::string* out);

// base64url (RFC 4648 section 5) without padding.
std::string Base64UrlEncode(std::string_view bytes);
// The bytes of unpadded base64url `text`; nullopt for padding, whitespace, other alphabets,
// impossible lengths and non-zero trailing bits (so every byte string has one encoding).
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace dynaflow::dynamodb
