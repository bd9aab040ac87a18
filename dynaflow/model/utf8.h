// UTF-8 validation and repair.
//
// DynamoDB accepts only valid UTF-8 in strings (S, SS, attribute names, map keys, expressions),
// while C++ strings hold any bytes. These helpers let every layer check strings the same way
// (the Table layer rejects invalid ones for every backend) and turn arbitrary text from user
// code (error messages) into something that can always be stored.
//
// "Valid" is strict UTF-8 as in the Unicode Standard (Table 3-7, "well-formed UTF-8 byte
// sequences"): no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates (U+D800..U+DFFF,
// i.e. ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF), no lone continuation bytes and no
// sequence cut short by the end of the string. NUL bytes are valid (U+0000).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dynaflow {

// Offset of the first byte of the first ill-formed sequence in `s`, or std::string_view::npos
// when all of `s` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view s);

// True when `s` is valid UTF-8 (the empty string is).
inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

// `s` with each maximal ill-formed subsequence replaced by U+FFFD (EF BF BD), following the
// Unicode Standard's "substitution of maximal subparts" (the practice of WHATWG and ICU): a
// valid lead byte followed by the valid start of a sequence that then stops is one U+FFFD; a
// byte that cannot start or continue any sequence is one U+FFFD each. E.g. "a\xF1\x80\x80b"
// -> "a\uFFFDb", "\xC0\xAF" -> "\uFFFD\uFFFD", "\xED\xA0\x80" -> three U+FFFD.
// Valid input is returned unchanged; the result is always valid UTF-8.
std::string SanitizeUtf8(std::string_view s);

// U+FFFD REPLACEMENT CHARACTER, as written by SanitizeUtf8.
inline constexpr std::string_view kUtf8ReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace dynaflow
